/*
 * items_build: how a Centra product size becomes a warehouse item
 * (docs/internals/items.md "Reading Centra").
 *
 *   rule host call child: plan "items.build" per size
 *     items.include(size) ── false ──▶ {include: false}
 *         │ true
 *         ▼
 *     items.payload(size) ──────────▶ {include: true, item: {...}}
 *   (hooks.c checks each hook's result: a boolean; an item object)
 *
 *   engine (items_read.c), per built item:
 *     cg__items_check  the warehouse contract's limits and required
 *                      fields: a breach is rejected locally, never sent
 *     cg__items_hash   SHA-256 of the item as printed: the content hash
 *
 * The plan runs in the rule host's processes; the checks and the hash on
 * the loop thread. Pure functions, no store.
 */
#include "flows/items_int.h"

#include "base/err.h"
#include "base/json.h"
#include "gxo/gxo_contract.h"
#include "rules/rules.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define DESCRIPTION_MAX 80 /* items.description (warehouse-api-v1.md) */
#define WHY_MAX 200

/* ---- the plan (rule host side) ------------------------------------------*/

static int run_items_plan(struct cg_rules_gen *g, const cJSON *size,
                          cJSON **out, struct cg_err *err)
{
  cJSON *inc = NULL, *item = NULL;
  *out = NULL;
  int rc = cg_rules_call(g, "items.include", size, &inc, err);
  bool include = rc == 0 && cJSON_IsTrue(inc);
  cJSON_Delete(inc);
  if (rc == 0 && include)
    rc = cg_rules_call(g, "items.payload", size, &item, err);
  if (rc != 0)
    return rc;
  cJSON *o = cJSON_CreateObject();
  if (o == NULL || cJSON_AddBoolToObject(o, "include", include) == NULL ||
      (item != NULL && !cJSON_AddItemToObject(o, "item", item))) {
    cJSON_Delete(o);
    cJSON_Delete(item);
    return cg_err_set(err, CG_ENOMEM, "no memory for a built item");
  }
  *out = o;
  return 0;
}

static const struct cg_rules_plan_spec items_plan = {
    .name = CG_ITEMS_PLAN,
    .hooks = 2,
    .run = run_items_plan,
    .about = "item build",
};

int cg_items_register_plan(void)
{
  return cg_rules_register_plan(&items_plan);
}

/* ---- the contract (engine side) -----------------------------------------*/

/* reason {code, pointer, message, source: "engine"}; CG_EINVAL (or
 * CG_ENOMEM when it cannot be made). */
static int refuse(cJSON **reason, const char *code, const char *pointer,
                  const char *message)
{
  *reason = cg__items_reason(code, pointer, message, "engine");
  return *reason ? CG_EINVAL : CG_ENOMEM;
}

/* One string field: required (present, non-empty) or not, at most max
 * characters. 0 or refuse(). */
static int check_field(const cJSON *doc, const char *key, size_t max,
                       bool required, cJSON **reason)
{
  char pointer[64], why[WHY_MAX];
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
  snprintf(pointer, sizeof(pointer), "/%s", key);
  bool absent = v == NULL || cJSON_IsNull(v) ||
                (cJSON_IsString(v) && v->valuestring[0] == '\0');
  if (absent && required) {
    snprintf(why, sizeof(why), "%s is required", key);
    return refuse(reason, "missing-field", pointer, why);
  }
  if (!absent && !cJSON_IsString(v)) {
    snprintf(why, sizeof(why), "%s must be a string", key);
    return refuse(reason, "invalid-field", pointer, why);
  }
  if (cg_gxo_contract_str(doc, key, max, true, why, sizeof(why)) != 0)
    return refuse(reason, "field-too-long", pointer, why);
  return 0;
}

int cg__items_check(const cJSON *doc, cJSON **reason)
{
  *reason = NULL;
  if (!cJSON_IsObject(doc))
    return refuse(reason, "invalid-item", "", "the item is not an object");
  int rc = check_field(doc, "sku", CG_GXO_SKU_MAX, true, reason);
  return rc ? rc
            : check_field(doc, "description", DESCRIPTION_MAX, false, reason);
}

int cg__items_hash(const char *doc_json, char out[65])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  out[0] = '\0';
  if (doc_json == NULL)
    return CG_EINVAL;
  if (EVP_Digest(doc_json, strlen(doc_json), md, &len, EVP_sha256(), NULL) !=
          1 ||
      len != 32)
    return CG_ENOMEM;
  for (unsigned int i = 0; i < len; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}
