/*
 * The simulator's JSON printer (tests/sim/sim_json_print.c) against
 * libcjson's: every answer the simulators send is printed by it, so its
 * text must be cJSON_PrintUnformatted's byte for byte. Seeded random
 * documents (numbers of every magnitude and sign, fractions, -0, NaN,
 * strings with every control character and UTF-8, raws, nesting, empty
 * containers), then a cut against a hand-checked answer.
 */
#include "sim_json_print.h"
#include "testutil.h"

#include "base/mem.h"
#include "base/rand.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DOCS 3000

static struct cg_rand rng;

static double random_number(void)
{
  static const double fixed[] = {0.0,
                                 -0.0,
                                 1e15,
                                 -1e15,
                                 1e15 - 1,
                                 999999999999999.5,
                                 0.1,
                                 1.0 / 3,
                                 1e-300,
                                 1e300,
                                 4.9e-324,
                                 2.5,
                                 -7,
                                 123456789012345678.0,
                                 9007199254740993.0};
  uint64_t kind = cg_rand_below(&rng, 6);
  if (kind == 0)
    return fixed[cg_rand_below(&rng, sizeof(fixed) / sizeof(fixed[0]))];
  if (kind == 1)
    return (double)(int64_t)cg_rand_below(&rng, 2000000) - 1000000;
  if (kind == 2)
    return ((double)cg_rand_below(&rng, 1000000) - 500000) / 100.0;
  if (kind == 3) {
    uint64_t bits = cg_rand_next(&rng);
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d; /* any double: NaN and infinities too */
  }
  if (kind == 4)
    return ldexp((double)cg_rand_next(&rng), (int)cg_rand_below(&rng, 80) - 40);
  return -(double)cg_rand_below(&rng, 1000000000000000ULL);
}

static char *random_string(void)
{
  static const char *const pieces[] = {
      "a",        "\"",           "\\", "/",          "\b",   "\f",
      "\n",       "\r",           "\t", "\x01",       "\x1f", "\x7f",
      "\xc3\xa9", "\xe2\x82\xac", " ",  "__typename", "0"};
  char *s = calloc(1, 64);
  size_t n = cg_rand_below(&rng, 8);
  for (size_t i = 0; i < n; i++)
    strcat(s, pieces[cg_rand_below(&rng, sizeof(pieces) / sizeof(pieces[0]))]);
  return s;
}

static cJSON *random_value(int depth)
{
  uint64_t kind = cg_rand_below(&rng, depth > 3 ? 6 : 9);
  char *s;
  cJSON *v;
  switch (kind) {
  case 0:
    return cJSON_CreateNull();
  case 1:
    return cJSON_CreateBool(cg_rand_below(&rng, 2) == 1);
  case 2:
  case 3:
    return cJSON_CreateNumber(random_number());
  case 4:
    s = random_string();
    v = cJSON_CreateString(s);
    free(s);
    return v;
  case 5:
    return cJSON_CreateRaw("{\"raw\":[1, 2]}");
  case 6:
  case 7:
    v = cJSON_CreateObject();
    for (uint64_t i = cg_rand_below(&rng, 5); i > 0; i--) {
      s = random_string();
      cJSON_AddItemToObject(v, s, random_value(depth + 1));
      free(s);
    }
    return v;
  default:
    v = cJSON_CreateArray();
    for (uint64_t i = cg_rand_below(&rng, 5); i > 0; i--)
      cJSON_AddItemToArray(v, random_value(depth + 1));
    return v;
  }
}

static void test_same_text_as_cjson(void **state)
{
  (void)state;
  cg_rand_seed(&rng, 41);
  for (int i = 0; i < DOCS; i++) {
    cJSON *doc = random_value(0);
    char *want = cJSON_PrintUnformatted(doc);
    char *got = sim_json_print(doc);
    assert_non_null(want);
    assert_non_null(got);
    assert_string_equal(got, want);
    cJSON_free(want);
    cg_free(got);
    cJSON_Delete(doc);
  }
}

static void test_what_cjson_cannot_print(void **state)
{
  (void)state;
  cJSON *raw = cJSON_CreateRaw("1");
  cg_free(raw->valuestring);
  raw->valuestring = NULL;
  cJSON *list = cJSON_CreateArray();
  cJSON_AddItemToArray(list, raw);
  assert_null(cJSON_PrintUnformatted(list));
  assert_null(sim_json_print(list));
  assert_null(sim_json_print(NULL));
  cJSON_Delete(list);
}

static void test_cut(void **state)
{
  (void)state;
  cJSON *v = cJSON_Parse(
      "[{\"__typename\":\"A\",\"id\":1,\"x\":{\"y\":2,\"z\":3},\"w\":[{\"y\":"
      "4,\"q\":5}],\"drop\":true},{\"id\":2.5,\"x\":null}]");
  cJSON *tree = cJSON_Parse("{\"id\":1,\"x\":{\"y\":1},\"w\":{\"y\":1}}");
  char *got = sim_json_print_cut(v, tree);
  assert_string_equal(got, "[{\"__typename\":\"A\",\"id\":1,\"x\":{\"y\":2},"
                           "\"w\":[{\"y\":4}]},{\"id\":2.5,\"x\":null}]");
  cg_free(got);
  got = sim_json_print_cut(v, NULL);
  char *whole = cJSON_PrintUnformatted(v);
  assert_string_equal(got, whole);
  cJSON_free(whole);
  cg_free(got);
  cJSON_Delete(v);
  cJSON_Delete(tree);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_text_as_cjson),
      cmocka_unit_test(test_what_cjson_cannot_print),
      cmocka_unit_test(test_cut),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
