/*
 * returns_read: one read of Centra's returns (docs/internals/returns.md
 * "The path of a return"), started by returns.c's timer:
 *
 *   ids hinted ──cg_centra_fetch_returns──▶ one page
 *   the poll   ──cg_centra_fetch_returns_since(watermark - 5 min, page p)
 *     ▼ canonical returns
 *   cg__returns_page_apply: ONE transaction per page: each new return
 *     mapped line by line (orderLineId = the lineRef the engine sent):
 *       no line ours   -> step ignored (logged once: it is stored)
 *       some not ours  -> step rejected, RETURN_REJECTED
 *                         (unknown-order-line), "return rejected"
 *       all ours       -> step new, its lines, the advice queued
 *                         (outbox "gxo.return.advise"), "return created"
 *     the poll's last page moves the watermark to the newest createdAt
 *     it saw, never back
 *     ▼ committed: the outbox is kicked; last page? done : page p+1
 *
 * A return already stored changes nothing, so a page read twice (the
 * overlap, a hint and the poll, a crash) is harmless. Loop thread only.
 */
#include "flows/returns_read.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "flows/returns_int.h"
#include "store/store.h"
#include "store/store_returns.h"

#include <stdio.h>
#include <string.h>

#define COMP "returns"
#define DETAIL_MAX 1024

/* ---- the watermark ------------------------------------------------------*/

int cg__returns_since_init(struct cg_flow *f, struct cg_err *err)
{
  char *cur = NULL, now[CG_RETURNS_ISO_MAX];
  int rc = cg_store_cursor_get(f->store, CG_STORE_RETURNS_SINCE, &cur, err);
  cg_free(cur);
  if (rc != CG_ENOTFOUND)
    return rc;
  cg_time_format_iso8601_s(cg_time_now_ms(), now, sizeof(now));
  cg_log_info(COMP,
              "[merchant=%s] first start: returns created from %s on are "
              "advised to the warehouse, none before",
              f->merchant, now);
  return cg_store_cursor_set(f->store, CG_STORE_RETURNS_SINCE, now, err);
}

/* Moves the watermark to at, never back. */
static int since_forward(struct cg_store *s, const char *at, struct cg_err *err)
{
  char *cur = NULL;
  int64_t at_ms, cur_ms;
  if (at == NULL || cg_time_parse_iso8601(at, &at_ms) != 0)
    return 0;
  int rc = cg_store_cursor_get(s, CG_STORE_RETURNS_SINCE, &cur, err);
  bool newer =
      rc == CG_ENOTFOUND ||
      (rc == 0 && (cg_time_parse_iso8601(cur, &cur_ms) != 0 || at_ms > cur_ms));
  cg_free(cur);
  if (rc != 0 && rc != CG_ENOTFOUND)
    return rc;
  return newer ? cg_store_cursor_set(s, CG_STORE_RETURNS_SINCE, at, err) : 0;
}

/* ---- one return ---------------------------------------------------------*/

/* A return's lines as the engine knows them. */
struct mapped {
  char *order_number; /* of the first line that is ours */
  struct cg_store_return_line *lines;
  size_t n;
  char unknown[DETAIL_MAX]; /* "line 7 (order line 9), ..." not ours */
  size_t nunknown;
  char other[DETAIL_MAX]; /* lines of an order other than the first's */
};

static void mapped_clear(struct mapped *m)
{
  for (size_t i = 0; i < m->n; i++) {
    cg_free(m->lines[i].line_ref);
    cg_free(m->lines[i].sku);
  }
  cg_free(m->lines);
  cg_free(m->order_number);
  *m = (struct mapped){0};
}

static void note(char *buf, const cJSON *line, const char *ref)
{
  size_t len = strlen(buf);
  snprintf(buf + len, DETAIL_MAX - len, "%sline %lld (order line %s)",
           len ? ", " : "", (long long)cg_json_int(line, "id", 0),
           ref ? ref : "(none)");
}

/* Keeps a line of ours (takes number and sku). */
static int keep(struct mapped *m, const cJSON *line, const char *ref,
                char *number, char *sku)
{
  char *r = cg_strdup(ref);
  struct cg_store_return_line *l =
      r ? cg_realloc(m->lines, (m->n + 1) * sizeof(*l)) : NULL;
  if (l == NULL) {
    cg_free(r);
    cg_free(number);
    cg_free(sku);
    return CG_ENOMEM;
  }
  m->lines = l;
  m->lines[m->n++] =
      (struct cg_store_return_line){.line_id = cg_json_int(line, "id", 0),
                                    .line_ref = r,
                                    .sku = sku,
                                    .advised = cg_json_int(line, "quantity", 0),
                                    .received = -1};
  if (m->order_number == NULL)
    m->order_number = number;
  else if (strcmp(m->order_number, number) != 0) {
    note(m->other, line, ref);
    cg_free(number);
  } else
    cg_free(number);
  return 0;
}

/* Each line with units: the order line the engine sent, or not ours. */
static int map_lines(struct cg_flow *f, const cJSON *ret, struct mapped *m,
                     struct cg_err *err)
{
  const cJSON *line;
  cJSON_ArrayForEach(line, cg_json_get(ret, "lines"))
  {
    const char *ref = cg_json_str(line, "orderLineId");
    char *number = NULL, *sku = NULL;
    if (cg_json_int(line, "quantity", 0) < 1)
      continue; /* nothing to advise */
    int rc = ref ? cg_store_return_order_line(f->store, ref, &number, &sku, err)
                 : CG_ENOTFOUND;
    if (rc == CG_ENOTFOUND) {
      note(m->unknown, line, ref);
      m->nunknown++;
      continue;
    }
    rc = rc ? rc : keep(m, line, ref, number, sku);
    if (rc != 0)
      return rc == CG_ENOMEM ? cg_err_set(err, rc, "out of memory") : rc;
  }
  return 0;
}

/* "line 1: 2 x SKU (order line 43243), ..." for the timeline. */
static void lines_text(const struct mapped *m, char *out, size_t size)
{
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < m->n && len < size; i++) {
    const struct cg_store_return_line *l = &m->lines[i];
    snprintf(out + len, size - len, "%sline %lld: %lld x %s (order line %s)",
             i ? ", " : "", (long long)l->line_id, (long long)l->advised,
             l->sku, l->line_ref);
    len = strlen(out);
  }
}

static int put(struct cg_flow *f, const cJSON *ret, const struct mapped *m,
               enum cg_store_return_step step, const char *hold,
               struct cg_err *err)
{
  struct cg_store_return row = {
      .id = cg_json_int(ret, "id", 0),
      .order_number = step == CG_STORE_RETURN_IGNORED ? NULL : m->order_number,
      .step = step,
      .initial_status = (char *)cg_json_str(ret, "returnStatus"),
      .comment = (char *)cg_json_str(ret, "comment"),
      .hold_reason = (char *)hold};
  return cg_store_return_put(f->store, &row, m->lines,
                             step == CG_STORE_RETURN_IGNORED ? 0 : m->n,
                             cg_time_now_ms(), err);
}

/* Some lines are not ones the engine sent: the warehouse could not
 * match them, so nothing is advised and customer service decides. stored:
 * the id of the return already stored (read again), else 0. */
static int rejected(struct cg_flow *f, const cJSON *ret, const struct mapped *m,
                    int64_t stored, struct cg_err *err)
{
  char msg[3 * DETAIL_MAX], key[CG_RETURNS_RMA_MAX];
  int64_t id = cg_json_int(ret, "id", 0);
  cg__returns_rma(id, key);
  snprintf(msg, sizeof(msg),
           "return %lld: unknown-order-line: %s%s%s; not advised to the "
           "warehouse",
           (long long)id, m->nunknown ? m->unknown : "",
           m->nunknown ? " not sent to the warehouse by the engine" : "",
           m->other[0] ? "; lines of another order than the first's: " : "");
  if (m->other[0]) {
    size_t len = strlen(msg);
    snprintf(msg + len, sizeof(msg) - len, " (%s)", m->other);
  }
  int rc =
      stored
          ? cg_store_return_set_step(f->store, stored, CG_STORE_RETURN_REJECTED,
                                     CG_RETURN_REJECTED, cg_time_now_ms(), err)
          : put(f, ret, m, CG_STORE_RETURN_REJECTED, CG_RETURN_REJECTED, err);
  if (rc == 0)
    rc = cg_flow_raise(f, CG_RETURN_REJECTED, CG_RETURNS_ENTITY, key, msg, NULL,
                       err);
  if (rc == 0)
    rc = cg__returns_audit(f, m->order_number, "return rejected", msg, err);
  f->metrics.returns_rejected += rc == 0;
  return rc;
}

static int created(struct cg_flow *f, const cJSON *ret, const struct mapped *m,
                   struct cg_err *err)
{
  char detail[DETAIL_MAX + 64], lines[DETAIL_MAX];
  int64_t id = cg_json_int(ret, "id", 0);
  lines_text(m, lines, sizeof(lines));
  snprintf(detail, sizeof(detail), "Centra return %lld: %s", (long long)id,
           lines);
  int rc = put(f, ret, m, CG_STORE_RETURN_NEW, NULL, err);
  if (rc == 0)
    rc = cg__returns_queue(f, CG_RETURNS_KIND_ADVISE, id, m->order_number, 0,
                           err);
  if (rc == 0)
    rc = cg__returns_audit(f, m->order_number, "return created", detail, err);
  f->metrics.returns_read += rc == 0;
  return rc;
}

/* ---- a rejected return read again ---------------------------------------*/

int cg__returns_reread(struct cg_flow *f, const struct cg_store_return *r,
                       struct cg_err *err)
{
  int rc = cg_store_return_set_step(f->store, r->id, CG_STORE_RETURN_REJECTED,
                                    CG_RETURNS_REREAD, cg_time_now_ms(), err);
  if (rc == 0)
    rc = cg__returns_hints_add(f, r->id, err);
  if (rc == 0 && f->returns != NULL)
    cg_returns_hint(f->returns, r->id);
  return rc;
}

/* Whether a stored return is one a retry asked to read again. */
static bool reread_due(const struct cg_store_return *have)
{
  return have->step == CG_STORE_RETURN_REJECTED && have->hold_reason &&
         strcmp(have->hold_reason, CG_RETURNS_REREAD) == 0;
}

/* All its lines are known now: the fresh lines, step new, the advice
 * queued under the next attempt's key. */
static int reread_known(struct cg_flow *f, const struct cg_store_return *have,
                        const struct mapped *m, struct cg_err *err)
{
  char detail[DETAIL_MAX + 64], lines[DETAIL_MAX], key[CG_RETURNS_RMA_MAX];
  int64_t attempt = 0;
  cg__returns_rma(have->id, key);
  lines_text(m, lines, sizeof(lines));
  snprintf(detail, sizeof(detail), "Centra return %lld read again: %s",
           (long long)have->id, lines);
  int rc =
      cg_store_return_lines_replace(f->store, have->id, m->lines, m->n, err);
  if (rc == 0)
    rc = cg_store_return_set_step(f->store, have->id, CG_STORE_RETURN_NEW, NULL,
                                  cg_time_now_ms(), err);
  if (rc == 0)
    rc = cg_store_outbox_count_entity(f->store, CG_RETURNS_KIND_ADVISE, key,
                                      &attempt, err);
  if (rc == 0)
    rc = cg__returns_queue(f, CG_RETURNS_KIND_ADVISE, have->id,
                           have->order_number, (int)attempt, err);
  return rc ? rc
            : cg__returns_audit(f, have->order_number, "return read again",
                                detail, err);
}

/* A return a retry asked to read again: mapped afresh. */
static int reread_apply(struct cg_flow *f, const cJSON *ret,
                        const struct cg_store_return *have, int64_t *added,
                        struct cg_err *err)
{
  struct mapped m = {0};
  int rc = map_lines(f, ret, &m, err);
  if (rc == 0 && m.order_number == NULL && have->order_number != NULL &&
      (m.order_number = cg_strdup(have->order_number)) == NULL)
    rc = cg_err_set(err, CG_ENOMEM, "out of memory");
  if (rc == 0 && (m.n == 0 || m.nunknown > 0 || m.other[0]))
    rc = rejected(f, ret, &m, have->id, err);
  else if (rc == 0)
    rc = reread_known(f, have, &m, err);
  *added += rc == 0;
  mapped_clear(&m);
  return rc;
}

/* ---- a page -------------------------------------------------------------*/

/* One canonical return; *added 1 when it was stored (or read again) now. */
static int apply_return(struct cg_flow *f, const cJSON *ret, int64_t *added,
                        struct cg_err *err)
{
  struct cg_store_return have = {0};
  struct mapped m = {0};
  int64_t id = cg_json_int(ret, "id", 0);
  if (id <= 0)
    return 0;
  int rc = cg_store_return_get(f->store, id, &have, err);
  if (rc == 0 && reread_due(&have))
    rc = reread_apply(f, ret, &have, added, err);
  cg_store_return_clear(&have);
  if (rc != CG_ENOTFOUND)
    return rc; /* stored before (0): nothing more changes */
  rc = map_lines(f, ret, &m, err);
  if (rc == 0 && m.n == 0) {
    cg_log_info(COMP,
                "[merchant=%s] return %lld: no line of an order the engine "
                "sent; ignored",
                f->merchant, (long long)id);
    rc = put(f, ret, &m, CG_STORE_RETURN_IGNORED, NULL, err);
  } else if (rc == 0 && (m.nunknown > 0 || m.other[0]))
    rc = rejected(f, ret, &m, 0, err);
  else if (rc == 0)
    rc = created(f, ret, &m, err);
  *added += rc == 0;
  mapped_clear(&m);
  return rc;
}

int cg__returns_page_apply(struct cg_flow *f, const cJSON *returns,
                           const char *since, int64_t *added,
                           struct cg_err *err)
{
  return cg__returns_page_apply_ids(f, returns, since, NULL, 0, added, err);
}

int cg__returns_page_apply_ids(struct cg_flow *f, const cJSON *returns,
                               const char *since, const int64_t *ids,
                               size_t nids, int64_t *added, struct cg_err *err)
{
  const cJSON *ret;
  int64_t n = 0;
  int rc = cg_store_begin(f->store, err);
  cJSON_ArrayForEach(ret, returns)
  {
    if (rc == 0)
      rc = apply_return(f, ret, &n, err);
  }
  if (rc == 0 && since != NULL)
    rc = since_forward(f->store, since, err);
  if (rc == 0 && nids > 0)
    rc = cg__returns_hints_remove(f, ids, nids, err);
  rc = rc ? rc : cg_store_commit(f->store, err);
  if (rc != 0) {
    cg_store_rollback(f->store, NULL);
    f->metrics.store_errors++;
    n = 0;
  }
  if (n > 0 && f->outbox != NULL)
    cg_outbox_kick(f->outbox);
  if (added != NULL)
    *added = n;
  return rc;
}

/* ---- the read -----------------------------------------------------------*/

struct cg_returns_read {
  struct cg_returns *r; /* NULL once stopped */
  cg_returns_read_done_fn done;
  int64_t ids[CG_CENTRA_RETURNS_PAGE_MAX]; /* by ids: these */
  size_t n;                                /* 0: the poll */
  int page;                                /* the poll: this page */
  char from[CG_RETURNS_ISO_MAX];           /* the poll: createdAt from */
  char newest[CG_RETURNS_ISO_MAX];         /* the poll: newest seen */
  int64_t newest_ms;
  int64_t added;
};

static void read_end(struct cg_returns_read *rd, enum cg_returns_read_end how,
                     int64_t retry_at_ms)
{
  struct cg_returns *r = rd->r;
  cg_returns_read_done_fn done = rd->done;
  if (r != NULL) {
    r->read = NULL;
    if (how != CG_RETURNS_READ_OK && rd->n > 0)
      cg__returns_hint_again(r, rd->ids, rd->n);
    else if (how != CG_RETURNS_READ_OK)
      r->next_poll_ms = 0; /* the poll again once it may */
  }
  cg_free(rd);
  if (r != NULL && done != NULL)
    done(r, how, retry_at_ms);
}

static void read_fail(struct cg_returns_read *rd, const char *what,
                      const char *why)
{
  struct cg_flow *f = rd->r->f;
  if (rd->n > 0)
    cg_log_warn(COMP, "[merchant=%s] returns read of %zu ids %s: %s",
                f->merchant, rd->n, what, why);
  else
    cg_log_warn(COMP, "[merchant=%s] returns poll from %s, page %d %s: %s",
                f->merchant, rd->from, rd->page, what, why);
  read_end(rd, CG_RETURNS_READ_FAILED, 0);
}

/* The newest createdAt of the poll so far. */
static void note_newest(struct cg_returns_read *rd, const cJSON *page)
{
  const cJSON *ret;
  cJSON_ArrayForEach(ret, page)
  {
    const char *at = cg_json_str(ret, "createdAt");
    int64_t ms;
    if (at != NULL && cg_time_parse_iso8601(at, &ms) == 0 &&
        ms > rd->newest_ms && strlen(at) < sizeof(rd->newest)) {
      rd->newest_ms = ms;
      snprintf(rd->newest, sizeof(rd->newest), "%s", at);
    }
  }
}

static int ask_page(struct cg_returns_read *rd);

/* Whether the answer is a page to apply; else the read has ended. */
static bool page_usable(struct cg_returns_read *rd, struct cg_call_result *res)
{
  if (rd->r == NULL) {
    read_end(rd, CG_RETURNS_READ_FAILED, 0);
    return false;
  }
  if (!cg_call_result_sent(res)) { /* Centra's budget: not a failure */
    int64_t wait = res->retry_at_ms - cg_time_now_ms();
    read_end(rd, CG_RETURNS_READ_DEFERRED,
             cg_time_mono_ms() + (wait > 0 ? wait : 0));
    return false;
  }
  if (res->outcome != CG_OUTCOME_OK || !cJSON_IsArray(res->data)) {
    read_fail(rd, "not read from Centra",
              res->outcome != CG_OUTCOME_OK ? res->message
                                            : "the answer is not a list");
    return false;
  }
  return true;
}

/* The read applied its last page. */
static void read_done(struct cg_returns_read *rd)
{
  if (rd->added > 0)
    cg_log_debug(COMP, "[merchant=%s] returns read: %lld new",
                 rd->r->f->merchant, (long long)rd->added);
  read_end(rd, CG_RETURNS_READ_OK, 0);
}

static void on_page(struct cg_call_result *res, void *arg)
{
  struct cg_returns_read *rd = arg;
  struct cg_err err = {0};
  int64_t added = 0;
  if (!page_usable(rd, res))
    return;
  bool last = rd->n > 0 || cJSON_GetArraySize(res->data) < rd->r->opts.page;
  if (rd->n == 0)
    note_newest(rd, res->data);
  const char *since = rd->n == 0 && last && rd->newest[0] ? rd->newest : NULL;
  if (cg__returns_page_apply_ids(rd->r->f, res->data, since, rd->ids, rd->n,
                                 &added, &err) != 0) {
    read_fail(rd, "not written", err.msg);
    return;
  }
  rd->added += added;
  if (last) {
    read_done(rd);
    return;
  }
  rd->page++;
  int rc = ask_page(rd);
  if (rc != 0)
    read_fail(rd, "not asked", cg_strerror(rc));
}

static int ask_page(struct cg_returns_read *rd)
{
  struct cg_returns *r = rd->r;
  if (rd->n > 0)
    return cg_centra_fetch_returns(r->f->centra, rd->ids, rd->n, on_page, rd);
  return cg_centra_fetch_returns_since(r->f->centra, rd->from, rd->page,
                                       (int)r->opts.page, on_page, rd);
}

/* The poll's first createdAt: the watermark less the overlap. */
static int poll_from(struct cg_returns_read *rd, struct cg_err *err)
{
  char *since = NULL;
  int64_t ms = 0;
  int rc =
      cg_store_cursor_get(rd->r->f->store, CG_STORE_RETURNS_SINCE, &since, err);
  if (rc == 0 && cg_time_parse_iso8601(since, &ms) != 0)
    rc = cg_err_set(err, CG_EINVAL, "the returns watermark '%s' is not a time",
                    since);
  cg_free(since);
  if (rc == 0)
    cg_time_format_iso8601_s(ms - CG_RETURNS_OVERLAP_MS, rd->from,
                             sizeof(rd->from));
  return rc;
}

int cg__returns_read_start(struct cg_returns *r, const int64_t *ids, size_t n,
                           cg_returns_read_done_fn done)
{
  struct cg_err err = {0};
  if (r->read != NULL || r->f->centra == NULL ||
      n > CG_CENTRA_RETURNS_PAGE_MAX || (ids != NULL && n == 0))
    return CG_EINVAL;
  struct cg_returns_read *rd = cg_calloc(1, sizeof(*rd));
  if (rd == NULL)
    return CG_ENOMEM;
  *rd = (struct cg_returns_read){.r = r, .done = done, .n = n, .page = 1};
  if (n > 0)
    memcpy(rd->ids, ids, n * sizeof(*ids));
  int rc = n > 0 ? 0 : poll_from(rd, &err);
  rc = rc ? rc : ask_page(rd);
  if (rc != 0) {
    cg_log_warn(COMP, "[merchant=%s] returns read not started: %s",
                r->f->merchant, err.msg[0] ? err.msg : cg_strerror(rc));
    cg_free(rd);
    return rc;
  }
  r->read = rd;
  return 0;
}

void cg__returns_read_stop(struct cg_returns *r)
{
  if (r->read != NULL)
    r->read->r = NULL; /* its callback frees it and touches nothing */
  r->read = NULL;
}
