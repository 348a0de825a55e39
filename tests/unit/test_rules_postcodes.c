/*
 * Postcode formats of scripts/cg/postcodes.lua through the sandbox: valid
 * and invalid samples for a spread of countries, plus the address check
 * that uses them.
 */
#include "test_rules_kit.h"

static struct cg_rules_gen *g;
static char *dir;

static int setup(void **state)
{
  g = kit_probe("local pc = require 'cg.postcodes'\n"
                "local ok, why = pc.check(x.c, x.z)\n"
                "return { ok = ok, why = why }",
                &dir);
  return 0;
}

static int teardown(void **state)
{
  cg_rules_gen_release(g);
  kit_unpack(dir);
  return 0;
}

static bool check(const char *country, const char *zip)
{
  char arg[256];
  if (zip != NULL)
    snprintf(arg, sizeof(arg), "{\"c\":\"%s\",\"z\":\"%s\"}", country, zip);
  else
    snprintf(arg, sizeof(arg), "{\"c\":\"%s\",\"z\":null}", country);
  struct cg_err err = {0};
  cJSON *out = NULL;
  if (kit_call(g, "orders.probe", arg, &out, &err) != 0)
    fail_msg("%s %s: %s", country, zip, err.msg);
  bool ok = cg_json_bool(out, "ok", false);
  cJSON_Delete(out);
  return ok;
}

static void test_valid(void **state)
{
  static const char *const v[][2] = {
      {"SE", "11122"},      {"SE", "111 22"},   {"DE", "10115"},
      {"NL", "1012 AB"},    {"NL", "1012ab"},   {"GB", "SW1A 1AA"},
      {"GB", "M1 1AE"},     {"GB", "B33 8TH"},  {"GB", "CR2 6XH"},
      {"GB", "DN55 1PT"},   {"GB", "W1A 0AX"},  {"GB", "EC1A1BB"},
      {"NO", "0150"},       {"CH", "8001"},     {"US", "10001"},
      {"US", "10001-1234"}, {"PL", "00-950"},   {"IE", "D02 X285"},
      {"IE", "A65F4E2"},    {"DK", "1050"},     {"DK", "DK-1050"},
      {"FI", "00100"},      {"FR", "75001"},    {"IT", "00118"},
      {"ES", "28001"},      {"PT", "1100-148"}, {"AT", "1010"},
      {"BE", "1000"},       {"CZ", "110 00"},   {"GR", "105 57"},
      {"MT", "VLT 1117"},   {"LU", "L-1009"},   {"RO", "010011"},
      {"LT", "LT-01100"},   {"LV", "LV-1050"},  {"SK", "81101"},
      {"SI", "1000"},       {"HR", "10000"},    {"BG", "1000"},
      {"HU", "1011"},       {"EE", "10111"},    {"CY", "1010"},
      {"XX", "anything"}, /* unknown country: no format rule */
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    if (!check(v[i][0], v[i][1]))
      fail_msg("%s %s should be valid", v[i][0], v[i][1]);
  assert_true(check("IE", NULL)); /* Eircode optional */
}

static void test_invalid(void **state)
{
  static const char *const v[][2] = {
      {"SE", "1112"},     {"SE", "111222"}, {"DE", "1011"},  {"DE", "ABCDE"},
      {"NL", "0123 AB"},  {"NL", "1012"},   {"GB", "SW1A"},  {"GB", "12345"},
      {"GB", "SW1A 1A"},  {"NO", "01500"},  {"CH", "800"},   {"US", "1000"},
      {"US", "10001-12"}, {"PL", "00950"},  {"PL", "00-95"}, {"IE", "D02"},
      {"ES", "99001"},    {"PT", "1100"},   {"FR", "7500"},  {"AT", "10100"},
      {"MT", "1117"},     {"RO", "01001"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    if (check(v[i][0], v[i][1]))
      fail_msg("%s %s should be invalid", v[i][0], v[i][1]);
  assert_false(check("SE", NULL)); /* required where a format exists */
  assert_false(check("DE", "  "));
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_invalid),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
