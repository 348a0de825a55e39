/*
 * store_remainder: see store_remainder.h. Remainders of the dispatch
 * flow and capture policies (schema v6).
 */
#include "store/store_remainder.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"
#include "store/store.h"
#include "store/store_int.h"

#include <string.h>

static const char *const step_names[CG_STORE_REMAINDER_NSTEPS] = {
    "received", "cancelled", "held"};

const char *cg_store_remainder_step_name(enum cg_store_remainder_step st)
{
  return (unsigned)st < CG_STORE_REMAINDER_NSTEPS ? step_names[st] : "?";
}

static enum cg_store_remainder_step step_parse(const char *name)
{
  for (int i = 0; name != NULL && i < CG_STORE_REMAINDER_NSTEPS; i++)
    if (strcmp(name, step_names[i]) == 0)
      return (enum cg_store_remainder_step)i;
  return CG_STORE_REMAINDER_HELD; /* unknown: let nobody write on it */
}

int cg_store_remainder_insert(struct cg_store *s,
                              const struct cg_store_remainder *r,
                              struct cg_err *err)
{
  if (r == NULL || r->id == NULL || r->order_number == NULL ||
      r->event == NULL || r->payload == NULL ||
      (unsigned)r->step >= CG_STORE_REMAINDER_NSTEPS)
    return cg_err_set(err, CG_EINVAL,
                      "remainders: insert needs an id, an order, an event "
                      "and a payload");
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_INSERT];
  int ret = cg__store_bind(s, st, err, "ssssssI", r->id, r->order_number,
                           r->event, r->payload, step_names[r->step],
                           r->hold_reason, cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "remainders: insert", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_EEXIST, "remainders: %s already known", r->id);
  return ret;
}

static int read_remainder(sqlite3_stmt *st, struct cg_store_remainder *r)
{
  r->step = step_parse((const char *)sqlite3_column_text(st, 4));
  r->created_at = sqlite3_column_int64(st, 6);
  r->updated_at = sqlite3_column_int64(st, 7);
  if (cg__store_col_text(st, 0, &r->id) ||
      cg__store_col_text(st, 1, &r->order_number) ||
      cg__store_col_text(st, 2, &r->event) ||
      cg__store_col_text(st, 3, &r->payload) ||
      cg__store_col_text(st, 5, &r->hold_reason))
    return CG_ENOMEM;
  return 0;
}

int cg_store_remainder_get(struct cg_store *s, const char *id,
                           struct cg_store_remainder *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_GET];
  int ret = cg__store_bind(s, st, err, "s", id);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "remainders: get", err);
  if (ret != 0)
    return ret;
  if (read_remainder(st, out) != 0) {
    cg_store_remainder_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "remainders: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

int cg_store_remainder_update(struct cg_store *s,
                              const struct cg_store_remainder *r,
                              struct cg_err *err)
{
  if (r == NULL || r->id == NULL ||
      (unsigned)r->step >= CG_STORE_REMAINDER_NSTEPS)
    return cg_err_set(err, CG_EINVAL, "remainders: bad update arguments");
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_UPDATE];
  int ret = cg__store_bind(s, st, err, "sssI", r->id, step_names[r->step],
                           r->hold_reason, cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "remainders: update", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "remainders: no %s", r->id);
  return ret;
}

int cg_store_remainder_line_put(struct cg_store *s, const char *id,
                                const char *line_ref, int64_t quantity,
                                int64_t shipped, struct cg_err *err)
{
  if (id == NULL || line_ref == NULL || quantity < 1)
    return cg_err_set(err, CG_EINVAL,
                      "remainders: a line needs a line_ref and a quantity "
                      ">= 1");
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_LINE_INSERT];
  int ret =
      shipped >= 0
          ? cg__store_bind(s, st, err, "ssII", id, line_ref, quantity, shipped)
          : cg__store_bind(s, st, err, "ssIn", id, line_ref, quantity);
  return ret ? ret : cg__store_exec(s, st, "remainders: line", err);
}

int cg_store_remainder_lines(struct cg_store *s, const char *id,
                             struct cg_store_count_list *out,
                             struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_LINES_LIST];
  int ret = cg__store_bind(s, st, err, "s", id);
  return ret ? ret : cg__store_count_list(s, st, out, "remainders: lines", err);
}

int cg_store_remainder_order_sum(struct cg_store *s, const char *order_number,
                                 const char *event, int step,
                                 struct cg_store_count_list *out,
                                 struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  const char *name =
      step >= 0 && step < CG_STORE_REMAINDER_NSTEPS ? step_names[step] : NULL;
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_ORDER_SUM];
  int ret = cg__store_bind(s, st, err, "sss", order_number, event, name);
  return ret ? ret
             : cg__store_count_list(s, st, out, "remainders: order sum", err);
}

int cg_store_remainder_order_shipped(struct cg_store *s,
                                     const char *order_number,
                                     struct cg_store_count_list *out,
                                     struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_ORDER_SHIPPED];
  int ret = cg__store_bind(s, st, err, "s", order_number);
  return ret ? ret
             : cg__store_count_list(s, st, out, "remainders: shipped", err);
}

int cg_store_remainder_intend(struct cg_store *s, const char *id,
                              const char *line_ref, int64_t units,
                              struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_INTEND];
  int ret = cg__store_bind(s, st, err, "ssI", id, line_ref, units);
  return ret ? ret : cg__store_exec(s, st, "remainders: intend", err);
}

int cg_store_remainder_intents_clear(struct cg_store *s, const char *id,
                                     struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_INTENTS_CLEAR];
  int ret = cg__store_bind(s, st, err, "s", id);
  return ret ? ret : cg__store_exec(s, st, "remainders: intents", err);
}

int cg_store_remainder_order_own(struct cg_store *s, const char *order_number,
                                 struct cg_store_count_list *out,
                                 struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_ORDER_OWN];
  int ret = cg__store_bind(s, st, err, "s", order_number);
  return ret ? ret : cg__store_count_list(s, st, out, "remainders: own", err);
}

int cg_store_remainder_resolved_held(struct cg_store *s, const char *kind,
                                     const char *entity_kind, int limit,
                                     struct cg_store_count_list *out,
                                     struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_REMAINDER_RESOLVED_HELD];
  int ret = cg__store_bind(s, st, err, "ssi", kind, entity_kind, limit);
  return ret ? ret
             : cg__store_count_list(s, st, out, "remainders: resolved held",
                                    err);
}

int cg_store_capture_put(struct cg_store *s, const char *shipment_id,
                         const char *policy, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_CAPTURE_PUT];
  int ret =
      cg__store_bind(s, st, err, "ssI", shipment_id, policy, cg_time_now_ms());
  return ret ? ret : cg__store_exec(s, st, "captures: put", err);
}

int cg_store_capture_note(struct cg_store *s, const char *shipment_id,
                          const char *warning, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_CAPTURE_NOTE];
  int ret =
      cg__store_bind(s, st, err, "ssI", shipment_id, warning, cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "captures: note", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "captures: no %s", shipment_id);
  return ret;
}

int cg_store_capture_get(struct cg_store *s, const char *shipment_id,
                         char **policy, char **warning, struct cg_err *err)
{
  *policy = *warning = NULL;
  sqlite3_stmt *st = s->st[CG__ST_CAPTURE_GET];
  int ret = cg__store_bind(s, st, err, "s", shipment_id);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "captures: get", err);
  if (ret != 0)
    return ret;
  if (cg__store_col_text(st, 0, policy) != 0 ||
      cg__store_col_text(st, 1, warning) != 0) {
    cg_free(*policy);
    *policy = NULL;
    ret = cg_err_set(err, CG_ENOMEM, "captures: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

void cg_store_remainder_clear(struct cg_store_remainder *r)
{
  if (r == NULL)
    return;
  cg_free(r->id);
  cg_free(r->order_number);
  cg_free(r->event);
  cg_free(r->payload);
  cg_free(r->hold_reason);
  memset(r, 0, sizeof(*r));
}
