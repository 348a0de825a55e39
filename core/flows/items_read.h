/*
 * items_read: the parts of a read of Centra's catalogue (items_read.c)
 * that the unit tests drive without partners: a page's transaction, the
 * delta's stop rule and the sweep's cursor. items.c only uses
 * items_int.h.
 */
#ifndef CG_FLOWS_ITEMS_READ_H
#define CG_FLOWS_ITEMS_READ_H

#include "flows/items_int.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct cg_err;
struct cg_store;

#define CG_ITEMS_ISO_MAX 40 /* an updatedAt as Centra prints it */

/* The sweep cursor (CG_STORE_ITEMS_SWEEP), JSON {n, page, size, started,
 * finished}: sweep n began at wall ms started, reading size products a
 * page; page is the next page to read, 0 once it finished (at wall ms
 * finished). */
struct cg_items_sweep_pos {
  int64_t n, page, size, started, finished;
};

/* Reads the sweep cursor; a store that has none gives {0}. */
int cg__items_sweep_get(struct cg_store *s, struct cg_items_sweep_pos *out,
                        struct cg_err *err);

/* Where a sweep read of page_size products a page begins from the cursor
 * *p: its unfinished sweep's next page if that sweep reads page_size a
 * page, else (finished, never begun, or begun with another page size,
 * where its page number would be another offset) the next sweep from
 * page 1, begun at now_ms. Returns whether an unfinished sweep was cut
 * short for its page size. */
bool cg__items_sweep_resume(struct cg_items_sweep_pos *p, int64_t page_size,
                            int64_t now_ms);

/* A page and what its transaction moves. */
struct cg_items_page {
  enum cg_items_read_kind kind;
  struct cg_items_sweep_pos sweep; /* SWEEP: this page is sweep.page */
  bool last;                       /* the read ends with this page */
  const char *since; /* DELTA and last: the new watermark (moved only
                      * forward, never set where there is none: a
                      * finished sweep sets the first); NULL = keep it */
};

/* Writes one page in one transaction: each size of data.sizes (the
 * answer of cg_centra_fetch_items) as its plan in plans (the reply of
 * cg_rulehost_plans, one item per size) built it; RULE_ERROR for a size
 * the plan failed on (its row kept); an item breaking the contract
 * written then refused; and the page's cursor. *built (may be NULL) gets
 * the sizes written. On failure nothing of the page is kept. */
int cg__items_page_apply(struct cg_items *it, const struct cg_items_page *pg,
                         const cJSON *data, const cJSON *plans, int64_t *built,
                         struct cg_err *err);

/* The delta's stop rule: whether data (a page of limit products, newest
 * first) is its last: fewer products than limit, no watermark (since_ms
 * 0: one page only), or its oldest product older than since_ms less
 * CG_ITEMS_OVERLAP_MS. */
bool cg__items_delta_last(const cJSON *data, int limit, int64_t since_ms);

#endif
