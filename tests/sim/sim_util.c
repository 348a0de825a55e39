/*
 * sim_util: see sim_util.h.
 */
#include "sim_util.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/http_server.h"

#include <stdio.h>
#include <string.h>

int sim_body_json(const struct cg_http_exchange *ex, cJSON **out)
{
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  *out = NULL;
  if (req->body == NULL || req->body_len == 0)
    return 0;
  *out = cg_json_parse(req->body, req->body_len, NULL);
  return *out ? 0 : CG_EINVAL;
}

void sim_send_json(struct cg_http_exchange *ex, int status, cJSON *doc)
{
  char *text = cg_json_print(doc);
  cJSON_Delete(doc);
  if (text == NULL) {
    cg_http_respond_json(ex, 500, "{\"error\":\"out of memory\"}");
    return;
  }
  cg_http_respond_json(ex, status, text);
  cg_free(text);
}

const char *sim_status_title(int status)
{
  switch (status) {
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 409:
    return "Conflict";
  case 413:
    return "Content Too Large";
  case 422:
    return "Unprocessable Content";
  case 429:
    return "Too Many Requests";
  case 500:
    return "Internal Server Error";
  case 503:
    return "Service Unavailable";
  default:
    return "Error";
  }
}

void sim_problem_add(cJSON *problem, const char *pointer, const char *code,
                     const char *message)
{
  cJSON *errors = cJSON_GetObjectItemCaseSensitive(problem, "errors");
  cJSON *e = cJSON_CreateObject();
  if (errors == NULL || e == NULL) {
    cJSON_Delete(e);
    return;
  }
  cg_json_add_str(e, "pointer", pointer);
  cg_json_add_str(e, "code", code);
  cg_json_add_str(e, "message", message);
  cJSON_AddItemToArray(errors, e);
}

cJSON *sim_problem(int status, const char *code, const char *detail,
                   const char *pointer)
{
  char type[160];
  cJSON *p = cJSON_CreateObject();
  if (p == NULL)
    return NULL;
  snprintf(type, sizeof(type), "https://wms.example/problems/%s", code);
  cg_json_add_str(p, "type", type);
  cg_json_add_str(p, "title", sim_status_title(status));
  cg_json_add_int(p, "status", status);
  cg_json_add_str(p, "detail", detail);
  cg_json_add_str(p, "code", code);
  cJSON_AddArrayToObject(p, "errors");
  if (pointer != NULL)
    sim_problem_add(p, pointer, code, detail);
  return p;
}

void sim_send_problem(struct cg_http_exchange *ex, int status, const char *code,
                      const char *detail, const char *pointer)
{
  cJSON *p = sim_problem(status, code, detail, pointer);
  char *text = cg_json_print(p);
  cJSON_Delete(p);
  if (text == NULL) {
    cg_http_respond_json(ex, 500, "{\"error\":\"out of memory\"}");
    return;
  }
  cg_http_respond(ex, status, "application/problem+json", text, strlen(text));
  cg_free(text);
}

bool sim_glob(const char *pattern, const char *s)
{
  const char *star = NULL, *resume = NULL;
  while (*s != '\0') {
    if (*pattern == '*') {
      star = pattern++;
      resume = s;
    } else if (*pattern == *s) {
      pattern++;
      s++;
    } else if (star != NULL) {
      pattern = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (*pattern == '*')
    pattern++;
  return *pattern == '\0';
}

int sim_vec_push(struct sim_vec *vec, void *p)
{
  if (vec->n == vec->cap) {
    size_t cap = vec->cap ? vec->cap * 2 : 16;
    void **v = cg_realloc(vec->v, cap * sizeof(*v));
    if (v == NULL)
      return CG_ENOMEM;
    vec->v = v;
    vec->cap = cap;
  }
  vec->v[vec->n++] = p;
  return 0;
}

void sim_vec_free(struct sim_vec *vec)
{
  cg_free(vec->v);
  vec->v = NULL;
  vec->n = vec->cap = 0;
}

void sim_json_copy(cJSON *dst, const cJSON *src, const char *key)
{
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(src, key);
  cJSON *dup = it ? cJSON_Duplicate(it, true) : cJSON_CreateNull();
  if (dup != NULL)
    cJSON_AddItemToObject(dst, key, dup);
}

cJSON *sim_json_ref(const cJSON *v)
{
  if (cJSON_IsObject(v))
    return cJSON_CreateObjectReference(v->child);
  if (cJSON_IsArray(v))
    return cJSON_CreateArrayReference(v->child);
  if (cJSON_IsString(v))
    return cJSON_CreateStringReference(v->valuestring);
  if (cJSON_IsNumber(v))
    return cJSON_CreateNumber(v->valuedouble);
  if (cJSON_IsBool(v))
    return cJSON_CreateBool(cJSON_IsTrue(v));
  if (cJSON_IsRaw(v))
    return cJSON_CreateRaw(v->valuestring);
  return cJSON_CreateNull();
}

cJSON *sim_json_int_text(int64_t v)
{
  char digits[24];
  snprintf(digits, sizeof(digits), "%lld", (long long)v);
  return cJSON_CreateRaw(digits);
}

bool sim_tree_keeps(const cJSON *tree, const char *key)
{
  return !cJSON_IsObject(tree) || key == NULL ||
         cJSON_GetObjectItemCaseSensitive(tree, key) != NULL ||
         strcmp(key, "__typename") == 0;
}

const cJSON *sim_tree_sub(const cJSON *tree, const char *key)
{
  const cJSON *t =
      cJSON_IsObject(tree) ? cJSON_GetObjectItemCaseSensitive(tree, key) : NULL;
  return cJSON_IsObject(t) ? t : NULL;
}

cJSON *sim_json_ref_print(const cJSON *v)
{
  double d = cJSON_IsNumber(v) ? v->valuedouble : 0.5;
  if (d >= -9e15 && d <= 9e15 && d == (double)(int64_t)d)
    return sim_json_int_text((int64_t)d);
  return sim_json_ref(v);
}

cJSON *sim_json_view(const cJSON *obj)
{
  return sim_json_view_cut(obj, NULL);
}

cJSON *sim_json_view_cut(const cJSON *obj, const cJSON *tree)
{
  cJSON *out = cJSON_CreateObject();
  const cJSON *m;
  for (m = out != NULL && obj != NULL ? obj->child : NULL; m != NULL;
       m = m->next) {
    if (!sim_tree_keeps(tree, m->string))
      continue;
    cJSON *r = sim_json_ref(m);
    if (r == NULL || !cJSON_AddItemToObjectCS(out, m->string, r)) {
      cJSON_Delete(r);
      cJSON_Delete(out);
      return NULL;
    }
  }
  return out;
}
