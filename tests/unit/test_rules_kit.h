/*
 * test_rules_kit: helpers shared by the tests/unit/test_rules*.c cases:
 * writing throw-away packs, loading generations, the reference Centra
 * order. Header-only (static functions) so every test stays one file.
 */
#ifndef CG_TEST_RULES_KIT_H
#define CG_TEST_RULES_KIT_H

#include "testutil.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "flows/hooks.h"
#include "flows/plan.h"
#include "rules/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KIT_FN static __attribute__((unused))

/* The canonical Centra order: the WarehouseOrder selection of
 * core/centra/centra_docs.c, as Centra answers it. */
KIT_FN const char kit_order_json[] =
    "{\"__typename\":\"DirectToConsumerOrder\","
    "\"id\":\"1497ccf644db871e1e4026d101bde6f3\",\"number\":83651,"
    "\"status\":\"CONFIRMED\",\"isOnHold\":false,"
    "\"isLocked\":false,\"orderHoldReason\":null,"
    "\"orderDate\":\"2026-03-04T08:12:00+00:00\","
    "\"updatedAt\":\"2026-03-04T08:12:00+00:00\",\"otherComment\":\"\","
    "\"store\":{\"id\":1,\"type\":\"DIRECT_TO_CONSUMER\"},"
    "\"market\":{\"id\":1,\"name\":\"Default\"},"
    "\"customer\":{\"email\":\"anna@example.com\"},"
    "\"grandTotal\":{\"value\":450.5,\"currency\":{\"code\":\"EUR\"}},"
    "\"shippingAddress\":{\"firstName\":\"Anna\",\"lastName\":\"Svensson\","
    "\"companyName\":null,\"attention\":null,\"address1\":\"Storgatan 1\","
    "\"address2\":null,\"city\":\"Stockholm\",\"zipCode\":\"11122\","
    "\"stateOrProvince\":null,\"country\":{\"code\":\"SE\"},"
    "\"email\":\"anna@example.com\",\"phoneNumber\":\"+46700000000\","
    "\"cellPhoneNumber\":null},"
    "\"shippingPriceGroup\":{\"shippingOption\":{\"id\":1,"
    "\"name\":\"PostNord Home\",\"uri\":\"postnord-home\"}},"
    "\"lines\":[{\"__typename\":\"ProductOrderLine\",\"id\":43243,"
    "\"quantity\":1,\"cancelledQuantity\":0,\"productName\":\"Wool coat\","
    "\"productNumber\":\"M411740\",\"productVariantName\":\"Black\","
    "\"size\":\"38\",\"unitPrice\":{\"value\":450.5},"
    "\"productSize\":{\"id\":901,\"SKU\":\"M411740BLK38\","
    "\"EAN\":\"5772428043001\"}}]}";

KIT_FN cJSON *kit_json(const char *text)
{
  struct cg_err err = {0};
  cJSON *j = cg_json_parse(text, strlen(text), &err);
  if (j == NULL)
    fail_msg("bad JSON in test: %s", err.msg);
  return j;
}

KIT_FN cJSON *kit_order(void)
{
  return kit_json(kit_order_json);
}

KIT_FN char kit_scripts[512];

/* Options for a pack in dir; registers the flows' hooks first (core/rules
 * knows none by itself), as the engine and the CLI do. */
KIT_FN struct cg_rules_opts kit_opts(const char *merchant, const char *dir)
{
  if (cg_hooks_register() != 0)
    fail_msg("the flows' hooks did not register");
  snprintf(kit_scripts, sizeof(kit_scripts), "%s/scripts", tu_source_dir());
  struct cg_rules_opts o = {
      .merchant = merchant, .pack_dir = dir, .scripts_dir = kit_scripts};
  return o;
}

/* Absolute path of a folder in the source tree (static buffer). */
KIT_FN const char *kit_src(const char *rel)
{
  static char buf[4][512];
  static int n;
  char *b = buf[n++ % 4];
  snprintf(b, sizeof(buf[0]), "%s/%s", tu_source_dir(), rel);
  return b;
}

KIT_FN void kit_write(const char *dir, const char *name, const char *text)
{
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  mkdir(path, 0755);
  *slash = '/';
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

#define KIT_MANIFEST                                                           \
  "return { name = \"probe\", version = \"0.1.0\", api = 1 }\n"

/* A fresh pack folder with (name, text) pairs, NULL-terminated; a
 * pack.lua is added unless given. Caller tu_rmtree + cg_free. */
KIT_FN char *kit_pack(const char *first, ...)
{
  char *dir = tu_tmpdir("rules");
  assert_non_null(dir);
  bool manifest = false;
  va_list ap;
  va_start(ap, first);
  for (const char *name = first; name != NULL;
       name = va_arg(ap, const char *)) {
    const char *text = va_arg(ap, const char *);
    kit_write(dir, name, text);
    manifest = manifest || strcmp(name, "pack.lua") == 0;
  }
  va_end(ap);
  if (!manifest)
    kit_write(dir, "pack.lua", KIT_MANIFEST);
  return dir;
}

KIT_FN void kit_unpack(char *dir)
{
  tu_rmtree(dir);
  cg_free(dir);
}

/* Loads a generation or fails the test with the error. */
KIT_FN struct cg_rules_gen *kit_load(const char *merchant, const char *dir)
{
  struct cg_rules_opts o = kit_opts(merchant, dir);
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  int rc = cg_rules_gen_load(&o, 1, &g, &err);
  if (rc != 0)
    fail_msg("loading %s: %s", dir, err.msg);
  return g;
}

/* A generation whose orders.lua defines M.probe(x) as body; tests call
 * it as the hook "orders.probe". */
KIT_FN struct cg_rules_gen *kit_probe(const char *body, char **dir_out)
{
  char src[8192];
  snprintf(src, sizeof(src),
           "local M = {}\nfunction M.probe(x)\n%s\nend\nreturn M\n", body);
  char *dir = kit_pack("orders.lua", src, NULL);
  *dir_out = dir;
  return kit_load("probe", dir);
}

/* Calls hook with one JSON argument given as text (NULL = nil). */
KIT_FN int kit_call(struct cg_rules_gen *g, const char *hook, const char *arg,
                    cJSON **out, struct cg_err *err)
{
  cJSON *a = arg ? kit_json(arg) : NULL;
  int rc = cg_rules_call(g, hook, a, out, err);
  cJSON_Delete(a);
  return rc;
}

/* The result of hook(arg) printed compactly (cg_free), or NULL with err. */
KIT_FN char *kit_call_text(struct cg_rules_gen *g, const char *hook,
                           const char *arg, struct cg_err *err)
{
  cJSON *out = NULL;
  if (kit_call(g, hook, arg, &out, err) != 0)
    return NULL;
  char *s = cg_json_print(out);
  cJSON_Delete(out);
  return s;
}

#endif
