/*
 * json: see json.h.
 */
#include "base/json.h"

#include "base/err.h"

#include <math.h>
#include <string.h>

cJSON *cg_json_parse(const char *data, size_t len, struct cg_err *err)
{
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, false);
  if (root == NULL) {
    size_t at = (end != NULL && end >= data) ? (size_t)(end - data) : 0;
    cg_err_set(err, CG_EINVAL, "malformed JSON near byte %zu", at);
  }
  return root;
}

/* Starts with room for a typical order: cJSON grows its buffer by
 * malloc + copy + free (our hooks give it no realloc), and
 * cJSON_PrintUnformatted starts at 256 bytes, then copies the result
 * once more to trim it. */
#define PRINT_START 4096

char *cg_json_print(const cJSON *item)
{
  return item ? cJSON_PrintBuffered(item, PRINT_START, false) : NULL;
}

const cJSON *cg_json_get(const cJSON *obj, const char *path)
{
  char key[128];
  const cJSON *cur = obj;
  while (cur != NULL && path != NULL && *path != '\0') {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof(key) || !cJSON_IsObject(cur))
      return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    cur = cJSON_GetObjectItemCaseSensitive(cur, key);
    path = dot ? dot + 1 : NULL;
  }
  return cur;
}

const char *cg_json_str(const cJSON *obj, const char *path)
{
  const cJSON *it = cg_json_get(obj, path);
  return cJSON_IsString(it) ? it->valuestring : NULL;
}

int cg_json_get_int(const cJSON *obj, const char *path, int64_t *out)
{
  const cJSON *it = cg_json_get(obj, path);
  if (!cJSON_IsNumber(it))
    return CG_EINVAL;
  double v = it->valuedouble;
  if (v != floor(v) || fabs(v) > 9007199254740992.0)
    return CG_EINVAL;
  *out = (int64_t)v;
  return 0;
}

int64_t cg_json_int(const cJSON *obj, const char *path, int64_t def)
{
  int64_t v;
  const cJSON *it = cg_json_get(obj, path);
  if (cJSON_IsBool(it))
    return cJSON_IsTrue(it) ? 1 : 0;
  return cg_json_get_int(obj, path, &v) == 0 ? v : def;
}

bool cg_json_bool(const cJSON *obj, const char *path, bool def)
{
  const cJSON *it = cg_json_get(obj, path);
  return cJSON_IsBool(it) ? cJSON_IsTrue(it) : def;
}

cJSON *cg_json_add_int(cJSON *obj, const char *key, int64_t value)
{
  return cJSON_AddNumberToObject(obj, key, (double)value);
}

cJSON *cg_json_add_str(cJSON *obj, const char *key, const char *value)
{
  return value ? cJSON_AddStringToObject(obj, key, value)
               : cJSON_AddNullToObject(obj, key);
}
