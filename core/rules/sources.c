/*
 * sources: a generation's files from one JSON document (the rule host
 * prints it: cg_rulehost_sources). The
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
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

#include <string.h>

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
