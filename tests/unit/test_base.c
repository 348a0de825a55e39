/*
 * Unit tests for core/base: buffers, JSON accessors, time parsing,
 * error detail, PRNG determinism and allocation failure injection.
 */
#include "testutil.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/rand.h"
#include "base/time.h"

#include <string.h>

static void test_buf(void **state)
{
  struct cg_buf b = CG_BUF_INIT;
  assert_int_equal(cg_buf_puts(&b, "hello"), 0);
  assert_int_equal(cg_buf_printf(&b, " %d", 42), 0);
  assert_string_equal(b.data, "hello 42");
  cg_buf_consume(&b, 6);
  assert_string_equal(b.data, "42");
  char *s = cg_buf_steal(&b);
  assert_string_equal(s, "42");
  assert_null(b.data);
  cg_free(s);
}

static void test_json(void **state)
{
  struct cg_err err = {0};
  const char *txt = "{\"a\":{\"b\":\"x\",\"n\":12},\"t\":true,\"f\":1.5}";
  cJSON *j = cg_json_parse(txt, strlen(txt), &err);
  assert_non_null(j);
  assert_string_equal(cg_json_str(j, "a.b"), "x");
  assert_int_equal(cg_json_int(j, "a.n", -1), 12);
  int64_t v;
  assert_int_equal(cg_json_get_int(j, "f", &v), CG_EINVAL);
  assert_true(cg_json_bool(j, "t", false));
  assert_null(cg_json_str(j, "a.missing"));
  cJSON_Delete(j);
  assert_null(cg_json_parse("{\"a\":", 5, &err));
  assert_int_equal(err.code, CG_EINVAL);
}

static void test_time(void **state)
{
  int64_t ms;
  assert_int_equal(cg_time_parse_iso8601("2026-03-04T08:12:00Z", &ms), 0);
  char buf[40];
  assert_string_equal(cg_time_format_iso8601_s(ms, buf, sizeof(buf)),
                      "2026-03-04T08:12:00Z");
  int64_t ms2;
  assert_int_equal(cg_time_parse_iso8601("2026-03-04T09:12:00.250+01:00", &ms2),
                   0);
  assert_int_equal(ms2, ms + 250);
  assert_int_equal(cg_time_parse_http("Wed, 21 Oct 2015 07:28:00 GMT", &ms), 0);
  assert_string_equal(cg_time_format_http(ms, buf, sizeof(buf)),
                      "Wed, 21 Oct 2015 07:28:00 GMT");
  assert_int_equal(cg_time_parse_iso8601("yesterday", &ms), CG_EINVAL);
}

static void test_rand_deterministic(void **state)
{
  struct cg_rand a, b;
  cg_rand_seed(&a, 7);
  cg_rand_seed(&b, 7);
  for (int i = 0; i < 100; i++)
    assert_int_equal(cg_rand_next(&a), cg_rand_next(&b));
  assert_true(cg_rand_below(&a, 10) < 10);
}

static void test_alloc_failure(void **state)
{
  struct cg_buf b = CG_BUF_INIT;
  cg_mem_fail_after(0);
  assert_int_equal(cg_buf_puts(&b, "x"), CG_ENOMEM);
  cg_mem_fail_after(-1);
  assert_int_equal(cg_buf_puts(&b, "x"), 0);
  cg_buf_free(&b);
}

static void test_err(void **state)
{
  struct cg_err err;
  assert_int_equal(cg_err_set(&err, CG_EPERM, "bad %s", "thing"), CG_EPERM);
  cg_err_prefix(&err, "order %d", 7);
  assert_string_equal(err.msg, "order 7: bad thing");
  assert_string_equal(cg_strerror(CG_ERETRY), "CG_ERETRY");
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buf),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_time),
      cmocka_unit_test(test_rand_deterministic),
      cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_err),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
