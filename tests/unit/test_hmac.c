/*
 * Unit tests for core/net/hmac: RFC 4231 vectors, agreement with the
 * `openssl dgst -hmac` command (an independent implementation), the
 * "t=<unix>,v1=<hex>" header, and refusal of forged, malformed and stale
 * signatures.
 */
#include "testutil.h"

#include "base/err.h"
#include "base/mem.h"
#include "net/hmac.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_rfc4231_vectors(void **state)
{
  char hex[CG_HMAC_HEX_LEN + 1];
  unsigned char key1[20];
  memset(key1, 0x0b, sizeof(key1));
  assert_int_equal(cg_hmac_sha256_hex(key1, sizeof(key1), "Hi There", 8, hex),
                   0);
  assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b"
                           "881dc200c9833da726e9376c2e32cff7");
  const char *msg = "what do ya want for nothing?";
  assert_int_equal(cg_hmac_sha256_hex("Jefe", 4, msg, strlen(msg), hex), 0);
  assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
                           "5a003f089d2739839dec58b964ec3843");
  /* Empty key and message (well-known value). */
  assert_int_equal(cg_hmac_sha256_hex(NULL, 0, NULL, 0, hex), 0);
  assert_string_equal(hex, "b613679a0814d9ec772f95d778c35fc5"
                           "ff1697c493715653c6c712144292c5ad");
  /* RFC 4231 case 6: a key longer than the block size is hashed first. */
  unsigned char key6[131];
  memset(key6, 0xaa, sizeof(key6));
  msg = "Test Using Larger Than Block-Size Key - Hash Key First";
  assert_int_equal(
      cg_hmac_sha256_hex(key6, sizeof(key6), msg, strlen(msg), hex), 0);
  assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
                           "8e0bc6213728c5140546040f0ee37f54");
}

/* HMAC of the file's bytes by the openssl command, into hex[65]. */
static void openssl_hmac(const char *key, const char *path, char *hex)
{
  char cmd[512];
  snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 -hmac '%s' '%s'", key, path);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  char line[512] = "";
  assert_non_null(fgets(line, sizeof(line), p));
  assert_int_equal(pclose(p), 0);
  const char *eq = strstr(line, "= ");
  assert_non_null(eq);
  snprintf(hex, CG_HMAC_HEX_LEN + 1, "%s", eq + 2);
}

static void write_file(const char *path, const void *data, size_t n)
{
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  fclose(f);
}

static void test_against_openssl_command(void **state)
{
  char *dir = tu_tmpdir("hmac");
  char path[512];
  snprintf(path, sizeof(path), "%s/msg", dir);
  const char *secret = "gxo-webhook-secret";
  size_t sizes[] = {0, 1, 63, 64, 65, 1000, 70000};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    size_t n = sizes[i];
    char *body = cg_malloc(n + 1);
    for (size_t j = 0; j < n; j++)
      body[j] = (char)((j * 131 + i) & 0xff); /* includes NUL bytes */
    int64_t t = 1767225600 + (int64_t)i;
    char header[128];
    assert_int_equal(cg_sig_make(secret, t, body, n, header, sizeof(header)),
                     0);
    /* The signed message is "<t>.<body>". */
    char prefix[32];
    int plen = snprintf(prefix, sizeof(prefix), "%" PRId64 ".", t);
    char *msg = cg_malloc((size_t)plen + n);
    memcpy(msg, prefix, (size_t)plen);
    memcpy(msg + plen, body, n);
    write_file(path, msg, (size_t)plen + n);
    char want[CG_HMAC_HEX_LEN + 1], line[160];
    openssl_hmac(secret, path, want);
    snprintf(line, sizeof(line), "t=%" PRId64 ",v1=%s", t, want);
    assert_string_equal(header, line);
    char hex[CG_HMAC_HEX_LEN + 1];
    assert_int_equal(
        cg_hmac_sha256_hex(secret, strlen(secret), msg, (size_t)plen + n, hex),
        0);
    assert_string_equal(hex, want);
    assert_int_equal(cg_sig_verify(secret, line, body, n, t, 300), 0);
    cg_free(msg);
    cg_free(body);
  }
  tu_rmtree(dir);
  free(dir);
}

static void test_verify_accepts(void **state)
{
  const char *body = "{\"event\":\"order.dispatched\"}";
  size_t n = strlen(body);
  char h[128], multi[400], upper[128];
  assert_int_equal(cg_sig_make("s3cret", 1000, body, n, h, sizeof(h)), 0);
  assert_int_equal(cg_sig_verify("s3cret", h, body, n, 1000, 300), 0);
  assert_int_equal(cg_sig_verify("s3cret", h, body, n, 1300, 300), 0);
  assert_int_equal(cg_sig_verify("s3cret", h, body, n, 700, 300), 0);
  /* Secret rotation: several v1 entries, any match passes; spaces and
   * unknown schemes are tolerated. */
  snprintf(multi, sizeof(multi), "t=1000, v0=abc, v1=%064d, %s", 0,
           strstr(h, "v1="));
  assert_int_equal(cg_sig_verify("s3cret", multi, body, n, 1000, 300), 0);
  snprintf(upper, sizeof(upper), "%s", h);
  for (char *p = strstr(upper, "v1=") + 3; *p; p++)
    *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
  assert_int_equal(cg_sig_verify("s3cret", upper, body, n, 1000, 300), 0);
}

static void test_verify_refuses(void **state)
{
  const char *body = "{\"qty\":5}";
  size_t n = strlen(body);
  char h[128], bad[160];
  assert_int_equal(cg_sig_make("s3cret", 1000, body, n, h, sizeof(h)), 0);
  /* Stale or from the future, though authentic. */
  assert_int_equal(cg_sig_verify("s3cret", h, body, n, 1301, 300), CG_ESTALE);
  assert_int_equal(cg_sig_verify("s3cret", h, body, n, 699, 300), CG_ESTALE);
  /* Forged: other secret, tampered body, flipped digit, moved t. */
  assert_int_equal(cg_sig_verify("other", h, body, n, 1000, 300), CG_ESIG);
  assert_int_equal(cg_sig_verify("s3cret", h, "{\"qty\":6}", n, 1000, 300),
                   CG_ESIG);
  snprintf(bad, sizeof(bad), "%s", h);
  char *last = bad + strlen(bad) - 1;
  *last = *last == '0' ? '1' : '0';
  assert_int_equal(cg_sig_verify("s3cret", bad, body, n, 1000, 300), CG_ESIG);
  snprintf(bad, sizeof(bad), "t=1001,%s", strstr(h, "v1="));
  assert_int_equal(cg_sig_verify("s3cret", bad, body, n, 1000, 300), CG_ESIG);
  /* A forgery with a stale timestamp is a forgery. */
  snprintf(bad, sizeof(bad), "t=1,v1=%064d", 0);
  assert_int_equal(cg_sig_verify("s3cret", bad, body, n, 1000, 300), CG_ESIG);
}

static void test_verify_refuses_malformed(void **state)
{
  const char *body = "{\"qty\":5}";
  size_t n = strlen(body);
  char h[128], bad[160];
  assert_int_equal(cg_sig_make("s3cret", 1000, body, n, h, sizeof(h)), 0);
  const char *malformed[] = {"",
                             "t=",
                             "t=abc,v1=00",
                             "v1=abcd",
                             "t=1000",
                             "t=1000,v1=",
                             "t=-5,v1=00",
                             "t=1000,t=1000,v1=00",
                             "t=99999999999999999999,v1=00",
                             "garbage"};
  for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
    assert_int_equal(cg_sig_verify("s3cret", malformed[i], body, n, 1000, 300),
                     CG_ESIG);
  snprintf(bad, sizeof(bad), "%s,%s", h, "v1=zz");
  assert_int_equal(cg_sig_verify("s3cret", bad, body, n, 1000, 300), 0);
  assert_int_equal(cg_sig_verify("s3cret", NULL, body, n, 1000, 300), CG_ESIG);
  assert_int_equal(cg_sig_verify(NULL, h, body, n, 1000, 300), CG_ESIG);
  /* Overflow-prone clocks are refused, not wrapped. */
  assert_int_equal(cg_sig_verify("s3cret", h, body, n, INT64_MIN, 300),
                   CG_ESTALE);
  assert_int_equal(cg_sig_verify("s3cret", h, body, n, INT64_MAX, 300),
                   CG_ESTALE);
}

static void test_make_small_buffer(void **state)
{
  /* Signing and verifying never go through cg_malloc, so an allocation
   * failure cannot turn a genuine signature into a refusal. */
  char sig[96];
  cg_mem_fail_after(0);
  int made = cg_sig_make("k", 1000, "body", 4, sig, sizeof(sig));
  int checked = cg_sig_verify("k", sig, "body", 4, 1000, 0);
  cg_mem_fail_after(-1);
  assert_int_equal(made, 0);
  assert_int_equal(checked, 0);
  char out[20];
  assert_int_equal(cg_sig_make("k", 1000, "x", 1, out, sizeof(out)), CG_EINVAL);
  char ok[96];
  assert_int_equal(cg_sig_make("k", 1000, NULL, 0, ok, sizeof(ok)), 0);
  assert_int_equal(cg_sig_verify("k", ok, NULL, 0, 1000, 0), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc4231_vectors),
      cmocka_unit_test(test_against_openssl_command),
      cmocka_unit_test(test_verify_accepts),
      cmocka_unit_test(test_verify_refuses),
      cmocka_unit_test(test_verify_refuses_malformed),
      cmocka_unit_test(test_make_small_buffer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
