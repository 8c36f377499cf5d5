/* base64.h - internal: standard base64 (RFC 4648 section 4 alphabet, '=' padding) for binary blobs
** inside JSON files (XGBoost boosters). Hand-written: a few lines, and no Debian C library in our
** dependency set (cJSON, libxgboost) provides it. */
#ifndef VT_CORE_BASE64_H
#define VT_CORE_BASE64_H
#include <stddef.h>
#include "vitrum.h"

/* Encode n bytes. Returns a NUL-terminated string the caller frees with vt_free(), or NULL when
 * out of memory. */
char *vt_base64_encode(const unsigned char *data, size_t n);

/* Decode canonical base64 only: length a multiple of 4, no whitespace, '=' only as the final one
 * or two characters, unused trailing bits zero. On success *out (vt_free) holds *n_out bytes;
 * malformed text is VT_EPARSE naming the 0-based character position. */
vt_status vt_base64_decode(const char *text, unsigned char **out, size_t *n_out);
#endif
