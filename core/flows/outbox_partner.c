/*
 * outbox_partner: one budget per partner, with priorities and shares (see
 * outbox_int.h, docs/internals/store.md "Which row goes next"). Kinds are
 * grouped by partner (the name up to the first '.'); a partner's window
 * bounds its calls out, shrinks to one when it says wait and grows back
 * one per call it takes; kinds are served most urgent first, a waiting
 * call of a less urgent kind gives its slot up to a more urgent row, and
 * a kind passed over too long takes a share.
 */
#include "flows/outbox_int.h"

#include "flows/flow.h"
#include "net/call.h"

#include <stdio.h>
#include <string.h>

/* A kind passed over for this many calls of more urgent kinds of its
 * partner takes the next slot (cg__outbox_take_shares). */
#define SHARE_AFTER 4

/* Free slots of a partner now (0 while it asked us to wait). */
size_t cg__outbox_room(const struct cg_outbox *ob, const struct partner *p,
                       int64_t now)
{
  if (p->paused_until > now || p->inflight >= p->window)
    return 0;
  return p->window - p->inflight;
}

/* A RETRY for which no request left the engine (the partner asked us to
 * wait, or the mutation budget is used up): it waits for the partner's
 * deadline and does not count as an attempt, so backoff does not grow
 * while a partner throttles everyone. */
bool cg__outbox_nothing_sent(const struct cg_call_result *res)
{
  return res->outcome == CG_OUTCOME_RETRY && !cg_call_result_sent(res) &&
         res->retry_at_ms > 0;
}

/* "budget" and "paused" hold every call to the partner; "local" (e.g. an
 * SKU being looked up for another order) holds only its own row. */
static bool partner_waits(const struct cg_call_result *res)
{
  return cg__outbox_nothing_sent(res) &&
         (strcmp(res->code, "budget") == 0 || strcmp(res->code, "paused") == 0);
}

/* A partner that says wait gets one call at a time after the pause, one
 * more per call it takes, up to max_inflight: a throttled partner is not
 * sent a burst it will refuse (each refusal is a wasted deferral). */
void cg__outbox_adapt_window(struct cg_outbox *ob, struct partner *p,
                             const struct cg_call_result *res)
{
  if (partner_waits(res)) {
    p->window = 1;
    if (res->retry_at_ms > p->paused_until)
      p->paused_until = res->retry_at_ms;
  } else if (cg_call_result_sent(res) && p->window < ob->opts.max_inflight) {
    p->window++;
  }
}

/* No flow starves behind another's backlog. Kinds are served most urgent
 * first, but a kind passed over for SHARE_AFTER calls of more urgent
 * kinds of its partner takes one due row ahead of them (a share), and
 * that call keeps its slot while it waits for the budget. Under a backlog
 * of customer-visible writes each less urgent kind with rows due still
 * gets about one call in SHARE_AFTER + 1: stock and refunds keep moving,
 * and an urgent row waits for a few shares at most, never for a backlog
 * (tests/unit/test_outbox_priority.c). Calls waiting in memory for the
 * budget (all urgent ones, under a backlog) do not hold a share back: it
 * needs a slot free of calls actually out, where one finishing in this
 * pass counts as free (its slot is released only at the commit), so a
 * share may go one over the window; one share per partner and pass. It
 * meets the budget before the waiting calls (unpark). */
void cg__outbox_take_shares(struct cg_outbox *ob, int64_t now,
                            struct delivery ***starts)
{
  for (size_t k = 0; k < ob->nkinds; k++)
    ob->of_kind[k]->shared = false;
  for (size_t k = 0; k < ob->nkinds; k++) {
    struct partner *p = ob->of_kind[k];
    if (ob->passed[k] < SHARE_AFTER || p->shared || p->paused_until > now ||
        p->inflight - p->parked > p->window)
      continue;
    struct delivery **first = *starts;
    long n = cg__outbox_take_due(ob, k, now, 1, starts);
    if (n == 0)
      ob->passed[k] = 0; /* nothing waits: nothing owed */
    if (n > 0 && *first != NULL) {
      (*first)->share = true;
      ob->passed[k] = 0;
      p->shared = true;
    }
  }
}

/* A call of kind k went out: k is served, and every less urgent kind of
 * its partner is passed over once more. */
void cg__outbox_note_sent(struct cg_outbox *ob, const struct delivery *d)
{
  size_t k = (size_t)(d->kind - ob->kinds);
  ob->passed[k] = 0;
  for (size_t j = k + 1; j < ob->nkinds; j++)
    if (ob->of_kind[j] == d->partner)
      ob->passed[j]++;
}

/* The most urgent kind of partner p with a row due now; nkinds if none.
 * Kinds of other partners do not count: their budgets are their own. */
static size_t most_urgent_due(struct cg_outbox *ob, const struct partner *p,
                              int64_t now)
{
  int64_t due;
  for (size_t k = 0; k < ob->nkinds; k++)
    if (ob->of_kind[k] == p &&
        cg_store_outbox_next_due_kind(ob->flow->store, ob->kinds[k].kind, &due,
                                      NULL) == 0 &&
        due <= now)
      return k;
  return ob->nkinds;
}

/* One budget per partner, with priorities: kinds are listed most urgent
 * first. A call of a less urgent kind waiting in memory for the partner's
 * budget gives its window slot up when a more urgent kind of the same
 * partner has a row due, so 10,000 waiting bookkeeping writes cannot hold
 * back a customer-visible one. Each partner with parked calls is asked
 * once. */
void cg__outbox_yield_parked(struct cg_outbox *ob, int64_t now)
{
  for (size_t k = 0; k < ob->nkinds; k++)
    ob->of_kind[k]->urgent_known = false;
  struct delivery **at = &ob->parked;
  while (*at != NULL) {
    struct partner *p = (*at)->partner;
    if (!p->urgent_known) {
      p->urgent = most_urgent_due(ob, p, now);
      p->urgent_known = true;
    }
    if (!(*at)->share && (size_t)((*at)->kind - ob->kinds) > p->urgent)
      cg__outbox_parked_to_finished(ob, at);
    else
      at = &(*at)->next;
  }
}

/* One partner per kind prefix ("gxo", "centra"). */
struct partner *cg__outbox_partner_for(struct cg_outbox *ob, const char *kind)
{
  size_t len = strcspn(kind, ".");
  for (size_t i = 0; i < ob->nkinds; i++) {
    struct partner *p = &ob->partners[i];
    if (p->name[0] == '\0')
      snprintf(p->name, sizeof(p->name), "%.*s", (int)len, kind);
    if (strlen(p->name) == len && strncmp(p->name, kind, len) == 0)
      return p;
  }
  return &ob->partners[0]; /* unreachable: nkinds slots suffice */
}
