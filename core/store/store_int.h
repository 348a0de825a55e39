/*
 * store_int: internals shared by the store_*.c files and the store unit
 * tests. Not for other layers: they use store.h.
 *
 * Every SQL statement the store runs is listed in enum cg__st and its text
 * lives in store_sql.c; cg_store_open() prepares all of them once
 * (SQLITE_PREPARE_PERSISTENT) and each call binds, steps, checks, resets
 * and clears bindings (cg__store_bind / cg__store_done).
 */
#ifndef CG_STORE_STORE_INT_H
#define CG_STORE_STORE_INT_H

#include "store/store_types.h"

#include <sqlite3.h>

struct cg_err;

enum cg__st {
  /* store.c: transactions, savepoints, checks */
  CG__ST_BEGIN,
  CG__ST_COMMIT,
  CG__ST_ROLLBACK,
  CG__ST_SAVEPOINT,
  CG__ST_RELEASE,
  CG__ST_ROLLBACK_TO,
  CG__ST_INTEGRITY,
  CG__ST_PRUNE_INBOX,
  CG__ST_PRUNE_OUTBOX,
  /* store_inbox.c */
  CG__ST_INBOX_PUT,
  CG__ST_INBOX_FIND,
  CG__ST_INBOX_PENDING,
  CG__ST_INBOX_GET,
  CG__ST_INBOX_MARK,
  /* store_outbox.c */
  CG__ST_OUTBOX_PUT,
  CG__ST_OUTBOX_FIND,
  CG__ST_OUTBOX_DUE_KIND,
  CG__ST_OUTBOX_INFLIGHT,
  CG__ST_OUTBOX_DONE,
  CG__ST_OUTBOX_RETRY,
  CG__ST_OUTBOX_DEFER,
  CG__ST_OUTBOX_FAIL,
  CG__ST_OUTBOX_REQUEUE,
  CG__ST_OUTBOX_RESET,
  CG__ST_OUTBOX_NEXT_DUE_KIND,
  CG__ST_OUTBOX_ENTITY_COUNT,
  CG__ST_OUTBOX_DEPTH,
  CG__ST_OUTBOX_COUNTS,
  CG__ST_OUTBOX_KINDS,
  CG__ST_OUTBOX_OPEN_OF_KIND,
  CG__ST_OUTBOX_GET,
  CG__ST_OUTBOX_LIST,
  CG__ST_OUTBOX_LIST_ENTITY,
  /* store_orders.c */
  CG__ST_ORDER_UPSERT,
  CG__ST_ORDER_GET,
  CG__ST_ORDER_SET_STATE,
  CG__ST_ORDER_ADVANCE,
  CG__ST_ORDER_LIST,
  CG__ST_ORDER_PAGE_IN_STATE,
  CG__ST_ORDER_COUNTS,
  CG__ST_ORDER_HAS_LINES,
  CG__ST_ORDER_STATE,
  CG__ST_LINES_DELETE,
  CG__ST_LINES_INSERT,
  CG__ST_LINES_LIST,
  /* store_exceptions.c */
  CG__ST_EXC_RAISE,
  CG__ST_EXC_GET,
  CG__ST_EXC_LIST,
  CG__ST_EXC_LIST_RETRY,
  CG__ST_EXC_RESOLVE,
  CG__ST_EXC_RESOLVE_ENTITY,
  CG__ST_EXC_RESOLVE_TYPED,
  CG__ST_EXC_RETRY,
  CG__ST_EXC_OPEN_COUNTS,
  CG__ST_EXC_OPEN_ID,
  /* store_audit.c */
  CG__ST_AUDIT_APPEND,
  CG__ST_AUDIT_LIST,
  CG__ST_CURSOR_GET,
  CG__ST_CURSOR_SET,
  CG__ST_RULEGEN_RECORD,
  CG__ST_RULEGEN_LATEST,
  CG__ST_RULESRC_SAVE,
  CG__ST_RULESRC_LATEST,
  CG__ST_RULESRC_TRIM,
  /* store_dispatch.c */
  CG__ST_DISPATCH_INSERT,
  CG__ST_DISPATCH_GET,
  CG__ST_DISPATCH_UPDATE,
  CG__ST_DISPATCH_LINES_DELETE,
  CG__ST_DISPATCH_LINES_INSERT,
  CG__ST_DISPATCH_LINES_LIST,
  CG__ST_DISPATCH_LINES_ORDER,
  CG__ST_DISPATCH_PARCEL_INSERT,
  CG__ST_DISPATCH_PARCELS_LIST,
  /* store_remainder.c */
  CG__ST_REMAINDER_INSERT,
  CG__ST_REMAINDER_GET,
  CG__ST_REMAINDER_UPDATE,
  CG__ST_REMAINDER_LINE_INSERT,
  CG__ST_REMAINDER_LINES_LIST,
  CG__ST_REMAINDER_ORDER_SUM,
  CG__ST_REMAINDER_ORDER_SHIPPED,
  CG__ST_REMAINDER_INTEND,
  CG__ST_REMAINDER_INTENTS_CLEAR,
  CG__ST_REMAINDER_ORDER_OWN,
  CG__ST_REMAINDER_RESOLVED_HELD,
  CG__ST_CAPTURE_PUT,
  CG__ST_CAPTURE_NOTE,
  CG__ST_CAPTURE_GET,
  /* store_monitor.c */
  CG__ST_SLA_DUE,
  CG__ST_SLA_SET,
  CG__ST_SLA_GET,
  CG__ST_SLA_COUNTS,
  /* store_stock.c */
  CG__ST_STOCK_ENSURE,
  CG__ST_STOCK_GET,
  CG__ST_STOCK_LEVELS,
  CG__ST_STOCK_EVENT_LOG,
  CG__ST_STOCK_LEVEL_ADD,
  CG__ST_STOCK_MARK,
  CG__ST_STOCK_DISPATCH_PUT,
  CG__ST_STOCK_DISPATCH_LIST,
  CG__ST_STOCK_DISPATCH_FORGET,
  CG__ST_STOCK_DISPATCH_RESOLVED,
  CG__ST_STOCK_UNLISTED,
  CG__ST_STOCK_DIRTY,
  CG__ST_STOCK_DIRTY_COUNT,
  CG__ST_STOCK_DIRTY_ATLEAST,
  CG__ST_STOCK_BATCH_TAKE,
  CG__ST_STOCK_BATCH_DONE,
  CG__ST_STOCK_CLEAN,
  CG__ST_STOCK_HOLD,
  CG__ST_STOCK_CENTRA_SEEN,
  CG__ST_STOCK_SEQ_STATE,
  CG__ST_STOCK_SEQ_SET,
  CG__ST_STOCK_SEQ_PUT,
  CG__ST_STOCK_SEQ_TAKE,
  CG__ST_STOCK_SEQ_HOLE,
  CG__ST_STOCK_SEQ_COVER,
  CG__ST_STOCK_SEQ_DROP_AHEAD,
  CG__ST_STOCK_EVENTS_DROP_AHEAD,
  CG__ST_STOCK_SEQ_MAX,
  CG__ST_STOCK_HELD,
  /* store_stock_stage.c: a snapshot page and a Centra page, set-based */
  CG__ST_STOCK_STAGE_LEVEL,
  CG__ST_STOCK_STAGE_SKU,
  CG__ST_STOCK_STAGE_SKUS,
  CG__ST_STOCK_STAGE_STALE,
  CG__ST_STOCK_STAGE_STALE_LEVELS,
  CG__ST_STOCK_STAGE_EVENTS,
  CG__ST_STOCK_STAGE_OLD,
  CG__ST_STOCK_STAGE_MARK,
  CG__ST_STOCK_STAGE_WRITE,
  CG__ST_STOCK_STAGE_PRUNE,
  CG__ST_STOCK_STAGE_BASE,
  CG__ST_STOCK_STAGE_ROWS,
  CG__ST_STOCK_STAGE_LISTED,
  CG__ST_STOCK_APPLYING_SET,
  CG__ST_STOCK_BASES,
  CG__ST_STOCK_LISTED_CLEAR,
  CG__ST_STOCK_APPLIED_PRUNE,
  CG__ST_STOCK_APPLYING_CLEAR,
  CG__ST_STOCK_LISTED_PUT,
  CG__ST_STOCK_IMAGE_ROWS,
  CG__ST_STOCK_IMAGE_LEVELS,
  CG__ST_STOCK_IMAGE_EVENTS,
  CG__ST_STOCK_UNCONFIRMED,
  CG__ST_STOCK_PAGED_PUT,
  CG__ST_STOCK_PAGED_OF,
  CG__ST_STOCK_PAGED_CLEAR,
  CG__ST_STOCK_STAGE_CLEAR,
  CG__ST_STOCK_STAGE_CLEAR_SKUS,
  CG__ST_STOCK_CSTAGE_PUT,
  CG__ST_STOCK_CSTAGE_SKIP,
  CG__ST_STOCK_CSTAGE_READ,
  CG__ST_STOCK_CSTAGE_SEEN,
  CG__ST_STOCK_CSTAGE_CLEAR,
  CG__ST_ITEM_GET,
  CG__ST_ITEM_STATE,
  CG__ST_ITEMS_LIST_STATE,
  CG__ST_ITEMS_LIST_OPEN,
  CG__ST_ITEMS_COUNTS,
  CG__ST_ITEM_SOURCE,
  CG__ST_ITEM_DIRTY,
  CG__ST_ITEMS_DUE,
  CG__ST_ITEMS_ANY_DUE,
  CG__ST_ITEM_BATCH_SET,
  CG__ST_ITEMS_BATCH_FREE,
  CG__ST_ITEM_ANSWER,
  CG__ST_ITEM_UNBATCH,
  CG__ST_ITEM_ANSWER_NEW,
  CG__ST_ITEM_RESEND,
  CG__ST_ITEM_PLACEHOLDER,
  CG__ST_ITEM_WAIT_PUT,
  CG__ST_ITEM_WAITERS,
  CG__ST_ITEM_WAITS_OF,
  CG__ST_ITEM_WAIT_REMOVE,
  CG__ST_ITEM_WAITS_CLEAR,
  /* store_returns.c */
  CG__ST_RETURN_PUT,
  CG__ST_RETURN_LINE_PUT,
  CG__ST_RETURN_LINES_DELETE,
  CG__ST_RETURN_GET,
  CG__ST_RETURN_LINES,
  CG__ST_RETURN_BY_ORDER,
  CG__ST_RETURN_SET_STEP,
  CG__ST_RETURN_SET_RECEIPT,
  CG__ST_RETURN_SET_PLAN,
  CG__ST_RETURN_LINE_RECEIVED,
  CG__ST_RETURN_LINE_DECISION,
  CG__ST_RETURN_ORDER_LINE,
  CG__ST_RETURN_SKU_SUMS,
  CG__ST_RETURN_RESTOCK_CENTRA,
  CG__ST_RETURN_RESTOCK_WAREHOUSE,
  CG__ST_RETURN_HELD_RESOLVED,
  CG__ST_RETURN_COUNTS,
  CG__ST_COUNT
};

/* Column lists shared by a SELECT in store_sql.c and the row reader that
 * consumes it; keep each pair in the same order. */
#define CG__INBOX_COLS                                                         \
  "id, source, msg_id, kind, payload, received_at, processed_at, outcome, "    \
  "error"
#define CG__OUTBOX_COLS                                                        \
  "id, kind, entity_key, idempotency_key, payload, state, attempts, "          \
  "created_at, next_attempt_at, updated_at, last_status, last_error"
#define CG__ORDER_COLS                                                         \
  "number, centra_id, centra_status, state, payload, hold_reason, "            \
  "rule_generation, gxo_ref, created_at, updated_at"
#define CG__EXC_COLS                                                           \
  "id, type, entity_kind, entity_key, message, rule_generation, owner, "       \
  "severity, state, count, first_seen, last_seen, resolved_at, "               \
  "resolved_by, resolution_note, retry_requested_at"
#define CG__DISPATCH_COLS                                                      \
  "shipment_id, order_number, payload, step, centra_id, stamp, captured, "     \
  "hold_reason, created_at, updated_at, create_sent_at"
#define CG__REMAINDER_COLS                                                     \
  "id, order_number, event, payload, step, hold_reason, created_at, "          \
  "updated_at"
#define CG__SLA_COLS                                                           \
  "order_number, accepted_at, state, warn_at, deadline, due_text, next_at, "   \
  "breached_at, ended_at, end_reason"
#define CG__ITEM_COLS                                                          \
  "sku, state, doc, hash, answered_hash, reason, product_id, size_id, "        \
  "source_updated_at, dirty_since, urgent, batch, seen_sweep, first_seen, "    \
  "answered_at, updated_at"
#define CG__STOCK_COLS                                                         \
  "sku, base_seq, version, pending_dispatch, pending_return, pushed, "         \
  "pushed_qty, pushed_version, pushed_at, dirty_since, batch, held, "          \
  "centra_known, centra_qty, reconciled_at, updated_at"
/* The same columns of `stock s` in a join (store_stock_stage.c). */
#define CG__STOCK_COLS_S                                                       \
  "s.sku, s.base_seq, s.version, s.pending_dispatch, s.pending_return, "       \
  "s.pushed, s.pushed_qty, s.pushed_version, s.pushed_at, s.dirty_since, "     \
  "s.batch, s.held, s.centra_known, s.centra_qty, s.reconciled_at, "           \
  "s.updated_at"
#define CG__RETURN_COLS                                                        \
  "id, order_number, step, initial_status, comment, receipt_id, receipt, "     \
  "plan, hold_reason, created_at, updated_at"
#define CG__RETURN_LINE_COLS                                                   \
  "line_id, line_ref, sku, advised, received, condition, disposition, "        \
  "decision, centra_restocked, warehouse_restocked"
#define CG__AUDIT_COLS                                                         \
  "id, at, entity_kind, entity_key, action, detail, rule_generation"

struct cg_store {
  sqlite3 *db;
  char *path;
  char comp[96]; /* log component: "store:merchant=<name>" */
  int schema_version;
  bool in_tx;
  bool lazy;        /* in a cg_store_begin_lazy transaction */
  const char *sync; /* the configured synchronous (FULL, NORMAL, ...) */
  int busy_ms;      /* the connection's busy timeout */
  uint64_t commits; /* transactions committed (sqlite3_commit_hook) */
  sqlite3_stmt *st[CG__ST_COUNT];
  struct cg__stock_image *stock_image; /* a reconcile's, or NULL */
};

/* One numbered migration step: SQL run inside one transaction. */
struct cg__migration {
  int version; /* 1, 2, 3 ... in order, no gaps */
  const char *name;
  const char *sql; /* several statements allowed */
  bool rebuild;    /* rebuilds a table (create, copy, drop, rename): runs
                      with foreign keys off and fails if the result breaks
                      one (PRAGMA foreign_key_check) */
};

/* SQL text of every statement, indexed by enum cg__st (store_sql.c). */
extern const char *const cg__store_sql[CG__ST_COUNT];
/* The migration steps of the schema, in order (store_schema.c). */
extern const struct cg__migration cg__store_migrations[];
extern const size_t cg__store_migrations_count;

/* Applies steps[] whose version is above the file's user_version, each in
 * its own BEGIN IMMEDIATE transaction that also records the step in
 * schema_migrations and sets user_version. Refuses (CG_EDB) a file whose
 * version is above the last step. *version gets the final version. */
int cg__store_migrate(sqlite3 *db, const char *path,
                      const struct cg__migration *steps, size_t n, int *version,
                      struct cg_err *err);

/* Fills err with CG_EDB "<what>: <sqlite message> (code N)" for rc and
 * returns CG_EDB. */
int cg__store_dberr(sqlite3 *db, int rc, const char *what, struct cg_err *err);

/* Binds args to st by a format: 's' text (NULL binds NULL), 'I' int64_t,
 * 'i' int, 'n' NULL (no argument). Text is bound SQLITE_STATIC, so the
 * caller's strings must live until cg__store_done(). On failure the
 * statement is reset and CG_EDB (or CG_EINVAL for a bad format) returned. */
int cg__store_bind(struct cg_store *s, sqlite3_stmt *st, struct cg_err *err,
                   const char *fmt, ...);

/* Resets st and clears its bindings, ready for the next use. */
void cg__store_done(sqlite3_stmt *st);

/* Steps a statement that returns no rows (or only RETURNING rows to
 * ignore) to SQLITE_DONE, then cg__store_done(). Returns 0 or CG_EDB. */
int cg__store_exec(struct cg_store *s, sqlite3_stmt *st, const char *what,
                   struct cg_err *err);

/* Steps st once expecting one row: 0 leaves the row readable (caller
 * then calls cg__store_done), CG_ENOTFOUND (statement done) or CG_EDB
 * (statement done). */
int cg__store_step_row(struct cg_store *s, sqlite3_stmt *st, const char *what,
                       struct cg_err *err);

/* Owned copy of a text column (NULL for SQL NULL) in *out. CG_ENOMEM on
 * allocation failure. */
int cg__store_col_text(sqlite3_stmt *st, int col, char **out);

/* Reads the current row of st into the row struct at row; 0 or CG_ENOMEM
 * (the row is then partially filled and must be cleared by the caller). */
typedef int (*cg__store_read_fn)(sqlite3_stmt *st, void *row);
typedef void (*cg__store_clear_fn)(void *row);

/* Steps st to the end, appending one row struct of elem_size per result
 * row to *items (cg_realloc), read with read. On failure every row read
 * so far is cleared, *items freed and zeroed. Always ends with
 * cg__store_done(st). */
int cg__store_rows(struct cg_store *s, sqlite3_stmt *st, size_t elem_size,
                   cg__store_read_fn read, cg__store_clear_fn clear,
                   void **items, size_t *n, const char *what,
                   struct cg_err *err);

/* Reads a (text, count) result into out (store_exceptions.c). */
int cg__store_count_list(struct cg_store *s, sqlite3_stmt *st,
                         struct cg_store_count_list *out, const char *what,
                         struct cg_err *err);

/* Reads a (text, count) result into counts[] by matching the text against
 * names[0..n). Unknown names are ignored. */
int cg__store_count_by_name(struct cg_store *s, sqlite3_stmt *st,
                            const char *const *names, size_t n, int64_t *counts,
                            const char *what, struct cg_err *err);

/* Wraps a multi-statement write in SAVEPOINT ... RELEASE so it is atomic
 * inside or outside a caller's transaction. end(ok=false) rolls back to
 * the savepoint. */
int cg__store_sp_begin(struct cg_store *s, struct cg_err *err);
int cg__store_sp_end(struct cg_store *s, bool ok, struct cg_err *err);

struct cg_store_stock;
/* Reads columns 0..15 (CG__STOCK_COLS order) of st into o (store_stock.c);
 * CG_ENOMEM when the SKU could not be copied. */
int cg__store_stock_read(sqlite3_stmt *st, struct cg_store_stock *o);
/* Creates the connection's TEMP staging tables of the stock reconcile
 * (store_stock_stage.c); at open, before the statements are prepared.
 * Not a schema step: they live and die with the connection. */
int cg__store_stock_stage_init(sqlite3 *db, struct cg_err *err);
/* cg_store_stock_stage_apply for one SKU's own snapshot: its row's base
 * is set and its log pruned (cg_store_stock_snapshot_sku). */
int cg__store_stock_stage_apply_sku(struct cg_store *s, int64_t as_of_seq,
                                    int64_t now_ms, int64_t *stale,
                                    struct cg_err *err);
/* Makes room for item n (0-based) in *items of *cap items of elem bytes,
 * doubling (store_util.c). CG_ENOMEM leaves *items as it was. */
int cg__store_grow(void **items, size_t *cap, size_t n, size_t elem);
/* Every write of a SKU's stock row or levels notes the SKU in the
 * reconcile's image, if one is held (store_stock_image.c): the image no
 * longer speaks for it. Cheap when none is held. */
void cg__store_stock_image_touch(struct cg_store *s, const char *sku);
/* Frees the image, if any (at close). */
void cg__store_stock_image_free(struct cg_store *s);

#endif
