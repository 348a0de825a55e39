/*
 * sources: a generation's files as one JSON document, and back. The
 * merchant runtime saves the sources of every generation that loaded (and
 * passed its pack tests) in the store, so that a pack that no longer loads
 * at the next start (a bad save, a half-copied folder) does not stop the
 * merchant: it boots from the last good sources and an alert says why.
 *
 *   {"pack": [{"name": "<m>.lua", "text": "..."}, ...],
 *    "scripts": [{"name": "cg/<m>.lua", "text": "..."}, ...]}
 *
 * The hash of a generation built from its sources equals the original's:
 * the same bytes, sorted the same way (pack.c).
 */
#include "rules/rules.h"
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

#include <stdbool.h>
#include <string.h>

/* [{name, text}] of a file set; NULL on ENOMEM. Every node is attached
 * as soon as it exists (adding a non-NULL item to an array cannot fail),
 * so one delete frees everything. */
static cJSON *files_json(const struct cg__files *f)
{
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr != NULL && i < f->n; i++) {
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddItemToArray(arr, o) ||
        cg_json_add_str(o, "name", f->v[i].name) == NULL ||
        cg_json_add_str(o, "text", f->v[i].data) == NULL) {
      cJSON_Delete(arr);
      return NULL;
    }
  }
  return arr;
}

/* Adds item under key, or frees it; false on failure. */
static bool attach(cJSON *doc, const char *key, cJSON *item)
{
  if (item != NULL && cJSON_AddItemToObject(doc, key, item))
    return true;
  cJSON_Delete(item);
  return false;
}

char *cg_rules_gen_sources(const struct cg_rules_gen *g)
{
  cJSON *doc = cJSON_CreateObject();
  char *text = NULL;
  if (doc != NULL && attach(doc, "pack", files_json(&g->pack)) &&
      attach(doc, "scripts", files_json(&g->scripts)))
    text = cg_json_print(doc);
  cJSON_Delete(doc);
  return text;
}

/* Fills out from one array of {name, text}. */
static int files_from(const cJSON *arr, struct cg__files *out,
                      struct cg_err *err)
{
  if (!cJSON_IsArray(arr))
    return cg_err_set(err, CG_EINVAL, "saved rule sources: not a file list");
  const cJSON *f;
  cJSON_ArrayForEach(f, arr)
  {
    const char *name = cg_json_str(f, "name");
    const char *text = cg_json_str(f, "text");
    if (name == NULL || text == NULL)
      return cg_err_set(err, CG_EINVAL, "saved rule sources: bad file entry");
    int rc = cg__files_add(out, name, text, strlen(text), err);
    if (rc != 0)
      return rc;
  }
  cg__files_sort(out);
  return 0;
}

int cg__sources_parse(const char *sources, struct cg__files *pack,
                      struct cg__files *scripts, struct cg_err *err)
{
  cJSON *doc = cg_json_parse(sources, strlen(sources), err);
  int rc = doc ? files_from(cg_json_get(doc, "pack"), pack, err)
               : cg_err_set(err, CG_EINVAL, "saved rule sources: not JSON");
  if (rc == 0)
    rc = files_from(cg_json_get(doc, "scripts"), scripts, err);
  cJSON_Delete(doc);
  if (rc != 0) {
    cg__files_free(pack);
    cg__files_free(scripts);
  }
  return rc;
}
