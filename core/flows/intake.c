/*
 * intake: see intake.h.
 */
#include "flows/intake.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/changes.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/items.h"
#include "flows/orders.h"
#include "flows/returns.h"
#include "gxo/gxo.h"
#include "net/retry.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Events page size: Centra prices a request by its list limits, not by
 * what comes back, so an idle pull is cheapest small; a full page doubles
 * the next one up to EVENTS_MAX (Centra's own examples use 200), and a
 * page that is not full brings it back to EVENTS_MIN. */
#define EVENTS_MIN 50
#define EVENTS_MAX 200
#define POLL_PAGE 100
#define GXO_BATCH 200
#define GXO_CURSOR "gxo.events.after"
#define POLL_CURSOR "centra.poll.since"
/* The poll asks for orders updated since its last complete pass began,
 * less this overlap (clock skew between Centra and us, commits in flight
 * at Centra while we paged). */
#define POLL_OVERLAP_MS (5 * 60 * 1000)
/* With the events queue on, a poll pass waits at most this long for the
 * queue's backlog to drain before it lists anyway. */
#define POLL_WAIT_MAX_MS (5 * 60 * 1000)
/* Hinted order fetches in flight at once, all deliveries together. */
#define HINTS_MAX 256

/* One hinted fetch in flight: the callback's context. number 0 = free. */
struct hint_slot {
  struct cg_intake *in;
  int64_t number;
};

struct cg_intake {
  struct cg_flow *f;
  bool events_busy;
  bool poll_busy;
  bool gxo_busy;
  bool events_again;   /* the last Centra batch was full: pull again */
  int events_limit;    /* the next events page's size (EVENTS_MIN..MAX) */
  bool gxo_again;      /* the last warehouse batch was full: pull again */
  int64_t gxo_acking;  /* the upToSequence of the ack in flight */
  int64_t gxo_hold_ms; /* no feed pull before (a refused ack) */
  int gxo_refusals;    /* acks refused in a row */
  void (*limits_then)(void *arg); /* after the rateLimits answer */
  void *limits_then_arg;
  bool listening;       /* setEventListeners answered OK */
  bool listen_busy;     /* setEventListeners in flight */
  int64_t *unconfirmed; /* recorded events whose confirm was refused */
  size_t n_unconfirmed;
  bool events_drained; /* an events page came back short: no backlog */
  bool events_failing; /* the last events pull failed */
  bool poll_resume;    /* a page failed: the next poll goes on from it */
  bool poll_due;       /* a pass waited for the events backlog: run it after */
  bool poll_full;      /* the current listing page was full: more follow */
  int64_t poll_waiting_ms;         /* since when a pass waits for the backlog */
  int64_t poll_missing[POLL_PAGE]; /* listed, not recorded: fetch these */
  int poll_page;
  int64_t poll_started_ms; /* when the current pass began */
  char poll_since[40];     /* updatedAt lower bound of the current pass */
  unsigned hints_inflight;
  struct hint_slot hints[HINTS_MAX];
  struct cg_changes_poll *follow; /* exported orders (flows/changes.h) */
  uint64_t poll_received;         /* orders_received when the pass began */
};

struct cg_intake *cg_intake_create(struct cg_flow *f)
{
  struct cg_intake *in = cg_calloc(1, sizeof(*in));
  if (in != NULL) {
    in->f = f;
    in->events_limit = EVENTS_MIN;
    in->follow = cg_changes_poll_create(f);
  }
  if (in != NULL && in->follow == NULL) {
    cg_free(in);
    in = NULL;
  }
  return in;
}

void cg_intake_destroy(struct cg_intake *in)
{
  if (in != NULL) {
    cg_free(in->unconfirmed);
    cg_changes_poll_destroy(in->follow);
  }
  cg_free(in);
}

bool cg_intake_busy(const struct cg_intake *in)
{
  return in->events_busy || in->poll_busy || in->gxo_busy ||
         in->hints_inflight > 0 || cg_changes_poll_busy(in->follow);
}

/* Throttling and shutdown are expected: they are logged at debug level;
 * anything else is a warning. */
static void log_failure(struct cg_intake *in, const char *what,
                        const struct cg_call_result *res)
{
  enum cg_log_level lvl = cg_call_result_log_level(res);
  if (lvl <= cg_log_get_level())
    cg_log_write(lvl, "intake",
                 "[merchant=%s] %s: %s (%ld %s %s); next tick "
                 "tries again",
                 in->f->merchant, what, cg_call_outcome_name(res->outcome),
                 res->http_status, res->code, res->message);
}

/* Takes one order; logs what could not be recorded. */
static int take_order(struct cg_intake *in, const cJSON *order, const char *via)
{
  struct cg_err err = {0};
  int rc = cg_orders_take(in->f, order, via, &err);
  if (rc != 0)
    cg_log_error("intake", "[merchant=%s] order from %s not recorded: %s",
                 in->f->merchant, via, err.msg);
  return rc;
}

static void after_take(struct cg_intake *in)
{
  cg_outbox_kick(in->f->outbox);
}

/* Group commit: the messages of one page are recorded in one transaction
 * (flows/inbox.h). Without a batch each take commits alone. */
static bool batch_begin(struct cg_intake *in)
{
  return cg_inbox_batch_begin(in->f, NULL) == 0;
}

/* False when the page is not durable: acknowledge none of it. */
static bool batch_end(struct cg_intake *in, bool open)
{
  return !open || cg_inbox_batch_end(in->f, NULL) == 0;
}

/* --- Centra events queue ------------------------------------------------*/

/* Without listeners Centra queues no events: a refused registration
 * (budget, 429) is asked again at the next events tick. */
static void cb_listen(struct cg_call_result *res, void *arg)
{
  struct cg_intake *in = arg;
  in->listen_busy = false;
  in->listening = res->outcome == CG_OUTCOME_OK;
  if (!in->listening)
    log_failure(in, "setting Centra event listeners", res);
}

void cg_intake_centra_listen(struct cg_intake *in)
{
  if (in->f->settings.centra_events && !in->listen_busy)
    in->listen_busy =
        cg_centra_set_event_listeners(in->f->centra, cb_listen, in) == 0;
}

/* Keeps the ids of a refused confirm (they are recorded): the next tick
 * confirms them before it pulls again, instead of pulling the same
 * events to confirm them. Without memory they simply come again. */
static void keep_unconfirmed(struct cg_intake *in, const int64_t *ids, size_t n)
{
  int64_t *copy = n ? cg_malloc(n * sizeof(*copy)) : NULL;
  if (copy != NULL)
    memcpy(copy, ids, n * sizeof(*copy));
  cg_free(in->unconfirmed);
  in->unconfirmed = copy;
  in->n_unconfirmed = copy ? n : 0;
}

static void cb_confirm(struct cg_call_result *res, void *arg)
{
  struct cg_intake *in = arg;
  in->events_busy = false;
  if (res->outcome != CG_OUTCOME_OK) {
    log_failure(in,
                "confirming Centra events (confirmed again next tick; "
                "duplicates are ignored)",
                res);
    return;
  }
  keep_unconfirmed(in, NULL, 0);
  if (in->events_again)
    cg_intake_centra_events(in);
}

/* Sends the confirm of ids; false when it could not start. */
static bool confirm(struct cg_intake *in, const int64_t *ids, size_t n)
{
  if (ids != in->unconfirmed)
    keep_unconfirmed(in, ids, n); /* until the confirm is accepted */
  return cg_centra_confirm_events(in->f->centra,
                                  in->unconfirmed ? in->unconfirmed : ids, n,
                                  cb_confirm, in) == 0;
}

/* A Product (CREATED, UPDATED) or ProductSize (CREATED) event: the items
 * flow reads the catalogue's latest changes soon (hints coalesce). */
static void hint_items(struct cg_intake *in, const cJSON *ev, const char *type)
{
  char why[96];
  snprintf(why, sizeof(why), "Centra event %s %s %lld", type,
           cg_json_str(ev, "changeType") ? cg_json_str(ev, "changeType") : "",
           (long long)cg_json_int(ev, "objectReference", 0));
  cg_items_hint(in->f->items, why);
}

/* A Return CREATED event: the returns flow reads that return soon (a
 * no-op when the flow is off), its id written in this transaction so the
 * event is not confirmed before it is durable. objectReference is an
 * Int64, which a GraphQL server may print as a string. */
static int hint_return(struct cg_intake *in, const cJSON *ev)
{
  struct cg_err err = {0};
  const char *change = cg_json_str(ev, "changeType");
  const char *text = cg_json_str(ev, "objectReference");
  int64_t id =
      text ? strtoll(text, NULL, 10) : cg_json_int(ev, "objectReference", 0);
  if (change == NULL || strcmp(change, "CREATED") != 0)
    return 0;
  int rc = cg_returns_note(in->f, id, &err); /* durable: confirmed after */
  if (rc != 0)
    cg_log_error("intake", "[merchant=%s] return %lld not noted: %s",
                 in->f->merchant, (long long)id, err.msg);
  return rc;
}

/* Takes every event's order (Event.object: the order's current state, in
 * the WarehouseOrder shape; null once deleted, which leaves nothing to
 * export), hints the items flow of a product's; returns the ids safe to
 * confirm. */
static size_t take_events(struct cg_intake *in, const cJSON *events,
                          int64_t *ids)
{
  size_t n = 0;
  const cJSON *ev;
  cJSON_ArrayForEach(ev, events)
  {
    const cJSON *obj = cg_json_get(ev, "object");
    const char *type = cg_json_str(ev, "objectType");
    bool is_order = type && strcmp(type, "Order") == 0 && cJSON_IsObject(obj);
    if (is_order && take_order(in, obj, "event") != 0)
      break; /* not recorded: this and later events stay unconfirmed */
    if (type &&
        (strcmp(type, "Product") == 0 || strcmp(type, "ProductSize") == 0))
      hint_items(in, ev, type);
    if (type && strcmp(type, "Return") == 0 && hint_return(in, ev) != 0)
      break; /* not recorded: this and later events stay unconfirmed */
    ids[n++] = cg_json_int(ev, "id", 0);
    in->f->metrics.events_centra++;
  }
  return n;
}

/* After a page: a full one doubles the next (a backlog), up to
 * EVENTS_MAX; any other goes back to EVENTS_MIN. */
static int next_events_limit(int limit, bool full)
{
  if (!full)
    return EVENTS_MIN;
  return limit * 2 < EVENTS_MAX ? limit * 2 : EVENTS_MAX;
}

/* After each events answer: a poll pass that waited for the backlog runs
 * once the queue is drained or failing (poll_waits). */
static void events_answered(struct cg_intake *in, bool ok, bool drained)
{
  in->events_failing = !ok;
  in->events_drained = in->events_drained || drained;
  if (in->poll_due)
    cg_intake_centra_poll(in);
}

static void cb_events(struct cg_call_result *res, void *arg)
{
  struct cg_intake *in = arg;
  int count = cJSON_GetArraySize(res->data);
  if (res->outcome != CG_OUTCOME_OK || count == 0) {
    in->events_busy = false;
    bool ok = res->outcome == CG_OUTCOME_OK;
    if (!ok)
      log_failure(in, "pulling Centra events", res);
    else
      in->events_limit = EVENTS_MIN; /* idle: the cheapest page */
    events_answered(in, ok, ok);
    return;
  }
  int64_t *ids = cg_calloc((size_t)count, sizeof(*ids));
  bool open = batch_begin(in);
  size_t n = ids ? take_events(in, res->data, ids) : 0;
  if (!batch_end(in, open))
    n = 0; /* nothing recorded: confirm nothing, they come again */
  after_take(in);
  in->events_again = count >= in->events_limit && n == (size_t)count;
  in->events_limit = next_events_limit(in->events_limit, in->events_again);
  events_answered(in, true, !in->events_again);
  if (n == 0 || !confirm(in, ids, n))
    in->events_busy = false;
  cg_free(ids);
}

void cg_intake_centra_events(struct cg_intake *in)
{
  if (in->events_busy || !in->f->settings.centra_events)
    return;
  if (!in->listening)
    cg_intake_centra_listen(in);
  if (in->n_unconfirmed > 0)
    in->events_busy = confirm(in, in->unconfirmed, in->n_unconfirmed);
  else
    in->events_busy = cg_centra_fetch_events(in->f->centra, in->events_limit,
                                             cb_events, in) == 0;
}

/* --- Centra poll (safety net) --------------------------------------------
 * With the events queue on, the poll is the net under it: each page lists
 * only the orders' versions (CgReadyOrderVersions) and fetches in full,
 * by number, just those the engine has not recorded, so an order the
 * queue brought is not read twice. A poll-only merchant reads full pages.
 */

static int fetch_page(struct cg_intake *in);

/* A complete pass: the next one asks only for what changed since this
 * one began (less the overlap). */
static void poll_pass_done(struct cg_intake *in)
{
  char since[40];
  in->f->metrics.poll_passes++;
  cg_time_format_iso8601_s(in->poll_started_ms - POLL_OVERLAP_MS, since,
                           sizeof(since));
  struct cg_err err = {0};
  if (cg_store_cursor_set(in->f->store, POLL_CURSOR, since, &err) != 0)
    cg_log_warn("intake",
                "[merchant=%s] poll cursor not saved (%s); the next poll "
                "starts from the previous one",
                in->f->merchant, err.msg);
  /* A pass that brought nothing new: the budget is not needed for new
   * orders, so the next page of exported orders is read (changes.h). */
  if (in->f->metrics.orders_received == in->poll_received)
    cg_changes_poll_tick(in->follow);
}

static void poll_failed(struct cg_intake *in, struct cg_call_result *res)
{
  log_failure(in, "polling confirmed Centra orders", res);
  in->poll_resume = true; /* the pages before this one are in */
  in->poll_busy = false;
}

/* After a page: the next one when it was full, else the pass is done. A
 * page not recorded ends the pass; the next begins again. */
static void poll_next(struct cg_intake *in, bool recorded, bool full)
{
  if (recorded && full) {
    in->poll_page++;
    if (fetch_page(in) == 0)
      return;
  } else if (recorded) {
    poll_pass_done(in);
  }
  in->poll_busy = false;
}

/* Takes the orders of a page in one transaction; false if any was not
 * recorded. */
static bool take_page(struct cg_intake *in, const cJSON *orders, int *count)
{
  bool recorded = true, open = batch_begin(in);
  const cJSON *order;
  *count = 0;
  cJSON_ArrayForEach(order, orders)
  {
    (*count)++;
    if (take_order(in, order, "poll") != 0)
      recorded = false;
  }
  recorded = batch_end(in, open) && recorded;
  after_take(in);
  in->f->metrics.orders_polled += (uint64_t)*count;
  return recorded;
}

static void cb_poll(struct cg_call_result *res, void *arg)
{
  struct cg_intake *in = arg;
  int count = 0;
  if (res->outcome != CG_OUTCOME_OK) {
    poll_failed(in, res);
    return;
  }
  bool recorded = take_page(in, res->data, &count);
  poll_next(in, recorded, count >= POLL_PAGE);
}

static void cb_missing(struct cg_call_result *res, void *arg)
{
  struct cg_intake *in = arg;
  int count = 0;
  if (res->outcome != CG_OUTCOME_OK) {
    poll_failed(in, res); /* the listing page is asked again */
    return;
  }
  bool recorded = take_page(in, res->data, &count);
  poll_next(in, recorded, in->poll_full);
}

static void cb_versions(struct cg_call_result *res, void *arg)
{
  struct cg_intake *in = arg;
  if (res->outcome != CG_OUTCOME_OK) {
    poll_failed(in, res);
    return;
  }
  size_t n = 0;
  int count = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, res->data)
  {
    int64_t number = cg_json_int(v, "number", 0);
    if (count++ < POLL_PAGE && number > 0 && !cg_orders_known(in->f, v))
      in->poll_missing[n++] = number;
  }
  in->poll_full = count >= POLL_PAGE;
  if (n == 0)
    poll_next(in, true, in->poll_full);
  else if (cg_centra_fetch_orders_by_number(in->f->centra, in->poll_missing, n,
                                            cb_missing, in) != 0)
    in->poll_busy = false; /* the next tick begins the pass again */
}

static int fetch_page(struct cg_intake *in)
{
  static const char *const statuses[] = {"CONFIRMED", "PROCESSING"};
  struct cg_centra_order_filter flt = {
      .statuses = statuses,
      /* With Direct to Shipment, Centra moves a paid order to PROCESSING
       * itself; without it, PROCESSING means we already shipped some. */
      .n_statuses = in->f->settings.direct_to_shipment ? 2 : 1,
      .since = in->poll_since,
      .page = in->poll_page,
      .limit = POLL_PAGE,
  };
  if (in->f->settings.centra_events)
    return cg_centra_fetch_order_versions(in->f->centra, &flt, cb_versions, in);
  return cg_centra_fetch_orders(in->f->centra, &flt, cb_poll, in);
}

/* The updatedAt lower bound of a new pass: the stored cursor, or the
 * epoch on the first pass. */
static void poll_load_since(struct cg_intake *in)
{
  char *value = NULL;
  snprintf(in->poll_since, sizeof(in->poll_since), "%s",
           "1970-01-01T00:00:00Z");
  if (cg_store_cursor_get(in->f->store, POLL_CURSOR, &value, NULL) == 0)
    snprintf(in->poll_since, sizeof(in->poll_since), "%s", value);
  cg_free(value);
}

/* With the events queue on, a new pass waits while the queue still brings
 * a backlog (no page answered yet, or the last was full): listed now,
 * every order of the backlog would look unrecorded and be read twice. It
 * runs when the queue drains or fails, or after POLL_WAIT_MAX_MS. */
static bool poll_waits(struct cg_intake *in)
{
  bool backlog = in->f->settings.centra_events && !in->events_failing &&
                 (!in->events_drained || in->events_again);
  int64_t now = cg_time_mono_ms();
  if (!backlog) {
    in->poll_waiting_ms = 0;
    return false;
  }
  if (in->poll_waiting_ms == 0)
    in->poll_waiting_ms = now;
  return now - in->poll_waiting_ms < POLL_WAIT_MAX_MS;
}

void cg_intake_centra_poll(struct cg_intake *in)
{
  if (in->poll_busy)
    return;
  in->poll_due = !in->poll_resume && poll_waits(in);
  if (in->poll_due)
    return;
  in->poll_waiting_ms = 0;
  if (!in->poll_resume) { /* else: the failed page of the same pass */
    in->poll_page = 1;
    in->poll_started_ms = cg_time_now_ms();
    in->poll_received = in->f->metrics.orders_received;
    poll_load_since(in);
  }
  in->poll_busy = fetch_page(in) == 0;
  in->poll_resume = !in->poll_busy && in->poll_resume;
}

/* --- Centra webhook hint ------------------------------------------------*/

static void cb_hint(struct cg_call_result *res, void *arg)
{
  struct hint_slot *slot = arg;
  struct cg_intake *in = slot->in;
  slot->number = 0; /* free again: a later hint may fetch it anew */
  in->hints_inflight--;
  if (res->outcome != CG_OUTCOME_OK) {
    log_failure(in, "fetching a hinted order (the poll will find it)", res);
    return;
  }
  if (cJSON_IsObject(res->data) && take_order(in, res->data, "hint") == 0)
    after_take(in);
}

int cg_intake_centra_hint(struct cg_intake *in, int64_t number)
{
  struct hint_slot *free_slot = NULL;
  for (size_t i = 0; i < HINTS_MAX; i++) {
    if (in->hints[i].number == number)
      return CG_EEXIST;
    if (free_slot == NULL && in->hints[i].number == 0)
      free_slot = &in->hints[i];
  }
  if (free_slot == NULL)
    return CG_ELIMIT;
  *free_slot = (struct hint_slot){.in = in, .number = number};
  if (cg_centra_fetch_order(in->f->centra, number, cb_hint, free_slot) != 0) {
    free_slot->number = 0;
    return CG_ERETRY;
  }
  in->hints_inflight++;
  return 0;
}

static void cb_limits(struct cg_call_result *res, void *arg)
{
  struct cg_intake *in = arg;
  void (*then)(void *) = in->limits_then;
  in->limits_then = NULL;
  if (res->outcome != CG_OUTCOME_OK)
    log_failure(in, "reading Centra rateLimits (keeping the last budget)", res);
  if (then != NULL)
    then(in->limits_then_arg);
}

void cg_intake_centra_limits(struct cg_intake *in, void (*then)(void *arg),
                             void *arg)
{
  if (then != NULL) {
    in->limits_then = then;
    in->limits_then_arg = arg;
  }
  if (cg_centra_refresh_limits(in->f->centra, cb_limits, in) != 0 &&
      then != NULL) {
    in->limits_then = NULL;
    then(arg); /* not asked: the client's own warm-up bound applies */
  }
}

/* --- warehouse event feed ------------------------------------------------
 * Effects first, cursor last: a page's events are committed (deduplicated
 * by eventId) before the acknowledgement, and the cursor moves only when
 * the warehouse accepted it. A crash or a refusal in between re-reads the
 * page from the last acknowledged cursor; the inbox drops what it has. */

#define FEED_ENTITY "gxo.events"

static int64_t feed_position(struct cg_intake *in)
{
  char *value = NULL;
  int64_t after = 0;
  if (cg_store_cursor_get(in->f->store, GXO_CURSOR, &value, NULL) == 0)
    after = strtoll(value, NULL, 10);
  cg_free(value);
  return after;
}

/* The warehouse accepted the acknowledgement: now the cursor moves. */
static void feed_acked(struct cg_intake *in)
{
  struct cg_err err = {0};
  char buf[32];
  snprintf(buf, sizeof(buf), "%lld", (long long)in->gxo_acking);
  if (in->gxo_acking > feed_position(in) &&
      cg_store_cursor_set(in->f->store, GXO_CURSOR, buf, &err) != 0)
    cg_log_warn("intake",
                "[merchant=%s] warehouse feed acknowledged up to %lld but "
                "the cursor was not saved (%s); the next pull reads those "
                "events again (deduplicated)",
                in->f->merchant, (long long)in->gxo_acking, err.msg);
  if (in->gxo_refusals > 0)
    cg_flow_resolve(in->f, "feed", FEED_ENTITY,
                    "the warehouse accepts acknowledgements again", NULL);
  in->gxo_refusals = 0;
}

/* A refused acknowledgement (4xx): one exception, and no pull before a
 * growing, jittered delay; the cursor stays where the warehouse last
 * agreed, so the next pull reads the same events again. */
static void feed_refused(struct cg_intake *in, const struct cg_call_result *res)
{
  static const struct cg_retry_policy policy = {.base_ms = 2000,
                                                .cap_ms = 300000};
  int64_t wait = cg_retry_backoff_ms(&policy, ++in->gxo_refusals, &in->f->rng);
  in->gxo_hold_ms = cg_time_now_ms() + (wait > 1000 ? wait : 1000);
  char msg[CG_CALL_MESSAGE_MAX + 256];
  snprintf(msg, sizeof(msg),
           "the warehouse refused the acknowledgement of events up to "
           "sequence %lld (HTTP %ld %s: %s); the feed cursor stays at %lld "
           "and the feed is read again from there in %lld s",
           (long long)in->gxo_acking, res->http_status, res->code, res->message,
           (long long)feed_position(in), (long long)wait / 1000);
  cg_log_warn("intake", "[merchant=%s] %s", in->f->merchant, msg);
  cg_flow_raise(in->f, "SYNC_FAILURE", "feed", FEED_ENTITY, msg, NULL, NULL);
}

static void cb_ack(struct cg_call_result *res, void *arg)
{
  struct cg_intake *in = arg;
  in->gxo_busy = false;
  if (res->outcome == CG_OUTCOME_FAIL)
    feed_refused(in, res);
  else if (res->outcome != CG_OUTCOME_OK)
    log_failure(in, "acknowledging warehouse events", res);
  else {
    feed_acked(in);
    if (in->gxo_again)
      cg_intake_gxo_events(in);
  }
}

/* An event whose sequence lies outside its page, (after, last]: recorded
 * (its effects are keyed by eventId) but never acknowledged by sequence
 * or used as the cursor; one exception per event. */
static void feed_bogus(struct cg_intake *in, const cJSON *ev, int64_t seq,
                       int64_t after, int64_t last, bool recorded)
{
  const char *id = cg_json_str(ev, "eventId");
  const char *type = cg_json_str(ev, "eventType");
  char msg[512], key[160];
  snprintf(msg, sizeof(msg),
           "warehouse event %s (%s) has sequence %lld, outside its page "
           "(after %lld, lastSequence %lld]; %s, but it does not move the "
           "feed cursor or the acknowledgement; ask the warehouse why",
           id ? id : "(no eventId)", type ? type : "?", (long long)seq,
           (long long)after, (long long)last,
           recorded ? "recorded" : "not recorded (invalid)");
  snprintf(key, sizeof(key), "%s", id ? id : "sequence");
  cg_flow_raise(in->f, "SYNC_FAILURE", "warehouse-event", key, msg, NULL, NULL);
}

/* Takes events in page order; returns the highest sequence recorded
 * without a gap (an event not recorded stops the page). */
static int64_t take_gxo_events(struct cg_intake *in, const cJSON *page,
                               int64_t after, int *taken)
{
  struct cg_err err = {0};
  int64_t upto = after;
  int64_t last = cg_json_int(page, "lastSequence", INT64_MAX);
  const cJSON *ev;
  cJSON_ArrayForEach(ev, cg_json_get(page, "events"))
  {
    int64_t seq = cg_json_int(ev, "sequence", -1);
    bool ok = cg_orders_take_gxo_event(in->f, ev, "feed", &err) == 0;
    bool bogus = seq <= after || seq > last;
    if (bogus)
      feed_bogus(in, ev, seq, after, last, ok);
    else if (!ok)
      cg_log_error("intake",
                   "[merchant=%s] warehouse event %lld not "
                   "recorded: %s",
                   in->f->merchant, (long long)seq, err.msg);
    if (!ok && !bogus)
      break;
    (*taken)++;
    if (!bogus && seq > upto)
      upto = seq;
  }
  return upto;
}

static void cb_gxo_events(struct cg_call_result *res, void *arg)
{
  struct cg_intake *in = arg;
  if (res->outcome != CG_OUTCOME_OK) {
    log_failure(in, "pulling warehouse events", res);
    in->gxo_busy = false;
    return;
  }
  int count = cJSON_GetArraySize(cg_json_get(res->data, "events"));
  int taken = 0;
  int64_t before = feed_position(in);
  bool open = batch_begin(in);
  int64_t upto = take_gxo_events(in, res->data, before, &taken);
  bool recorded = batch_end(in, open);
  after_take(in);
  /* Nothing new, or not durable: nothing to acknowledge. */
  if (upto == before || !recorded) {
    in->gxo_busy = false;
    return;
  }
  in->gxo_again = taken == count && count >= GXO_BATCH;
  in->gxo_acking = upto;
  if (cg_gxo_ack_events(in->f->gxo, upto, cb_ack, in) != 0)
    in->gxo_busy = false;
}

void cg_intake_gxo_events(struct cg_intake *in)
{
  if (in->gxo_busy || cg_time_now_ms() < in->gxo_hold_ms)
    return;
  in->gxo_busy = cg_gxo_pull_events(in->f->gxo, feed_position(in), GXO_BATCH,
                                    cb_gxo_events, in) == 0;
}
