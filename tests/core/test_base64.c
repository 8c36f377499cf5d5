/* test_base64.c - RFC 4648 test vectors both ways, and rejection of non-canonical text. */
#include <string.h>

#include "core/base64.h"
#include "test.h"

static void check_vector(const char *plain, const char *coded)
{
    char *enc = vt_base64_encode((const unsigned char *)plain, strlen(plain));
    CHECK(enc && strcmp(enc, coded) == 0);
    vt_free(enc);
    unsigned char *dec = NULL;
    size_t n = 0;
    CHECK(vt_base64_decode(coded, &dec, &n) == VT_OK);
    CHECK(n == strlen(plain) && dec && memcmp(dec, plain, n) == 0);
    vt_free(dec);
}

static void check_rejected(const char *coded)
{
    unsigned char *dec = (unsigned char *)"not reset";
    size_t n = 99;
    CHECK(vt_base64_decode(coded, &dec, &n) == VT_EPARSE);
    CHECK(dec == NULL && n == 0);
    if (vt_errcode() != VT_EPARSE) fprintf(stderr, "'%s' was not rejected\n", coded);
}

int main(void)
{
    /* RFC 4648 section 10. */
    check_vector("", "");
    check_vector("f", "Zg==");
    check_vector("fo", "Zm8=");
    check_vector("foo", "Zm9v");
    check_vector("foob", "Zm9vYg==");
    check_vector("fooba", "Zm9vYmE=");
    check_vector("foobar", "Zm9vYmFy");

    /* Every byte value survives a round trip (and uses '+' and '/'). */
    unsigned char all[256];
    for (int i = 0; i < 256; i++) all[i] = (unsigned char)(255 - i);
    char *enc = vt_base64_encode(all, sizeof all);
    unsigned char *dec = NULL;
    size_t n = 0;
    CHECK(enc && strchr(enc, '+') && strchr(enc, '/'));
    CHECK(enc && vt_base64_decode(enc, &dec, &n) == VT_OK && n == 256 && memcmp(dec, all, n) == 0);
    vt_free(enc);
    vt_free(dec);

    check_rejected("Zg=");       /* length not a multiple of 4 */
    check_rejected("Zh==");      /* non-zero unused bits: not what an encoder writes */
    check_rejected("Zm9=");      /* same, one '=' */
    check_rejected("Z===");      /* '=' too early */
    check_rejected("Zg==Zm9v");  /* padding in the middle */
    check_rejected("Zm9\nYmFy");  /* whitespace */
    check_rejected("Zm9!");      /* not in the alphabet */
    check_rejected("Zm-_");      /* the URL-safe alphabet is not accepted */
    CHECK(strstr(vt_errmsg(), "character 2") != NULL);
    TEST_DONE();
}
