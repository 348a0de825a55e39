/*
 * hmac: HMAC-SHA256 through OpenSSL (EVP_MAC "HMAC" with the digest of
 * EVP_sha256) and the "t=<unix>,v1=<hex>" webhook
 * signature header (see hmac.h). The signed message is "<t>.<raw body>".
 *
 * Verification decodes every v1 entry to bytes and compares each with
 * CRYPTO_memcmp, so neither the position of a mismatch nor hex letter case
 * changes the outcome or the timing. The timestamp is checked only after a
 * signature matched: a forgery is CG_ESIG whatever its t, a genuine but
 * old (replayed) message is CG_ESTALE.
 */
#include "net/hmac.h"

#include "base/err.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAC_LEN 32
/* Refuses absurd timestamps so that |now - t| cannot overflow. */
#define T_MAX INT64_C(100000000000000)

/* HMAC-SHA256 of part1 || part2, computed incrementally so a signed
 * message "<t>.<body>" is never copied (bodies may be megabytes) and no
 * cg_malloc is involved. */
static int mac2(const void *key, size_t key_len, const void *part1, size_t len1,
                const void *part2, size_t len2, unsigned char out[MAC_LEN])
{
  EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(
          OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(EVP_sha256()), 0),
      OSSL_PARAM_construct_end()};
  size_t len = 0;
  bool ok =
      ctx != NULL &&
      EVP_MAC_init(ctx, key ? key : (const void *)"", key_len, params) == 1 &&
      (len1 == 0 || EVP_MAC_update(ctx, part1, len1) == 1) &&
      (len2 == 0 || EVP_MAC_update(ctx, part2, len2) == 1) &&
      EVP_MAC_final(ctx, out, &len, MAC_LEN) == 1 && len == MAC_LEN;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(m);
  return ok ? 0 : CG_EIO;
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

int cg_hmac_sha256_hex(const void *key, size_t key_len, const void *msg,
                       size_t msg_len, char out[CG_HMAC_HEX_LEN + 1])
{
  unsigned char md[MAC_LEN];
  int rc = mac2(key, key_len, msg, msg_len, NULL, 0, md);
  if (rc == 0)
    to_hex(md, MAC_LEN, out);
  return rc;
}

/* MAC of "<t>.<body>". */
static int sig_mac(const char *secret, int64_t t, const char *body,
                   size_t body_len, unsigned char out[MAC_LEN])
{
  char prefix[32];
  int plen = snprintf(prefix, sizeof(prefix), "%" PRId64 ".", t);
  return mac2(secret, strlen(secret), prefix, (size_t)plen, body, body_len,
              out);
}

int cg_sig_make(const char *secret, int64_t unix_s, const char *body,
                size_t body_len, char *out, size_t size)
{
  if (secret == NULL || out == NULL || (body == NULL && body_len > 0))
    return CG_EINVAL;
  unsigned char md[MAC_LEN];
  int rc = sig_mac(secret, unix_s, body, body_len, md);
  if (rc != 0)
    return rc;
  char hex[CG_HMAC_HEX_LEN + 1];
  to_hex(md, MAC_LEN, hex);
  int n = snprintf(out, size, "t=%" PRId64 ",v1=%s", unix_s, hex);
  return n < 0 || (size_t)n >= size ? CG_EINVAL : 0;
}

static int hexval(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Decodes exactly 64 hex digits into 32 bytes. */
static bool unhex(const char *s, size_t n, unsigned char out[MAC_LEN])
{
  if (n != CG_HMAC_HEX_LEN)
    return false;
  for (size_t i = 0; i < MAC_LEN; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = (unsigned char)(hi * 16 + lo);
  }
  return true;
}

static bool parse_t(const char *s, size_t n, int64_t *t)
{
  if (n == 0 || n > 15)
    return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *t = v;
  return v <= T_MAX;
}

struct sig_header {
  int64_t t;
  bool has_t;
  unsigned char v1[8][MAC_LEN];
  size_t nv1;
};

/* One "key=value" item of the header (surrounding spaces allowed). */
static bool parse_item(const char *s, size_t n, struct sig_header *h)
{
  while (n > 0 && (*s == ' ' || *s == '\t'))
    s++, n--;
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  if (n >= 2 && s[0] == 't' && s[1] == '=') {
    if (h->has_t || !parse_t(s + 2, n - 2, &h->t))
      return false;
    h->has_t = true;
  } else if (n >= 3 && memcmp(s, "v1=", 3) == 0) {
    if (h->nv1 < 8 && unhex(s + 3, n - 3, h->v1[h->nv1]))
      h->nv1++;
  }
  return true; /* unknown schemes (v0=...) are ignored */
}

static bool parse_header(const char *header, struct sig_header *h)
{
  memset(h, 0, sizeof(*h));
  const char *p = header;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (!parse_item(p, n, h))
      return false;
    if (comma == NULL)
      break;
    p = comma + 1;
  }
  return h->has_t && h->nv1 > 0;
}

int cg_sig_verify(const char *secret, const char *header, const char *body,
                  size_t body_len, int64_t now_s, int64_t tolerance_s)
{
  struct sig_header h;
  if (secret == NULL || header == NULL || (body == NULL && body_len > 0) ||
      !parse_header(header, &h))
    return CG_ESIG;
  unsigned char want[MAC_LEN];
  if (sig_mac(secret, h.t, body, body_len, want) != 0)
    return CG_ESIG;
  bool match = false;
  for (size_t i = 0; i < h.nv1; i++)
    match |= CRYPTO_memcmp(want, h.v1[i], MAC_LEN) == 0;
  if (!match)
    return CG_ESIG;
  if (now_s < -T_MAX || now_s > T_MAX || tolerance_s < 0)
    return CG_ESTALE;
  int64_t skew = now_s > h.t ? now_s - h.t : h.t - now_s;
  return skew > tolerance_s ? CG_ESTALE : 0;
}

int cg_sig_verify_any(const char *const *secrets, size_t n_secrets,
                      const char *header, const char *body, size_t body_len,
                      int64_t now_s, int64_t tolerance_s)
{
  bool stale = false;
  for (size_t i = 0; i < n_secrets; i++) {
    if (secrets[i] == NULL || secrets[i][0] == '\0')
      continue;
    int rc =
        cg_sig_verify(secrets[i], header, body, body_len, now_s, tolerance_s);
    if (rc == 0)
      return 0;
    if (rc == CG_ESTALE)
      stale = true;
  }
  return stale ? CG_ESTALE : CG_ESIG;
}
