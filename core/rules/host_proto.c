/*
 * host_proto: what both ends of the rule host pipe agree on (host_int.h):
 * frame headers, error code names, the limits object of a load and the
 * deadlines derived from it. The engine side (host.c) and the host
 * process (host_main.c) include nothing else of each other.
 */
#include "rules/host_int.h"
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"

#include <string.h>

void cg__frame_header(uint8_t out[4], uint32_t len)
{
  out[0] = (uint8_t)(len >> 24);
  out[1] = (uint8_t)(len >> 16);
  out[2] = (uint8_t)(len >> 8);
  out[3] = (uint8_t)len;
}

uint32_t cg__frame_len(const uint8_t in[4])
{
  return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 |
         (uint32_t)in[3];
}

int cg__code_from_name(const char *name)
{
  for (int code = CG_ENOMEM; code >= CG_ECONFIG; code--)
    if (name != NULL && strcmp(cg_strerror(code), name) == 0)
      return code;
  return CG_ERULE;
}

cJSON *cg__reply_error(double id, int code, const char *msg)
{
  cJSON *r = cJSON_CreateObject();
  if (r == NULL || (id >= 0 && cJSON_AddNumberToObject(r, "id", id) == NULL) ||
      cJSON_AddFalseToObject(r, "ok") == NULL ||
      cJSON_AddStringToObject(r, "code", cg_strerror(code)) == NULL ||
      cJSON_AddStringToObject(r, "error", msg) == NULL) {
    cJSON_Delete(r);
    return NULL;
  }
  return r;
}

cJSON *cg__limits_json(const struct cg_rules_opts *o)
{
  cJSON *j = cJSON_CreateObject();
  if (j == NULL ||
      cJSON_AddNumberToObject(j, "mem_limit", (double)o->mem_limit) == NULL ||
      cJSON_AddNumberToObject(j, "call_instructions",
                              (double)o->call_instructions) == NULL ||
      cJSON_AddNumberToObject(j, "call_timeout_ms",
                              (double)o->call_timeout_ms) == NULL ||
      cJSON_AddNumberToObject(j, "load_instructions",
                              (double)o->load_instructions) == NULL ||
      cJSON_AddNumberToObject(j, "load_timeout_ms",
                              (double)o->load_timeout_ms) == NULL) {
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}

void cg__limits_from_json(const cJSON *j, struct cg_rules_opts *o)
{
  o->mem_limit = (size_t)cg_json_int(j, "mem_limit", (int64_t)o->mem_limit);
  o->call_instructions = (uint64_t)cg_json_int(j, "call_instructions",
                                               (int64_t)o->call_instructions);
  o->call_timeout_ms = cg_json_int(j, "call_timeout_ms", o->call_timeout_ms);
  o->load_instructions = (uint64_t)cg_json_int(j, "load_instructions",
                                               (int64_t)o->load_instructions);
  o->load_timeout_ms = cg_json_int(j, "load_timeout_ms", o->load_timeout_ms);
}

int64_t cg__host_call_deadline_ms(int64_t call_timeout_ms, int ncalls)
{
  int64_t per =
      call_timeout_ms > 0 ? call_timeout_ms : CG_RULES_DEFAULT_CALL_TIMEOUT_MS;
  return per * (ncalls > 0 ? ncalls : 1) + CG__HOST_SLACK_MS;
}

static int64_t load_budget(int64_t load_timeout_ms)
{
  return load_timeout_ms > 0 ? load_timeout_ms
                             : CG_RULES_DEFAULT_LOAD_TIMEOUT_MS;
}

int64_t cg__host_load_deadline_ms(int64_t load_timeout_ms)
{
  return load_budget(load_timeout_ms) + CG__HOST_SLACK_MS;
}

int64_t cg__host_tests_deadline_ms(int64_t load_timeout_ms)
{
  return load_budget(load_timeout_ms) * CG__PACKTEST_LOADS + CG__HOST_SLACK_MS;
}
