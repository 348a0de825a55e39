/*
 * centra_webhook: verification and decoding of Centra webhook plugin
 * calls (pure, no client, no loop). The plugin POSTs
 *
 *   Content-Type: application/x-www-form-urlencoded
 *   X-Centra-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.<raw>")>
 *   payload=<url-encoded {"events":[{"type","action","date","id"}]}>
 *
 * The signature covers the raw, still-encoded body, so it is checked
 * before any decoding. A webhook is only a hint: the caller fetches the
 * orders named in the events; nothing in the payload is trusted as order
 * data. URL decoding is libcurl's (curl_easy_unescape).
 */
#include "centra/centra.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/hmac.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <string.h>

#define PAYLOAD_MAX (4 * 1024 * 1024)

/* Finds the value of form field `payload` in body[0..len). */
static const char *find_payload(const char *body, size_t len, size_t *vlen)
{
  const char *p = body;
  const char *end = body + len;
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *field_end = amp ? amp : end;
    if ((size_t)(field_end - p) >= 8 && memcmp(p, "payload=", 8) == 0) {
      *vlen = (size_t)(field_end - p - 8);
      return p + 8;
    }
    p = field_end + 1;
  }
  return NULL;
}

/* Form-decodes value ('+' is a space, then %XX) and parses the JSON. */
static cJSON *decode_payload(const char *value, size_t vlen, struct cg_err *err)
{
  char *copy = cg_strndup(value, vlen);
  if (copy == NULL) {
    cg_err_set(err, CG_ENOMEM, "out of memory decoding payload");
    return NULL;
  }
  for (char *c = copy; *c != '\0'; c++)
    if (*c == '+')
      *c = ' ';
  int outlen = 0;
  char *json = curl_easy_unescape(NULL, copy, (int)vlen, &outlen);
  cg_free(copy);
  if (json == NULL) {
    cg_err_set(err, CG_ENOMEM, "cannot url-decode payload");
    return NULL;
  }
  cJSON *doc = cg_json_parse(json, (size_t)outlen, err);
  curl_free(json);
  if (doc == NULL)
    cg_err_prefix(err, "webhook payload");
  return doc;
}

/* Detaches the "events" array from the decoded payload. */
static int take_events(cJSON *doc, cJSON **events, struct cg_err *err)
{
  cJSON *arr = cJSON_DetachItemFromObjectCaseSensitive(doc, "events");
  cJSON_Delete(doc);
  if (!cJSON_IsArray(arr)) {
    cJSON_Delete(arr);
    return cg_err_set(err, CG_EINVAL, "webhook payload has no events array");
  }
  *events = arr;
  return 0;
}

int cg_centra_webhook_parse(const char *const *secrets, size_t n_secrets,
                            const char *signature, const char *body,
                            size_t body_len, int64_t now_s, int64_t tolerance_s,
                            cJSON **events, struct cg_err *err)
{
  *events = NULL;
  if (signature == NULL || signature[0] == '\0')
    return cg_err_set(err, CG_ESIG, "missing X-Centra-Signature");
  if (body == NULL || body_len > PAYLOAD_MAX)
    return cg_err_set(err, CG_EINVAL, "webhook body empty or too large");
  if (tolerance_s <= 0)
    tolerance_s = CG_CENTRA_WEBHOOK_TOLERANCE_S;
  int rc = cg_sig_verify_any(secrets, n_secrets, signature, body, body_len,
                             now_s, tolerance_s);
  if (rc == CG_ESTALE)
    return cg_err_set(err, rc, "X-Centra-Signature timestamp outside %llds",
                      (long long)tolerance_s);
  if (rc != 0)
    return cg_err_set(err, rc, "X-Centra-Signature matches no accepted secret");
  size_t vlen = 0;
  const char *value = find_payload(body, body_len, &vlen);
  if (value == NULL)
    return cg_err_set(err, CG_EINVAL, "webhook body has no payload= field");
  cJSON *doc = decode_payload(value, vlen, err);
  if (doc == NULL)
    return CG_EINVAL;
  return take_events(doc, events, err);
}
