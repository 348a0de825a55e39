/*
 * store_monitor: see store_monitor.h. The SLA monitor's rows (schema v8).
 */
#include "store/store_monitor.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"
#include "store/store.h"
#include "store/store_int.h"

#include <string.h>

static const char *const state_names[CG_STORE_SLA_NSTATES] = {
    "new", "watching", "warned", "breached", "closing", "closed"};

const char *cg_store_sla_state_name(enum cg_store_sla_state st)
{
  return (unsigned)st < CG_STORE_SLA_NSTATES ? state_names[st] : "?";
}

static enum cg_store_sla_state state_parse(const char *name)
{
  for (int i = 0; name != NULL && i < CG_STORE_SLA_NSTATES; i++)
    if (strcmp(name, state_names[i]) == 0)
      return (enum cg_store_sla_state)i;
  return CG_STORE_SLA_CLOSED; /* unknown: the monitor leaves it alone */
}

static int read_sla(sqlite3_stmt *st, void *row)
{
  struct cg_store_sla *r = row;
  r->accepted_at = sqlite3_column_int64(st, 1);
  r->state = state_parse((const char *)sqlite3_column_text(st, 2));
  r->warn_at = sqlite3_column_int64(st, 3);
  r->deadline = sqlite3_column_int64(st, 4);
  r->next_at = sqlite3_column_int64(st, 6);
  r->breached_at = sqlite3_column_int64(st, 7);
  r->ended_at = sqlite3_column_int64(st, 8);
  if (cg__store_col_text(st, 0, &r->order_number) ||
      cg__store_col_text(st, 5, &r->due_text) ||
      cg__store_col_text(st, 9, &r->end_reason))
    return CG_ENOMEM;
  return 0;
}

void cg_store_sla_clear(struct cg_store_sla *row)
{
  cg_free(row->order_number);
  cg_free(row->due_text);
  cg_free(row->end_reason);
  memset(row, 0, sizeof(*row));
}

static void clear_sla(void *row)
{
  cg_store_sla_clear(row);
}

void cg_store_sla_list_clear(struct cg_store_sla_list *list)
{
  for (size_t i = 0; i < list->n; i++)
    cg_store_sla_clear(&list->items[i]);
  cg_free(list->items);
  memset(list, 0, sizeof(*list));
}

int cg_store_sla_due(struct cg_store *s, int64_t now_ms, size_t limit,
                     struct cg_store_sla_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_SLA_DUE];
  int ret = cg__store_bind(s, st, err, "II", now_ms, (int64_t)limit);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_sla, clear_sla,
                        (void **)&out->items, &out->n, "sla: due", err);
}

int cg_store_sla_move(struct cg_store *s, const struct cg_store_sla_move *mv,
                      bool *moved, struct cg_err *err)
{
  *moved = false;
  if (mv == NULL || mv->order_number == NULL ||
      (unsigned)mv->from >= CG_STORE_SLA_NSTATES ||
      (unsigned)mv->to >= CG_STORE_SLA_NSTATES)
    return cg_err_set(err, CG_EINVAL, "sla: bad move arguments");
  sqlite3_stmt *st = s->st[CG__ST_SLA_SET];
  int ret = cg__store_bind(
      s, st, err, "sssIIsIIsI", mv->order_number, state_names[mv->from],
      state_names[mv->to], mv->warn_at, mv->deadline, mv->due_text, mv->next_at,
      mv->breached_at, mv->rule_generation, cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "sla: move", err);
  if (ret == 0)
    *moved = sqlite3_changes(s->db) > 0;
  return ret;
}

int cg_store_sla_get(struct cg_store *s, const char *order_number,
                     struct cg_store_sla *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_SLA_GET];
  int ret = cg__store_bind(s, st, err, "s", order_number);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "sla: get", err);
  if (ret != 0)
    return ret;
  if (read_sla(st, out) != 0) {
    cg_store_sla_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "sla: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

int cg_store_sla_counts(struct cg_store *s, struct cg_store_count_list *out,
                        struct cg_err *err)
{
  return cg__store_count_list(s, s->st[CG__ST_SLA_COUNTS], out, "sla: counts",
                              err);
}
