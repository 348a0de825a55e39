/*
 * json: small typed accessors over cJSON so callers do not repeat the
 * "get item, check type, read value" dance. cJSON allocates through
 * cg_malloc (cg_mem_init), so printed strings are freed with cg_free.
 */
#ifndef CG_BASE_JSON_H
#define CG_BASE_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;

/* Parses len bytes (need not be NUL-terminated). NULL and err set on bad
 * JSON, with the byte offset of the problem. */
cJSON *cg_json_parse(const char *data, size_t len, struct cg_err *err);
/* Compact text owned by the caller (cg_free); NULL on failure. */
char *cg_json_print(const cJSON *item);

/* Object member by key (case-sensitive) when it has the given type; NULL
 * otherwise. A dotted path walks nested objects: "shipTo.countryCode". */
const cJSON *cg_json_get(const cJSON *obj, const char *path);
const char *cg_json_str(const cJSON *obj, const char *path);
/* Returns def when absent or not a number/bool. */
int64_t cg_json_int(const cJSON *obj, const char *path, int64_t def);
bool cg_json_bool(const cJSON *obj, const char *path, bool def);
/* 0 and *out when the member is an integral number, else CG_EINVAL. */
int cg_json_get_int(const cJSON *obj, const char *path, int64_t *out);

/* Adds an int64 as a JSON number (exact up to 2^53). Returns the item or
 * NULL on allocation failure. */
cJSON *cg_json_add_int(cJSON *obj, const char *key, int64_t value);
/* Adds a string, or JSON null when value is NULL. */
cJSON *cg_json_add_str(cJSON *obj, const char *key, const char *value);

#endif
