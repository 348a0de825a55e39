/*
 * Unit tests for the partners' incoming webhooks (pure functions, no
 * simulator): X-Wms-Signature envelopes (core/gxo/gxo_webhook.c) and
 * X-Centra-Signature form payloads (core/centra/centra_webhook.c), with
 * good, forged, stale, rotated and malformed inputs.
 */
#include "testutil.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "centra/centra.h"
#include "gxo/gxo.h"
#include "net/hmac.h"

#include <string.h>

#define NOW 1772611920 /* 2026-03-04T08:12:00Z */

static const char ENVELOPE[] =
    "{\"eventId\":\"ev-1\",\"eventType\":\"order.accepted\","
    "\"eventVersion\":1,\"sequence\":7,\"occurredAt\":\"2026-03-04T08:12:00Z\","
    "\"correlation\":{\"orderRef\":\"83651\"},"
    "\"data\":{\"orderRef\":\"83651\",\"wmsOrderId\":\"W-1\"}}";

/* "payload=" + the form encoding of
 * {"events":[{"type":"order","action":"update",
 *   "date":"2026-03-04 08:12:00.000000","id":83651}]}
 * with '+' for spaces, as PHP's urlencode (Centra) writes it. */
static const char CENTRA_BODY[] =
    "payload=%7B%22events%22%3A%5B%7B%22type%22%3A%22order%22%2C%22action%22"
    "%3A%22update%22%2C%22date%22%3A%222026-03-04+08%3A12%3A00.000000%22%2C"
    "%22id%22%3A83651%7D%5D%7D";

static void sign(const char *secret, int64_t t, const char *body, char *out,
                 size_t size)
{
  assert_int_equal(cg_sig_make(secret, t, body, strlen(body), out, size), 0);
}

static int gxo_parse(const char *const *secrets, size_t n, const char *sig,
                     const char *body, cJSON **env)
{
  struct cg_err err = {0};
  int rc = cg_gxo_webhook_parse(secrets, n, sig, body, strlen(body), NOW, 0,
                                env, &err);
  if (rc != 0)
    assert_true(err.msg[0] != '\0');
  return rc;
}

static void test_gxo_good(void **state)
{
  const char *secrets[] = {"gxo-webhook-secret"};
  char sig[160];
  sign("gxo-webhook-secret", NOW - 10, ENVELOPE, sig, sizeof(sig));
  cJSON *env = NULL;
  assert_int_equal(gxo_parse(secrets, 1, sig, ENVELOPE, &env), 0);
  assert_string_equal(cg_json_str(env, "eventType"), "order.accepted");
  assert_int_equal(cg_json_int(env, "sequence", 0), 7);
  assert_string_equal(cg_json_str(env, "data.orderRef"), "83651");
  cJSON_Delete(env);
}

static void test_gxo_rotation(void **state)
{
  /* During a rotation the old and the new secret are both accepted. */
  const char *secrets[] = {"old-secret", "new-secret"};
  char sig[160];
  cJSON *env = NULL;
  sign("new-secret", NOW, ENVELOPE, sig, sizeof(sig));
  assert_int_equal(gxo_parse(secrets, 2, sig, ENVELOPE, &env), 0);
  cJSON_Delete(env);
  sign("old-secret", NOW, ENVELOPE, sig, sizeof(sig));
  assert_int_equal(gxo_parse(secrets, 2, sig, ENVELOPE, &env), 0);
  cJSON_Delete(env);
  const char *only_new[] = {"", "new-secret"};
  assert_int_equal(gxo_parse(only_new, 2, sig, ENVELOPE, &env), CG_ESIG);
  assert_null(env);
}

static void test_gxo_forged(void **state)
{
  const char *secrets[] = {"gxo-webhook-secret"};
  char sig[160];
  cJSON *env = NULL;
  sign("attacker-secret", NOW, ENVELOPE, sig, sizeof(sig));
  assert_int_equal(gxo_parse(secrets, 1, sig, ENVELOPE, &env), CG_ESIG);
  /* Genuine signature, body changed after signing. */
  sign("gxo-webhook-secret", NOW, ENVELOPE, sig, sizeof(sig));
  char body[sizeof(ENVELOPE)];
  memcpy(body, ENVELOPE, sizeof(body));
  body[strlen(body) - 3] = 'X';
  assert_int_equal(gxo_parse(secrets, 1, sig, body, &env), CG_ESIG);
  assert_int_equal(gxo_parse(secrets, 1, "", ENVELOPE, &env), CG_ESIG);
  assert_int_equal(gxo_parse(secrets, 1, NULL, ENVELOPE, &env), CG_ESIG);
  assert_int_equal(gxo_parse(secrets, 1, "t=abc,v1=zz", ENVELOPE, &env),
                   CG_ESIG);
  assert_int_equal(gxo_parse(secrets, 0, sig, ENVELOPE, &env), CG_ESIG);
  assert_null(env);
}

static void test_gxo_stale(void **state)
{
  const char *secrets[] = {"gxo-webhook-secret"};
  char sig[160];
  cJSON *env = NULL;
  sign("gxo-webhook-secret", NOW - 301, ENVELOPE, sig, sizeof(sig));
  assert_int_equal(gxo_parse(secrets, 1, sig, ENVELOPE, &env), CG_ESTALE);
  sign("gxo-webhook-secret", NOW + 400, ENVELOPE, sig, sizeof(sig));
  assert_int_equal(gxo_parse(secrets, 1, sig, ENVELOPE, &env), CG_ESTALE);
  /* Inside the default window of 300 s. */
  sign("gxo-webhook-secret", NOW - 299, ENVELOPE, sig, sizeof(sig));
  assert_int_equal(gxo_parse(secrets, 1, sig, ENVELOPE, &env), 0);
  cJSON_Delete(env);
  /* A stale forgery is a forgery. */
  sign("attacker", NOW - 3600, ENVELOPE, sig, sizeof(sig));
  assert_int_equal(gxo_parse(secrets, 1, sig, ENVELOPE, &env), CG_ESIG);
}

static void test_gxo_not_envelope(void **state)
{
  const char *secrets[] = {"s"};
  const char *bodies[] = {"{\"eventType\":\"x\"}", "[1,2]", "not json", ""};
  for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    char sig[160];
    cJSON *env = NULL;
    sign("s", NOW, bodies[i], sig, sizeof(sig));
    assert_int_equal(gxo_parse(secrets, 1, sig, bodies[i], &env), CG_EINVAL);
    assert_null(env);
  }
}

static int centra_parse(const char *const *secrets, size_t n, const char *sig,
                        const char *body, cJSON **events)
{
  struct cg_err err = {0};
  int rc = cg_centra_webhook_parse(secrets, n, sig, body, strlen(body), NOW, 0,
                                   events, &err);
  if (rc != 0)
    assert_true(err.msg[0] != '\0');
  return rc;
}

static void test_centra_good(void **state)
{
  const char *secrets[] = {"centra-webhook-secret"};
  char sig[160];
  sign("centra-webhook-secret", NOW, CENTRA_BODY, sig, sizeof(sig));
  cJSON *events = NULL;
  assert_int_equal(centra_parse(secrets, 1, sig, CENTRA_BODY, &events), 0);
  assert_true(cJSON_IsArray(events));
  assert_int_equal(cJSON_GetArraySize(events), 1);
  const cJSON *ev = cJSON_GetArrayItem(events, 0);
  assert_string_equal(cg_json_str(ev, "type"), "order");
  assert_string_equal(cg_json_str(ev, "action"), "update");
  /* '+' decoded to a space, %3A to ':'. */
  assert_string_equal(cg_json_str(ev, "date"), "2026-03-04 08:12:00.000000");
  assert_int_equal(cg_json_int(ev, "id", 0), 83651);
  cJSON_Delete(events);
}

static void test_centra_other_fields(void **state)
{
  /* payload need not be the first field. */
  const char *body = "x=1&payload=%7B%22events%22%3A%5B%5D%7D&y=2";
  const char *secrets[] = {"k"};
  char sig[160];
  sign("k", NOW, body, sig, sizeof(sig));
  cJSON *events = NULL;
  assert_int_equal(centra_parse(secrets, 1, sig, body, &events), 0);
  assert_int_equal(cJSON_GetArraySize(events), 0);
  cJSON_Delete(events);
}

static void test_centra_forged_and_stale(void **state)
{
  const char *secrets[] = {"centra-webhook-secret"};
  char sig[160];
  cJSON *events = NULL;
  sign("wrong", NOW, CENTRA_BODY, sig, sizeof(sig));
  assert_int_equal(centra_parse(secrets, 1, sig, CENTRA_BODY, &events),
                   CG_ESIG);
  /* The signature covers the raw encoded body: signing the decoded JSON
   * does not verify. */
  const char *decoded = "payload={\"events\":[]}";
  sign("centra-webhook-secret", NOW, decoded, sig, sizeof(sig));
  assert_int_equal(centra_parse(secrets, 1, sig, CENTRA_BODY, &events),
                   CG_ESIG);
  sign("centra-webhook-secret", NOW - 600, CENTRA_BODY, sig, sizeof(sig));
  assert_int_equal(centra_parse(secrets, 1, sig, CENTRA_BODY, &events),
                   CG_ESTALE);
  assert_int_equal(centra_parse(secrets, 1, NULL, CENTRA_BODY, &events),
                   CG_ESIG);
  assert_null(events);
}

static void test_centra_bad_payload(void **state)
{
  const char *secrets[] = {"k"};
  const char *bodies[] = {"nothing=here", "payload=%7Bnot%20json",
                          "payload=%7B%22events%22%3A1%7D", ""};
  for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    char sig[160];
    cJSON *events = NULL;
    sign("k", NOW, bodies[i], sig, sizeof(sig));
    assert_int_equal(centra_parse(secrets, 1, sig, bodies[i], &events),
                     CG_EINVAL);
    assert_null(events);
  }
}

/* Centra's published test vector (Centra Webhook plugin docs): secret
 * "test123", t=12345678 and this raw body give this v1. The payload has no
 * "events" array, so the parse ends in CG_EINVAL for the payload, which
 * proves the signature itself was accepted (a mismatch is CG_ESIG, a
 * stale timestamp CG_ESTALE). */
static void test_centra_published_vector(void **state)
{
  static const char body[] = "payload=%7B%22x%22%3A%22test%22%7D";
  static const char sig[] =
      "t=12345678,v1=0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75b"
      "dac356c549";
  const char *secrets[] = {"test123"};
  const int64_t t = 12345678;
  assert_int_equal(
      cg_sig_verify_any(secrets, 1, sig, body, strlen(body), t + 30, 300), 0);
  struct cg_err err = {0};
  cJSON *events = NULL;
  assert_int_equal(cg_centra_webhook_parse(secrets, 1, sig, body, strlen(body),
                                           t + 30, 300, &events, &err),
                   CG_EINVAL);
  assert_non_null(strstr(err.msg, "no events array"));
  assert_null(events);
  /* A wrong secret is a signature error; a late arrival a stale one. */
  const char *other[] = {"test124"};
  assert_int_equal(cg_centra_webhook_parse(other, 1, sig, body, strlen(body), t,
                                           300, &events, &err),
                   CG_ESIG);
  assert_int_equal(cg_centra_webhook_parse(secrets, 1, sig, body, strlen(body),
                                           t + 301, 300, &events, &err),
                   CG_ESTALE);
}

static void test_order_key(void **state)
{
  char key[64];
  assert_int_equal(cg_gxo_order_key("acme", "83651", key, sizeof(key)), 0);
  assert_string_equal(key, "cg-acme-order-83651");
  assert_int_equal(cg_gxo_order_key("acme", "", key, sizeof(key)), CG_EINVAL);
  char tiny[8];
  assert_int_equal(cg_gxo_order_key("acme", "83651", tiny, sizeof(tiny)),
                   CG_EINVAL);
}

/* Every allocation failure is an error return, never a crash or a leak. */
static void test_alloc_failures(void **state)
{
  const char *gs[] = {"gxo-webhook-secret"};
  const char *cs[] = {"centra-webhook-secret"};
  char gsig[160], csig[160];
  sign("gxo-webhook-secret", NOW, ENVELOPE, gsig, sizeof(gsig));
  sign("centra-webhook-secret", NOW, CENTRA_BODY, csig, sizeof(csig));
  int ok = 0;
  for (long n = 0; n < 200; n++) {
    cJSON *out = NULL;
    cg_mem_fail_after(n);
    int g = cg_gxo_webhook_parse(gs, 1, gsig, ENVELOPE, strlen(ENVELOPE), NOW,
                                 0, &out, NULL);
    cg_mem_fail_after(-1);
    /* cg_sig_verify reports its own allocation failure as CG_ESIG. */
    assert_true(g == 0 || g == CG_EINVAL || g == CG_ENOMEM || g == CG_ESIG);
    assert_true((g == 0) == (out != NULL));
    cJSON_Delete(out);
    out = NULL;
    cg_mem_fail_after(n);
    int c = cg_centra_webhook_parse(cs, 1, csig, CENTRA_BODY,
                                    strlen(CENTRA_BODY), NOW, 0, &out, NULL);
    cg_mem_fail_after(-1);
    assert_true(c == 0 || c == CG_EINVAL || c == CG_ENOMEM || c == CG_ESIG);
    assert_true((c == 0) == (out != NULL));
    cJSON_Delete(out);
    ok += (g == 0 && c == 0);
  }
  assert_true(ok > 0); /* enough allocations eventually succeed */
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gxo_good),
      cmocka_unit_test(test_gxo_rotation),
      cmocka_unit_test(test_gxo_forged),
      cmocka_unit_test(test_gxo_stale),
      cmocka_unit_test(test_gxo_not_envelope),
      cmocka_unit_test(test_centra_good),
      cmocka_unit_test(test_centra_other_fields),
      cmocka_unit_test(test_centra_forged_and_stale),
      cmocka_unit_test(test_centra_bad_payload),
      cmocka_unit_test(test_centra_published_vector),
      cmocka_unit_test(test_order_key),
      cmocka_unit_test(test_alloc_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
