/*
 * gxo_webhook: verification and parsing of warehouse webhooks (pure, no
 * client, no loop). The warehouse POSTs one event envelope per request,
 * signed "X-Wms-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>".
 * During a secret rotation both the old and the new secret are accepted,
 * so the caller passes a list. A signature that matches but whose
 * timestamp is outside the window is a replay and is refused as stale.
 */
#include "gxo/gxo.h"

#include "base/err.h"
#include "base/json.h"
#include "net/hmac.h"

#include <stdbool.h>

static bool is_envelope(const cJSON *env)
{
  int64_t seq;
  return cJSON_IsObject(env) && cg_json_str(env, "eventId") != NULL &&
         cg_json_str(env, "eventType") != NULL &&
         cg_json_get_int(env, "sequence", &seq) == 0;
}

int cg_gxo_webhook_parse(const char *const *secrets, size_t n_secrets,
                         const char *signature, const char *body,
                         size_t body_len, int64_t now_s, int64_t tolerance_s,
                         cJSON **envelope, struct cg_err *err)
{
  *envelope = NULL;
  if (signature == NULL || signature[0] == '\0')
    return cg_err_set(err, CG_ESIG, "missing X-Wms-Signature");
  if (body == NULL)
    return cg_err_set(err, CG_EINVAL, "empty webhook body");
  if (tolerance_s <= 0)
    tolerance_s = CG_GXO_WEBHOOK_TOLERANCE_S;
  int rc = cg_sig_verify_any(secrets, n_secrets, signature, body, body_len,
                             now_s, tolerance_s);
  if (rc == CG_ESTALE)
    return cg_err_set(err, rc, "X-Wms-Signature timestamp outside %llds",
                      (long long)tolerance_s);
  if (rc != 0)
    return cg_err_set(err, rc, "X-Wms-Signature matches no accepted secret");
  cJSON *env = cg_json_parse(body, body_len, err);
  if (env == NULL) {
    cg_err_prefix(err, "webhook body");
    return CG_EINVAL;
  }
  if (!is_envelope(env)) {
    cJSON_Delete(env);
    return cg_err_set(err, CG_EINVAL,
                      "webhook body is not an event envelope "
                      "(eventId, eventType, sequence)");
  }
  *envelope = env;
  return 0;
}
