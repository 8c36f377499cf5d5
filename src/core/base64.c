/* base64.c - standard base64 encode and strict decode; see base64.h. */
#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *vt_base64_encode(const unsigned char *data, size_t n)
{
    if (n / 3 > (SIZE_MAX - 5) / 4) return NULL; /* 4 * ceil(n / 3) + 1 would overflow */
    char *out = vt_malloc((n + 2) / 3 * 4 + 1);
    if (!out) return NULL;
    char *o = out;
    for (size_t i = 0; i < n; i += 3) {
        /* Missing bytes of the last group count as zero; their sextets become '='. */
        unsigned long v = (unsigned long)data[i] << 16;
        if (i + 1 < n) v |= (unsigned long)data[i + 1] << 8;
        if (i + 2 < n) v |= data[i + 2];
        *o++ = alphabet[(v >> 18) & 63];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? alphabet[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* Value of one base64 character, or -1. */
static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Number of '=' at the end (0..2), after checking that none appears anywhere else. */
static vt_status count_padding(const char *text, size_t len, size_t *n_pad)
{
    size_t pad = 0;
    while (pad < 2 && pad < len && text[len - 1 - pad] == '=') pad++;
    const char *eq = memchr(text, '=', len - pad);
    if (eq) VT_FAIL(VT_EPARSE, "base64: misplaced '=' at character %zu", (size_t)(eq - text));
    *n_pad = pad;
    return VT_OK;
}

vt_status vt_base64_decode(const char *text, unsigned char **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    size_t len = strlen(text), pad = 0;
    if (len % 4 != 0) VT_FAIL(VT_EPARSE, "base64: length %zu is not a multiple of 4", len);
    VT_TRY(count_padding(text, len, &pad));
    vt_status st = VT_OK;
    size_t k = 0;
    unsigned char *buf = vt_malloc(len / 4 * 3 - pad);
    if (!buf) VT_FAIL(VT_ENOMEM, "base64: out of memory for %zu characters", len);
    unsigned long v = 0;
    for (size_t i = 0; i < len - pad; i++) {
        int s = sextet(text[i]);
        if (s < 0) {
            st = vt_err_set_(VT_EPARSE, "base64: invalid character 0x%02x at character %zu",
                             (unsigned)(unsigned char)text[i], i);
            goto cleanup;
        }
        v = (v << 6) | (unsigned long)s;
        if (i % 4 == 3) {
            buf[k++] = (unsigned char)(v >> 16);
            buf[k++] = (unsigned char)(v >> 8);
            buf[k++] = (unsigned char)v;
            v = 0;
        }
    }
    /* The last group has 3 (one '=') or 2 (two '=') sextets: 2 or 1 bytes plus 2 or 4 unused low
     * bits, which a canonical encoder leaves zero. */
    if (pad > 0) {
        int spare_bits = pad == 1 ? 2 : 4;
        if (v & ((1UL << spare_bits) - 1)) {
            st = vt_err_set_(VT_EPARSE, "base64: non-zero padding bits before character %zu",
                             len - pad);
            goto cleanup;
        }
        v >>= spare_bits;
        if (pad == 1) buf[k++] = (unsigned char)(v >> 8);
        buf[k++] = (unsigned char)v;
    }
cleanup:
    if (st != VT_OK) {
        vt_free(buf);
        return st;
    }
    *out = buf;
    *n_out = k;
    return VT_OK;
}
