/*
 * store_dispatch: see store_dispatch.h. The consignments of the dispatch
 * flow, their lines and parcels (schema v5).
 */
#include "store/store_dispatch.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"
#include "store/store.h"
#include "store/store_int.h"

#include <string.h>

static const char *const step_names[CG_STORE_DISPATCH_NSTEPS] = {
    "received", "created", "tagged", "completed", "held"};

const char *cg_store_dispatch_step_name(enum cg_store_dispatch_step st)
{
  return (unsigned)st < CG_STORE_DISPATCH_NSTEPS ? step_names[st] : "?";
}

static enum cg_store_dispatch_step step_parse(const char *name)
{
  for (int i = 0; name != NULL && i < CG_STORE_DISPATCH_NSTEPS; i++)
    if (strcmp(name, step_names[i]) == 0)
      return (enum cg_store_dispatch_step)i;
  return CG_STORE_DISPATCH_HELD; /* unknown: let nobody write on it */
}

int cg_store_dispatch_insert(struct cg_store *s,
                             const struct cg_store_dispatch *d,
                             struct cg_err *err)
{
  if (d == NULL || d->shipment_id == NULL || d->order_number == NULL ||
      d->payload == NULL || d->stamp == NULL ||
      (unsigned)d->step >= CG_STORE_DISPATCH_NSTEPS)
    return cg_err_set(err, CG_EINVAL,
                      "dispatches: insert needs a shipment "
                      "id, an order, a payload and a stamp");
  sqlite3_stmt *st = s->st[CG__ST_DISPATCH_INSERT];
  int ret = cg__store_bind(s, st, err, "ssssssI", d->shipment_id,
                           d->order_number, d->payload, step_names[d->step],
                           d->stamp, d->hold_reason, cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "dispatches: insert", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_EEXIST, "dispatches: %s already known",
                     d->shipment_id);
  return ret;
}

static int read_dispatch(sqlite3_stmt *st, struct cg_store_dispatch *d)
{
  d->step = step_parse((const char *)sqlite3_column_text(st, 3));
  d->centra_id = sqlite3_column_int64(st, 4);
  d->captured = sqlite3_column_int(st, 6) != 0;
  d->created_at = sqlite3_column_int64(st, 8);
  d->updated_at = sqlite3_column_int64(st, 9);
  d->create_sent_at = sqlite3_column_int64(st, 10);
  if (cg__store_col_text(st, 0, &d->shipment_id) ||
      cg__store_col_text(st, 1, &d->order_number) ||
      cg__store_col_text(st, 2, &d->payload) ||
      cg__store_col_text(st, 5, &d->stamp) ||
      cg__store_col_text(st, 7, &d->hold_reason))
    return CG_ENOMEM;
  return 0;
}

int cg_store_dispatch_get(struct cg_store *s, const char *shipment_id,
                          struct cg_store_dispatch *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_DISPATCH_GET];
  int ret = cg__store_bind(s, st, err, "s", shipment_id);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "dispatches: get", err);
  if (ret != 0)
    return ret;
  if (read_dispatch(st, out) != 0) {
    cg_store_dispatch_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "dispatches: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

int cg_store_dispatch_update(struct cg_store *s,
                             const struct cg_store_dispatch *d,
                             struct cg_err *err)
{
  if (d == NULL || d->shipment_id == NULL ||
      (unsigned)d->step >= CG_STORE_DISPATCH_NSTEPS)
    return cg_err_set(err, CG_EINVAL, "dispatches: bad update arguments");
  sqlite3_stmt *st = s->st[CG__ST_DISPATCH_UPDATE];
  int ret = cg__store_bind(
      s, st, err, "ssIisII", d->shipment_id, step_names[d->step], d->centra_id,
      d->captured ? 1 : 0, d->hold_reason, cg_time_now_ms(), d->create_sent_at);
  if (ret == 0)
    ret = cg__store_exec(s, st, "dispatches: update", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "dispatches: no %s", d->shipment_id);
  return ret;
}

static int insert_line(struct cg_store *s, const char *shipment_id,
                       const struct cg_store_count *l, struct cg_err *err)
{
  if (l->name == NULL || l->count < 1)
    return cg_err_set(err, CG_EINVAL,
                      "dispatches: a line of %s needs a line_ref and a "
                      "quantity >= 1",
                      shipment_id);
  sqlite3_stmt *st = s->st[CG__ST_DISPATCH_LINES_INSERT];
  int ret = cg__store_bind(s, st, err, "ssI", shipment_id, l->name, l->count);
  return ret ? ret : cg__store_exec(s, st, "dispatches: insert line", err);
}

int cg_store_dispatch_lines_replace(struct cg_store *s, const char *shipment_id,
                                    const struct cg_store_count *lines,
                                    size_t n, struct cg_err *err)
{
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  sqlite3_stmt *del = s->st[CG__ST_DISPATCH_LINES_DELETE];
  ret = cg__store_bind(s, del, err, "s", shipment_id);
  if (ret == 0)
    ret = cg__store_exec(s, del, "dispatches: delete lines", err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    ret = insert_line(s, shipment_id, &lines[i], err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

int cg_store_dispatch_lines(struct cg_store *s, const char *shipment_id,
                            struct cg_store_count_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_DISPATCH_LINES_LIST];
  int ret = cg__store_bind(s, st, err, "s", shipment_id);
  return ret ? ret : cg__store_count_list(s, st, out, "dispatches: lines", err);
}

int cg_store_dispatch_order_lines(struct cg_store *s, const char *order_number,
                                  const char *except, int step,
                                  struct cg_store_count_list *out,
                                  struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  const char *name =
      step >= 0 && step < CG_STORE_DISPATCH_NSTEPS ? step_names[step] : NULL;
  sqlite3_stmt *st = s->st[CG__ST_DISPATCH_LINES_ORDER];
  int ret = cg__store_bind(s, st, err, "sss", order_number,
                           except ? except : "", name);
  return ret ? ret
             : cg__store_count_list(s, st, out, "dispatches: order lines", err);
}

int cg_store_dispatch_parcel_put(struct cg_store *s, const char *shipment_id,
                                 int64_t position,
                                 const struct cg_store_dispatch_parcel *p,
                                 struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_DISPATCH_PARCEL_INSERT];
  int ret = cg__store_bind(s, st, err, "sIsss", shipment_id, position,
                           p->parcel_id, p->tracking_number, p->tracking_url);
  return ret ? ret : cg__store_exec(s, st, "dispatches: parcel", err);
}

static int read_parcel(sqlite3_stmt *st, void *row)
{
  struct cg_store_dispatch_parcel *p = row;
  if (cg__store_col_text(st, 0, &p->parcel_id) ||
      cg__store_col_text(st, 1, &p->tracking_number) ||
      cg__store_col_text(st, 2, &p->tracking_url))
    return CG_ENOMEM;
  return 0;
}

static void clear_parcel(void *row)
{
  struct cg_store_dispatch_parcel *p = row;
  cg_free(p->parcel_id);
  cg_free(p->tracking_number);
  cg_free(p->tracking_url);
  memset(p, 0, sizeof(*p));
}

int cg_store_dispatch_parcels(struct cg_store *s, const char *shipment_id,
                              struct cg_store_dispatch_parcel_list *out,
                              struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_DISPATCH_PARCELS_LIST];
  int ret = cg__store_bind(s, st, err, "s", shipment_id);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_parcel, clear_parcel,
                        (void **)&out->items, &out->n, "dispatches: parcels",
                        err);
}

void cg_store_dispatch_clear(struct cg_store_dispatch *d)
{
  if (d == NULL)
    return;
  cg_free(d->shipment_id);
  cg_free(d->order_number);
  cg_free(d->payload);
  cg_free(d->stamp);
  cg_free(d->hold_reason);
  memset(d, 0, sizeof(*d));
}

void cg_store_dispatch_parcel_list_clear(
    struct cg_store_dispatch_parcel_list *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->n; i++)
    clear_parcel(&l->items[i]);
  cg_free(l->items);
  l->items = NULL;
  l->n = 0;
}
