/*
 * hmac: HMAC-SHA256 (OpenSSL) and the "t=<unix>,v1=<hex>" signature header
 * used by both partners (X-Centra-Signature and X-Wms-Signature sign
 * "<t>.<raw body>"). Verification compares in constant time and refuses
 * timestamps outside a tolerance window (replay protection).
 */
#ifndef CG_NET_HMAC_H
#define CG_NET_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define CG_HMAC_HEX_LEN 64

/* Lowercase hex HMAC-SHA256 of msg under key into out[65]. Returns 0 or
 * CG_EIO. */
int cg_hmac_sha256_hex(const void *key, size_t key_len, const void *msg,
                       size_t msg_len, char out[CG_HMAC_HEX_LEN + 1]);
/* Builds "t=<unix_s>,v1=<hex>" for body into out (>= 96 bytes). */
int cg_sig_make(const char *secret, int64_t unix_s, const char *body,
                size_t body_len, char *out, size_t size);
/* Checks a header against body: 0 if some v1 matches and |now_s - t| <=
 * tolerance_s; CG_ESIG if malformed or no match; CG_ESTALE if the
 * timestamp is outside the window. */
int cg_sig_verify(const char *secret, const char *header, const char *body,
                  size_t body_len, int64_t now_s, int64_t tolerance_s);

/* cg_sig_verify against several secrets (during a rotation both the old
 * and the new one are accepted; NULL or empty entries are skipped): 0 on
 * the first match, CG_ESTALE if a secret matched outside the window,
 * CG_ESIG otherwise. */
int cg_sig_verify_any(const char *const *secrets, size_t n_secrets,
                      const char *header, const char *body, size_t body_len,
                      int64_t now_s, int64_t tolerance_s);

#endif
