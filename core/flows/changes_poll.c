/*
 * changes_poll: the poll for orders the engine exported (changes.h). The
 * safety-net poll lists only confirmed orders that are not on hold, so it
 * never sees an exported order cancelled or held in Centra; with the
 * events queue off (or an event lost) nothing else would. After each
 * pass of the safety-net poll that brought no new order (intake.c: new
 * orders come first under Centra's shared budget) this reads the next
 * page of the orders the store holds as queued, sent or accepted, by
 * number (CgOrdersByNumbers, one request of up to FOLLOW_PAGE orders),
 * and takes each through cg_orders_take, which keeps only the versions
 * that change what the warehouse must know.
 *
 *   tick: store page (state, offset) -> numbers -> Centra by number
 *         -> cg_orders_take each (one transaction) -> next page / state
 *
 * A full round over N exported orders takes N / FOLLOW_PAGE such passes.
 */
#include "flows/changes.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "centra/centra.h"
#include "flows/flow.h"
#include "flows/inbox.h"
#include "flows/orders.h"
#include "flows/outbox.h"
#include "store/store.h"

#include <stdlib.h>

#define FOLLOW_PAGE 100

static const enum cg_store_order_state FOLLOWED[] = {
    CG_STORE_ORDER_QUEUED, CG_STORE_ORDER_SENT, CG_STORE_ORDER_ACCEPTED};
#define NFOLLOWED (sizeof(FOLLOWED) / sizeof(*FOLLOWED))

struct cg_changes_poll {
  struct cg_flow *f;
  bool busy;
  size_t state;  /* index into FOLLOWED */
  int64_t after; /* the store's cursor in that state's orders */
  int64_t numbers[FOLLOW_PAGE];
};

struct cg_changes_poll *cg_changes_poll_create(struct cg_flow *f)
{
  struct cg_changes_poll *p = cg_calloc(1, sizeof(*p));
  if (p != NULL)
    p->f = f;
  return p;
}

void cg_changes_poll_destroy(struct cg_changes_poll *p)
{
  cg_free(p);
}

bool cg_changes_poll_busy(const struct cg_changes_poll *p)
{
  return p != NULL && p->busy;
}

/* The next page's numbers (a keyed page: its cost, not the table's);
 * moves to the next state after a short page. */
static size_t next_page(struct cg_changes_poll *p)
{
  struct cg_store_count_list list = {0};
  size_t n = 0;
  int rc = cg_store_order_page_in_state(p->f->store, FOLLOWED[p->state],
                                        p->after, FOLLOW_PAGE, &list, NULL);
  for (size_t i = 0; rc == 0 && i < list.n; i++) {
    int64_t number = strtoll(list.items[i].name, NULL, 10);
    if (number > 0)
      p->numbers[n++] = number;
  }
  bool full = rc == 0 && list.n >= FOLLOW_PAGE;
  p->after = full ? list.items[list.n - 1].count : 0;
  if (!full)
    p->state = (p->state + 1) % NFOLLOWED;
  cg_store_count_list_clear(&list);
  return n;
}

static void cb_follow(struct cg_call_result *res, void *arg)
{
  struct cg_changes_poll *p = arg;
  struct cg_err err = {0};
  p->busy = false;
  if (res->outcome != CG_OUTCOME_OK) {
    cg_log_debug("changes", "[merchant=%s] follow poll: %s (%s); next tick",
                 p->f->merchant, res->code, res->message);
    return;
  }
  bool open = cg_inbox_batch_begin(p->f, NULL) == 0;
  const cJSON *order;
  cJSON_ArrayForEach(order, res->data)
  {
    if (cg_orders_take(p->f, order, "follow", &err) != 0)
      cg_log_error("changes", "[merchant=%s] followed order not recorded: %s",
                   p->f->merchant, err.msg);
  }
  if (open)
    cg_inbox_batch_end(p->f, NULL);
  cg_outbox_kick(p->f->outbox);
}

void cg_changes_poll_tick(struct cg_changes_poll *p)
{
  if (p == NULL || p->busy)
    return;
  size_t n = 0;
  for (size_t i = 0; i < NFOLLOWED && n == 0; i++)
    n = next_page(p);
  if (n > 0)
    p->busy = cg_centra_fetch_orders_by_number(p->f->centra, p->numbers, n,
                                               cb_follow, p) == 0;
}
