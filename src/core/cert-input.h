/* SPDX-License-Identifier: MPL-2.0 */
/* cert-input.h: turning certificate files (PEM, DER, PKCS#7) into a list of DER certificates. */
#ifndef MOZCERT_CERT_INPUT_H
#define MOZCERT_CERT_INPUT_H

#include "error.h"

/*
 * NSS must be initialised (certdb_nodb_init or a store) before any function
 * here runs: all decoding is done by NSS.
 */

struct der_cert {
	unsigned char *data; /* one complete DER certificate; owned */
	size_t len;
	char *origin;        /* "FILE" or "FILE: certificate 3" for messages; owned */
};

/* Initialise with "struct der_list l = {0}". */
struct der_list {
	struct der_cert *v;
	size_t n;
	size_t alloc;        /* capacity of v; internal */
	size_t duplicates;   /* certificates certpkg_read_path skipped: byte-identical to one already in v */
	size_t bytes_read;   /* bytes of input files certpkg_read_path read into this list */
	size_t *slots;       /* certpkg_read_path's index of v by DER (open addressing); internal */
	size_t nslots;
	bool empty_dir_ok;   /* set by the caller: a directory yielding no certificate adds nothing (cert sync) */
};

/* Bounds of one command's certificate input, over every file and directory it names. */
#define CERTPKG_MAX_TOTAL_BYTES (256u * 1024u * 1024u)
#define CERTPKG_MAX_CERTS 20000u

/* Free every entry and the array; l is left empty and reusable. NULL is fine. */
void der_list_release(struct der_list *l);

/* Append a copy of data (len bytes) with a copy of origin. No checks. */
void der_list_add(struct der_list *l, const unsigned char *data, size_t len, const char *origin);

/*
 * Pure: split one buffer (len bytes, not NUL-terminated) into certificates.
 * Accepts:
 *  - PEM with one or many CERTIFICATE, X509 CERTIFICATE or TRUSTED
 *    CERTIFICATE blocks (for TRUSTED CERTIFICATE the certificate is taken and
 *    OpenSSL's trailing aux data ignored), any text outside the blocks, CRLF;
 *  - PEM-armoured PKCS#7 (PKCS7 or CMS label) holding SignedData;
 *  - a DER certificate;
 *  - DER PKCS#7 SignedData (.p7b, .p7c), all certificates.
 * Every certificate is checked to be one complete DER certificate.
 * Appends every certificate found, in file order, to out; origin is the file
 * name used in messages. On error (MC_EINPUT, one line naming origin and the
 * place, e.g. "'ca.pem': PEM block 2 (line 31): bad base64") out is left as
 * it was: entries are appended only on full success.
 */
int certpkg_parse(const unsigned char *buf, size_t len, const char *origin,
		  struct der_list *out, struct mc_error *err);

/*
 * A file is read (at most FILEIO_MAX_INPUT bytes) and parsed with
 * certpkg_parse. A directory is walked in name order, recursing into
 * subdirectories but not into symlinked directories, and every regular file
 * (or symlink to one) whose name ends in .pem .crt .cer .der .p7b .p7c .ca or
 * .cert (any case) is parsed; other files are ignored. A directory yielding
 * no certificate is an MC_EINPUT error (unless out->empty_dir_ok). On error
 * out is left as it was.
 */
int certpkg_read_path(const char *path, struct der_list *out, struct mc_error *err);
/*
 * certpkg_read_path also bounds the work hostile input can cause: a
 * certificate byte-identical to one already in out is skipped as it is read
 * (counted in out->duplicates), and reading more than CERTPKG_MAX_TOTAL_BYTES
 * of files or collecting more than CERTPKG_MAX_CERTS distinct certificates
 * into one list is an MC_EINPUT error (out may then hold part of the input).
 */

/*
 * The input of a command: every path of paths[0..n) read with
 * certpkg_read_path into out, with NSS started without a store for the
 * decoding and shut down afterwards (no store may be open). Any failure to
 * read is MC_EINPUT: it is the input that is wrong.
 */
int certpkg_read_paths(char *const *paths, int n, struct der_list *out, struct mc_error *err);

/*
 * certpkg_read_paths, then, NSS still up and when every path was read,
 * then(ctx, err) (NULL: none) to decode what was read: the one loader of
 * certificate input. An error of then is MC_EINPUT too when it is MC_EFAIL.
 */
int certpkg_load(const char *const *paths, int n, struct der_list *out, int (*then)(void *ctx, struct mc_error *err),
		 void *ctx, struct mc_error *err);

#endif
