/* SPDX-License-Identifier: MPL-2.0 */
/* strbuf.h: a growable byte buffer, always NUL-terminated. */
#ifndef MOZCERT_STRBUF_H
#define MOZCERT_STRBUF_H

#include "util.h"

struct strbuf {
	char *buf;  /* NUL-terminated, never NULL after strbuf_init */
	size_t len;
	size_t alloc;
};

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
/* Take the buffer (caller frees); sb is left empty with nothing allocated (release is a no-op). */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
