/* SPDX-License-Identifier: MPL-2.0 */
/* override-internal.h: what override-parse.c lends override-file.c's edits; not for other modules. */
#ifndef MOZCERT_OVERRIDE_INTERNAL_H
#define MOZCERT_OVERRIDE_INTERNAL_H

#include "override-file.h"

/*
 * Judge l->raw[0..l->len) (l->eol_len of it the line ending) as the current
 * reader does and set status, reason and entry; off is the offset of its
 * first byte in the file (the reader's 4096-byte blocks decide NUL handling).
 */
void override_line_classify(struct override_line *l, size_t off);
/* OriginAttributes::PopulateFromSuffix: p[0..n) is "" or '^' then known name=value pairs joined by '&'. */
bool override_suffix_ok(const char *p, size_t n);
/* Free what the line owns; the line is zeroed. */
void override_line_release(struct override_line *l);
/* A new zeroed line at the end of f. */
struct override_line *override_lines_push(struct override_file *f);

#endif
