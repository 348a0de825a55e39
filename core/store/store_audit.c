/*
 * store_audit: the append-only timeline of what the engine decided about
 * each business key (`orders show N`), named cursors into partner feeds
 * (e.g. "gxo.events.after"), the rule generations that made decisions
 * and the sources of the last good ones (boot fallback).
 */
#include "store/store.h"
#include "store/store_int.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"

#include <string.h>

int cg_store_audit_append(struct cg_store *s, const char *entity_kind,
                          const char *entity_key, const char *action,
                          const char *detail, const char *rule_generation,
                          struct cg_err *err)
{
  if (entity_kind == NULL || entity_key == NULL || action == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "audit: entity_kind, entity_key and "
                      "action are required");
  sqlite3_stmt *st = s->st[CG__ST_AUDIT_APPEND];
  int ret = cg__store_bind(s, st, err, "Isssss", cg_time_now_ms(), entity_kind,
                           entity_key, action, detail, rule_generation);
  return ret ? ret : cg__store_exec(s, st, "audit: append", err);
}

static int read_audit(sqlite3_stmt *st, void *p)
{
  struct cg_store_audit *a = p;
  a->id = sqlite3_column_int64(st, 0);
  a->at = sqlite3_column_int64(st, 1);
  if (cg__store_col_text(st, 2, &a->entity_kind) ||
      cg__store_col_text(st, 3, &a->entity_key) ||
      cg__store_col_text(st, 4, &a->action) ||
      cg__store_col_text(st, 5, &a->detail) ||
      cg__store_col_text(st, 6, &a->rule_generation))
    return CG_ENOMEM;
  return 0;
}

static void clear_audit(void *p)
{
  struct cg_store_audit *a = p;
  cg_free(a->entity_kind);
  cg_free(a->entity_key);
  cg_free(a->action);
  cg_free(a->detail);
  cg_free(a->rule_generation);
  memset(a, 0, sizeof(*a));
}

int cg_store_audit_list(struct cg_store *s, const char *entity_kind,
                        const char *entity_key, int64_t limit,
                        struct cg_store_audit_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  if (entity_key == NULL)
    return cg_err_set(err, CG_EINVAL, "audit: list needs an entity key");
  sqlite3_stmt *st = s->st[CG__ST_AUDIT_LIST];
  int ret = cg__store_bind(s, st, err, "ssI", entity_kind, entity_key,
                           limit > 0 ? limit : (int64_t)-1);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_audit, clear_audit,
                        (void **)&out->items, &out->n, "audit: list", err);
}

void cg_store_audit_list_clear(struct cg_store_audit_list *list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < list->n; i++)
    clear_audit(&list->items[i]);
  cg_free(list->items);
  list->items = NULL;
  list->n = 0;
}

int cg_store_cursor_get(struct cg_store *s, const char *name, char **value,
                        struct cg_err *err)
{
  *value = NULL;
  sqlite3_stmt *st = s->st[CG__ST_CURSOR_GET];
  int ret = cg__store_bind(s, st, err, "s", name);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "cursors: get", err);
  if (ret != 0)
    return ret;
  if (cg__store_col_text(st, 0, value) != 0)
    ret = cg_err_set(err, CG_ENOMEM, "cursors: get: out of memory");
  cg__store_done(st);
  return ret;
}

int cg_store_cursor_set(struct cg_store *s, const char *name, const char *value,
                        struct cg_err *err)
{
  if (name == NULL || value == NULL)
    return cg_err_set(err, CG_EINVAL, "cursors: name and value required");
  sqlite3_stmt *st = s->st[CG__ST_CURSOR_SET];
  int ret = cg__store_bind(s, st, err, "ssI", name, value, cg_time_now_ms());
  return ret ? ret : cg__store_exec(s, st, "cursors: set", err);
}

int cg_store_rule_generation_record(struct cg_store *s, const char *pack,
                                    const char *version,
                                    const char *content_hash, int64_t loaded_at,
                                    int64_t *id, struct cg_err *err)
{
  if (pack == NULL || version == NULL || content_hash == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "rule_generations: pack, version and "
                      "content_hash are required");
  sqlite3_stmt *st = s->st[CG__ST_RULEGEN_RECORD];
  int ret = cg__store_bind(s, st, err, "sssI", pack, version, content_hash,
                           loaded_at);
  if (ret == 0)
    ret = cg__store_exec(s, st, "rule_generations: record", err);
  if (ret == 0 && id != NULL)
    *id = sqlite3_last_insert_rowid(s->db);
  return ret;
}

int cg_store_rule_generation_latest(struct cg_store *s,
                                    struct cg_store_rule_generation *out,
                                    struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_RULEGEN_LATEST];
  int ret = cg__store_step_row(s, st, "rule_generations: latest", err);
  if (ret != 0)
    return ret;
  out->id = sqlite3_column_int64(st, 0);
  out->loaded_at = sqlite3_column_int64(st, 4);
  if (cg__store_col_text(st, 1, &out->pack) ||
      cg__store_col_text(st, 2, &out->version) ||
      cg__store_col_text(st, 3, &out->content_hash)) {
    cg_store_rule_generation_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "rule_generations: out of memory");
  }
  cg__store_done(st);
  return ret;
}

void cg_store_rule_generation_clear(struct cg_store_rule_generation *g)
{
  if (g == NULL)
    return;
  cg_free(g->pack);
  cg_free(g->version);
  cg_free(g->content_hash);
  memset(g, 0, sizeof(*g));
}

static int rule_source_put(struct cg_store *s, const char *content_hash,
                           const char *label, const char *files,
                           int64_t saved_at, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_RULESRC_SAVE];
  int ret =
      cg__store_bind(s, st, err, "sssI", content_hash, label, files, saved_at);
  if (ret == 0)
    ret = cg__store_exec(s, st, "rule_sources: save", err);
  st = s->st[CG__ST_RULESRC_TRIM];
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "I", (int64_t)CG_STORE_RULE_SOURCES_KEPT);
  return ret ? ret : cg__store_exec(s, st, "rule_sources: trim", err);
}

int cg_store_rule_source_save(struct cg_store *s, const char *content_hash,
                              const char *label, const char *files,
                              int64_t saved_at, struct cg_err *err)
{
  if (content_hash == NULL || label == NULL || files == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "rule_sources: hash, label and files are required");
  int ret = cg_store_begin(s, err);
  if (ret != 0)
    return ret;
  ret = rule_source_put(s, content_hash, label, files, saved_at, err);
  if (ret != 0) {
    cg_store_rollback(s, NULL);
    return ret;
  }
  return cg_store_commit(s, err);
}

int cg_store_rule_source_latest(struct cg_store *s, char **label, char **files,
                                struct cg_err *err)
{
  *label = *files = NULL;
  sqlite3_stmt *st = s->st[CG__ST_RULESRC_LATEST];
  int ret = cg__store_step_row(s, st, "rule_sources: latest", err);
  if (ret != 0)
    return ret;
  if (cg__store_col_text(st, 0, label) || cg__store_col_text(st, 1, files)) {
    cg_free(*label);
    cg_free(*files);
    *label = *files = NULL;
    ret = cg_err_set(err, CG_ENOMEM, "rule_sources: out of memory");
  }
  cg__store_done(st);
  return ret;
}
