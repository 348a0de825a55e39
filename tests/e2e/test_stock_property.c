/*
 * End to end (issue 10): the stock property test. A seeded random
 * interleaving, over every SKU of the demo catalogue (both simulators know
 * them; Centra starts with random figures of its own), of
 *
 *   - warehouse adjustments in every stock status (stock.adjusted),
 *   - status moves (AVAILABLE <-> QUARANTINE, to DAMAGED and BLOCKED...),
 *   - dispatches of orders that came from Centra through the engine
 *     (whole or split in two consignments; the engine completes their
 *     Centra shipments, many not yet when it is killed),
 *   - returns advised through the warehouse API and received with a
 *     RESTOCK, QUARANTINE or DISPOSE disposition,
 *   - snapshots, fresh and stale (asOfSequence behind the newest events),
 *   - earlier stock events and consignments posted to the engine's webhook
 *     again under a new event id (past the inbox: the applied-event log
 *     must refuse them),
 *
 * with every warehouse event sent twice (webhook and feed), some webhooks
 * duplicated and some held back so later ones overtake them, Centra's
 * answers slowed a little, and the engine killed with SIGKILL at random
 * moments (KILLS times) and restarted on the same store.
 * The last QUIET_CYCLES cycles take no snapshot, so an event applied twice
 * or lost there cannot be healed by one.
 *
 * Checkpoint with D > 0: Centra holds every shipment completion without
 * executing it while two kept orders ship; once the pushes are done
 * Centra must show the warehouse's sellable stock plus the units
 * dispatched and not completed.
 *
 * Verdict once the flows drain (every warehouse event acknowledged,
 * every consignment completed in Centra, outbox empty, no SKU dirty or in
 * a batch): for every SKU Centra's physical stock of the merchant's
 * warehouse equals the warehouse's sellable stock (AVAILABLE + ALLOCATED,
 * the default policy); in the engine's store D and R are 0 and the last
 * push is that figure; every row of its applied-event log is an effect
 * of the warehouse event of that sequence, and every effect above a
 * SKU's snapshot base is in the log (tests/support/e2e_stock_db.c).
 *
 * The seed is printed; CG_STOCK_SEED=<n> replays a run's choices (the
 * kill moments depend on timing too).
 */
#include "e2e.h"
#include "e2e_dispatch.h"
#include "e2e_stock_sides.h"
#include "e2e_stock_db.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/rand.h"
#include "base/time.h"
#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KILLS 30
#define QUIET_CYCLES 8
#define ORDERS 50
#define REPLAY_RECENT 15
#define RESERVE 6 /* orders kept for the dispatches of the checkpoint */

enum op {
  OP_ADJUST,
  OP_MOVE,
  OP_DISPATCH,
  OP_RETURN,
  OP_SNAPSHOT,
  OP_REPLAY,
  OP_N
};
static const char *const op_names[OP_N] = {
    "adjustments", "moves", "dispatches", "returns", "snapshots", "replays"};

/* Three Centra mutations a consignment and a setStock per batch: the
 * default budget of 20 mutations per 10 s would make this minutes. */
static const char *const sim_budget[] = {"--centra-mutation-budget", "100000",
                                         "--centra-request-budget", "100000",
                                         NULL};

struct prop {
  struct e2e t;
  struct cg_rand rng;
  uint64_t seed;
  struct sides_skus skus;
  long *extra_alloc; /* ALLOCATED units this test added, per SKU */
  bool snapshots;    /* snapshots allowed in this cycle */
  long keep;         /* shippable orders op_dispatch leaves alone */
  bool whole;        /* op_dispatch never splits */
  int64_t at[4];     /* ms: start, kills done, checkpoint done, drained */
  int kills;
  long rmas;
  long done[OP_N];    /* accepted by the warehouse, per kind */
  long refused[OP_N]; /* refused (not enough stock, nothing to ship) */
};

static long below(struct prop *p, long n)
{
  return (long)cg_rand_below(&p->rng, (uint64_t)n);
}

static void nap_ms(long ms)
{
  usleep((useconds_t)ms * 1000);
}

static void count(struct prop *p, enum op op, long status)
{
  if (status == 200)
    p->done[op]++;
  else if (status == 409 || status == 422)
    p->refused[op]++;
  else
    fail_msg("%s: answered %ld (seed %llu)", op_names[op], status,
             (unsigned long long)p->seed);
}

/* POSTs doc (deleted) to a warehouse control path; counts the answer. */
static void control(struct prop *p, enum op op, const char *path, cJSON *doc)
{
  char *body = cg_json_print(doc);
  cJSON_Delete(doc);
  count(p, op, sides_control(&p->t, 'g', path, body));
  cg_free(body);
}

/* --- the operations ------------------------------------------------------ */

/* Delta of an adjustment in status: AVAILABLE both ways with an upward
 * bias; ALLOCATED only up, or back down by what this test added (the
 * orders' own allocation is the warehouse's); the others both ways (a
 * refusal when there is not enough is counted, not an error). */
static long adjust_delta(struct prop *p, size_t sku, const char *status)
{
  if (strcmp(status, "AVAILABLE") == 0)
    return below(p, 2) ? 1 + below(p, 6) : -(1 + below(p, 4));
  if (strcmp(status, "ALLOCATED") != 0)
    return below(p, 2) ? 1 + below(p, 4) : -(1 + below(p, 3));
  if (p->extra_alloc[sku] > 0 && below(p, 2))
    return -(1 + below(p, p->extra_alloc[sku]));
  return 1 + below(p, 3);
}

static void op_adjust(struct prop *p)
{
  static const char *const statuses[] = {"AVAILABLE", "AVAILABLE",  "AVAILABLE",
                                         "ALLOCATED", "QUARANTINE", "DAMAGED",
                                         "BLOCKED"};
  static const char *const reasons[] = {"AA", "AU", "AV", "05", "55", "07"};
  size_t sku = (size_t)below(p, (long)p->skus.n);
  const char *status = statuses[below(p, 7)];
  long delta = adjust_delta(p, sku, status);
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_str(doc, "sku", p->skus.v[sku]);
  cg_json_add_int(doc, "delta", delta);
  cg_json_add_str(doc, "status", status);
  cg_json_add_str(doc, "reasonCode", reasons[below(p, 6)]);
  cg_json_add_str(doc, "reasonText", "property test");
  long before = p->done[OP_ADJUST];
  control(p, OP_ADJUST, "/_sim/wms/stock/adjust", doc);
  if (p->done[OP_ADJUST] > before && strcmp(status, "ALLOCATED") == 0)
    p->extra_alloc[sku] += delta;
}

static void op_move(struct prop *p)
{
  static const char *const moves[][2] = {
      {"AVAILABLE", "QUARANTINE"}, {"QUARANTINE", "AVAILABLE"},
      {"AVAILABLE", "DAMAGED"},    {"QUARANTINE", "DAMAGED"},
      {"DAMAGED", "BLOCKED"},      {"BLOCKED", "AVAILABLE"},
      {"AVAILABLE", "BLOCKED"}};
  long m = below(p, 7);
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_str(doc, "sku", p->skus.v[below(p, (long)p->skus.n)]);
  cg_json_add_int(doc, "quantity", 1 + below(p, 3));
  cg_json_add_str(doc, "fromStatus", moves[m][0]);
  cg_json_add_str(doc, "toStatus", moves[m][1]);
  cg_json_add_str(doc, "reasonCode", "AC");
  control(p, OP_MOVE, "/_sim/wms/stock/move", doc);
}

/* One of the items of list that pred accepts, at random; NULL when there
 * are no more than keep of them. */
static const cJSON *pick_one(struct prop *p, const cJSON *list,
                             bool (*pred)(const cJSON *o), long keep)
{
  const cJSON *o;
  long n = 0, i = 0;
  cJSON_ArrayForEach(o, list)
  {
    n += pred(o);
  }
  if (n <= keep)
    return NULL;
  long want = below(p, n);
  cJSON_ArrayForEach(o, list)
  {
    if (pred(o) && i++ == want)
      return o;
  }
  return NULL;
}

static bool shippable(const cJSON *o)
{
  static const char *const no[] = {"NOT_CREATED", "RECEIVED", "REJECTED",
                                   "CANCELLED",   "CLOSED",   "SHIPPED"};
  const char *st = cg_json_str(o, "status");
  for (size_t i = 0; st != NULL && i < sizeof(no) / sizeof(*no); i++)
    if (strcmp(st, no[i]) == 0)
      return false;
  return st != NULL && dispatch_units_open(o) > 0;
}

static void op_dispatch(struct prop *p)
{
  cJSON *wms = dispatch_wms_orders(&p->t);
  const cJSON *o = pick_one(p, dispatch_orders_of(wms), shippable, p->keep);
  if (o == NULL) {
    p->refused[OP_DISPATCH]++;
    cJSON_Delete(wms);
    return;
  }
  bool split = !p->whole && dispatch_units_open(o) >= 2 && below(p, 3) == 0;
  char path[160];
  snprintf(path, sizeof(path), "/_sim/wms/orders/%s/%s",
           cg_json_str(o, "orderRef"), split ? "split" : "dispatch");
  cJSON_Delete(wms);
  cJSON *doc = cJSON_CreateObject();
  if (split)
    cg_json_add_int(doc, "shipments", 2);
  control(p, OP_DISPATCH, path, doc);
}

static bool has_shipped(const cJSON *o)
{
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    if (cg_json_int(l, "shipped", 0) > 0)
      return true;
  }
  return false;
}

/* A shipped line of o, chosen at random. */
static const cJSON *shipped_line(struct prop *p, const cJSON *o)
{
  const cJSON *l, *pick = NULL;
  long n = 0;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    if (cg_json_int(l, "shipped", 0) > 0 && below(p, ++n) == 0)
      pick = l;
  }
  return pick;
}

static void op_return(struct prop *p)
{
  static const char *const disp[] = {"RESTOCK", "RESTOCK", "QUARANTINE",
                                     "DISPOSE"};
  cJSON *wms = dispatch_wms_orders(&p->t);
  const cJSON *o = pick_one(p, dispatch_orders_of(wms), has_shipped, 0);
  const cJSON *l = o ? shipped_line(p, o) : NULL;
  if (l == NULL) {
    p->refused[OP_RETURN]++;
    cJSON_Delete(wms);
    return;
  }
  char rma[64];
  snprintf(rma, sizeof(rma), "RMA-%llu-%ld", (unsigned long long)p->seed,
           ++p->rmas);
  count(p, OP_RETURN,
        sides_wms_return(&p->t, rma, cg_json_str(o, "orderRef"),
                         cg_json_str(l, "lineRef"), cg_json_str(l, "sku"),
                         1 + below(p, (long)cg_json_int(l, "shipped", 1)),
                         disp[below(p, 4)]));
  cJSON_Delete(wms);
}

/* Fresh, or stale: as of a sequence up to 30 events behind the newest
 * (never before the first event: the seeded stock is as of it). */
static void op_snapshot(struct prop *p)
{
  long last = sides_wms_last_seq(&p->t);
  cJSON *doc = cJSON_CreateObject();
  if (last > 2 && below(p, 5) < 2) {
    long back = 1 + below(p, last - 1 < 30 ? last - 1 : 30);
    cJSON_AddBoolToObject(doc, "stale", true);
    cg_json_add_int(doc, "asOfSequence", last - back);
  }
  control(p, OP_SNAPSHOT, "/_sim/wms/stock/snapshot", doc);
}

static bool replayable(const cJSON *e)
{
  const char *type = cg_json_str(e, "eventType");
  return type != NULL && (strcmp(type, "stock.adjusted") == 0 ||
                          strcmp(type, "stock.status_moved") == 0 ||
                          strcmp(type, "shipment.confirmed") == 0);
}

/* One of the last REPLAY_RECENT replayable events of list: most of them
 * above the last snapshot's sequence, where only the applied-event log
 * can tell them from new ones. */
static const cJSON *pick_recent(struct prop *p, const cJSON *list)
{
  const cJSON *e;
  long n = 0, i = 0;
  cJSON_ArrayForEach(e, list)
  {
    n += replayable(e);
  }
  long want = n - 1 - below(p, n < REPLAY_RECENT ? n : REPLAY_RECENT);
  cJSON_ArrayForEach(e, list)
  {
    if (replayable(e) && i++ == want)
      return e;
  }
  return NULL;
}

/* A stock event or consignment the warehouse published before, posted to
 * the engine's webhook again under a new event id (a redelivery after
 * the inbox forgot the first): nothing may change. */
static void op_replay(struct prop *p)
{
  cJSON *doc = e2e_get(&p->t, 'g', "/_sim/wms/events");
  const cJSON *e = pick_recent(p, cg_json_get(doc, "events"));
  if (e == NULL) {
    p->refused[OP_REPLAY]++;
    cJSON_Delete(doc);
    return;
  }
  cJSON *copy = cJSON_Duplicate(e, true);
  cJSON_Delete(doc);
  char id[64];
  snprintf(id, sizeof(id), "replay-%llu-%ld", (unsigned long long)p->seed,
           p->done[OP_REPLAY] + p->refused[OP_REPLAY]);
  cJSON_DeleteItemFromObjectCaseSensitive(copy, "_acked");
  cJSON_ReplaceItemInObjectCaseSensitive(copy, "eventId",
                                         cJSON_CreateString(id));
  char *body = cg_json_print(copy);
  cJSON_Delete(copy);
  count(p, OP_REPLAY,
        e2e_post_webhook(&p->t, "gxo", "gxo-webhook-secret", time(NULL), body));
  cg_free(body);
}

static void run_op(struct prop *p)
{
  static const enum op mix[] = {
      OP_ADJUST,   OP_ADJUST,   OP_ADJUST,   OP_ADJUST,   OP_MOVE,
      OP_MOVE,     OP_DISPATCH, OP_DISPATCH, OP_DISPATCH, OP_RETURN,
      OP_SNAPSHOT, OP_SNAPSHOT, OP_REPLAY,   OP_REPLAY};
  enum op op = mix[below(p, sizeof(mix) / sizeof(*mix))];
  if ((op == OP_SNAPSHOT && !p->snapshots) ||
      (op == OP_REPLAY && p->t.engine <= 0)) /* webhooks need the engine */
    op = OP_ADJUST;
  switch (op) {
  case OP_ADJUST:
    op_adjust(p);
    break;
  case OP_MOVE:
    op_move(p);
    break;
  case OP_DISPATCH:
    op_dispatch(p);
    break;
  case OP_RETURN:
    op_return(p);
    break;
  case OP_REPLAY:
    op_replay(p);
    break;
  default:
    op_snapshot(p);
  }
}

static void run_ops(struct prop *p, long n)
{
  for (long i = 0; i < n; i++) {
    run_op(p);
    nap_ms(below(p, 150));
  }
}

static void kill_cycle(struct prop *p, int i)
{
  p->snapshots = i < KILLS - QUIET_CYCLES;
  e2e_engine_start(&p->t);
  run_ops(p, 1 + below(p, 6));
  nap_ms(below(p, 400));
  e2e_engine_kill(&p->t);
  p->kills++;
  if (below(p, 3) == 0) /* while the engine is down */
    run_ops(p, 1 + below(p, 2));
}

/* The latency of every Centra call; with held, every completion of a
 * shipment held without an answer (never executed). The checkpoint holds
 * two at a time: the engine keeps 4 connections to Centra, and a push
 * needs a free one. */
static void centra_faults(struct prop *p, bool held)
{
  char body[400];
  snprintf(body, sizeof(body),
           "{\"replace\": true, \"rules\": [%s{\"path\": \"/graphql*\","
           " \"latencyMs\": 5, \"latencyJitterMs\": 30}]}",
           held ? "{\"path\": \"/graphql*\", \"operationName\":"
                  " \"CgCompleteShipment\", \"hangShare\": 1},"
                : "");
  dispatch_post_ok(&p->t, 'c', "/_sim/faults", body);
}

/* Centra shipments the engine created and has not completed. */
static bool completions_held(struct e2e *t, void *arg)
{
  cJSON *ships = e2e_get(t, 'c', "/_sim/centra/shipments");
  const cJSON *s;
  long n = 0;
  cJSON_ArrayForEach(s, ships)
  {
    n += cg_json_str(s, "additionalMessage") != NULL &&
         !cg_json_bool(s, "isShipped", false);
  }
  cJSON_Delete(ships);
  return n >= *(const long *)arg;
}

static void checkpoint_fail(struct prop *p)
{
  cJSON *pending = sides_pending_dispatch(&p->t);
  fprintf(stderr, "stock property: with completions held, %ld SKUs off:\n",
          sides_mismatches(&p->t, &p->skus, pending, false));
  sides_mismatches(&p->t, &p->skus, pending, true);
  cJSON_Delete(pending);
  fail_msg("Centra is not the warehouse's sellable stock plus the units "
           "dispatched and not completed (seed %llu); see %s",
           (unsigned long long)p->seed, p->t.dir);
}

/* D while it is not 0: once every earlier consignment is completed,
 * Centra holds the completions of two more; once the pushes are done
 * Centra must show the warehouse's sellable stock plus the units
 * dispatched and not completed. Then Centra lets them through (the held
 * ones are reset and the engine retries). No kill here: after a restart
 * the engine opens its Centra window one call at a time, and a held call
 * would stall every other one until its 20 s timeout. */
static void pending_checkpoint(struct prop *p)
{
  long two = 2;
  if (!dispatch_wait_settled(&p->t, 120))
    fail_msg("consignments not completed in Centra; see %s", p->t.dir);
  centra_faults(p, true);
  p->keep = 0;
  p->whole = true;
  op_dispatch(p);
  op_dispatch(p);
  if (p->done[OP_DISPATCH] < 2 || !e2e_wait(&p->t, 60, completions_held, &two))
    fail_msg("two consignments never reached Centra; see %s", p->t.dir);
  p->keep = LONG_MAX; /* no more consignments: at most two held */
  run_ops(p, 3);
  if (!sides_wait_pending_agrees(&p->t, &p->skus, 120))
    checkpoint_fail(p);
  centra_faults(p, false);
}

/* --- setup and verdict --------------------------------------------------- */

static uint64_t seed_of(void)
{
  const char *env = getenv("CG_STOCK_SEED");
  if (env != NULL && *env != '\0')
    return strtoull(env, NULL, 10);
  return (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
}

/* Centra starts off with its own figures: every SKU must be pushed. */
static void centra_random_stock(struct prop *p)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON *items = cJSON_AddArrayToObject(doc, "items");
  for (size_t i = 0; i < p->skus.n; i++) {
    cJSON *it = cJSON_CreateObject();
    cg_json_add_str(it, "sku", p->skus.v[i]);
    cg_json_add_int(it, "warehouseId", SIDES_CENTRA_WAREHOUSE);
    cg_json_add_int(it, "quantity", below(p, 60));
    cJSON_AddItemToArray(items, it);
  }
  char *body = cg_json_print(doc);
  cJSON_Delete(doc);
  dispatch_post_ok(&p->t, 'c', "/_sim/centra/stock", body);
  cg_free(body);
}

static void prop_setup(struct prop *p)
{
  memset(p, 0, sizeof(*p));
  p->seed = seed_of();
  fprintf(stderr, "stock property: seed %llu (CG_STOCK_SEED to replay)\n",
          (unsigned long long)p->seed);
  cg_rand_seed(&p->rng, p->seed);
  char *scenario = e2e_scenario(ORDERS, 0);
  struct e2e_opts o = {.scenario_json = scenario,
                       .seed = (unsigned)(p->seed % 100000) + 1,
                       .sim_args = sim_budget,
                       .subscribe_webhooks = true};
  e2e_setup(&p->t, &o);
  cg_free(scenario);
  fprintf(stderr, "stock property: in %s\n", p->t.dir);
  sides_skus_read(&p->t, &p->skus);
  assert_true(p->skus.n >= 20 && p->skus.n <= 40);
  p->extra_alloc = cg_calloc(p->skus.n, sizeof(long));
  assert_non_null(p->extra_alloc);
  centra_random_stock(p);
  dispatch_post_ok(
      &p->t, 'g', "/_sim/faults",
      "{\"webhooks\": {\"duplicateShare\": 0.3, \"reorderShare\": 0.3,"
      " \"reorderDelayMs\": 300}}");
  centra_faults(p, false);
  p->keep = RESERVE;
}

static void prop_free(struct prop *p)
{
  sides_skus_free(&p->skus);
  cg_free(p->extra_alloc);
}

static double secs(int64_t from, int64_t to)
{
  return (double)(to - from) / 1000.0;
}

static void report(struct prop *p)
{
  cJSON *wms = dispatch_wms_orders(&p->t);
  long cons = dispatch_consignments(wms);
  cJSON_Delete(wms);
  fprintf(stderr,
          "stock property: seed %llu, %d kills, %zu SKUs, %ld consignments, "
          "%ld events; %.1f s (kills %.1f, checkpoint %.1f, drain %.1f)\n",
          (unsigned long long)p->seed, p->kills, p->skus.n, cons,
          sides_wms_last_seq(&p->t), secs(p->at[0], p->at[3]),
          secs(p->at[0], p->at[1]), secs(p->at[1], p->at[2]),
          secs(p->at[2], p->at[3]));
  for (int i = 0; i < OP_N; i++)
    fprintf(stderr, "  %-12s %4ld done, %3ld refused or nothing to do\n",
            op_names[i], p->done[i], p->refused[i]);
}

static void test_stock_property(void **state)
{
  struct prop p;
  int64_t started = cg_time_now_ms();
  prop_setup(&p);
  p.at[0] = started;
  for (int i = 0; i < KILLS; i++)
    kill_cycle(&p, i);
  p.at[1] = cg_time_now_ms();
  p.snapshots = false;
  e2e_engine_start(&p.t);
  pending_checkpoint(&p);
  p.at[2] = cg_time_now_ms();
  run_ops(&p, 3);
  bool drained = sides_wait_drained(&p.t, &p.skus, 180);
  p.at[3] = cg_time_now_ms();
  report(&p);
  if (!drained) {
    fprintf(stderr, "stock property: not drained:\n");
    sides_print_drain(&p.t, &p.skus);
    fail_msg("Centra and the warehouse disagree after %d kills (seed %llu); "
             "see %s",
             p.kills, (unsigned long long)p.seed, p.t.dir);
  }
  e2e_engine_stop(&p.t);
  long logged = stockdb_verify(&p.t, &p.skus);
  fprintf(stderr, "stock property: %ld logged stock effects checked\n", logged);
  e2e_check_integrity(&p.t);
  e2e_teardown(&p.t);
  prop_free(&p);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stock_property),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
