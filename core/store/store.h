/*
 * store: one SQLite file per merchant (WAL, synchronous=FULL by default,
 * versioned migrations, every statement prepared once at open).
 *
 *   intake --> inbox_put            [commit]
 *   flow   --> begin
 *                order_upsert / order_set_state / order_lines_replace
 *                outbox_put ...  audit_append  exception_raise
 *              commit               [one commit]
 *   delivery --> outbox_due_kind -> outbox_mark_inflight -> HTTP ->
 *                outbox_done | outbox_retry | outbox_fail   [commit]
 *
 * Rules every function follows (see store_types.h for row ownership):
 *
 *   - Returns 0 or a negative CG_E*; details go to err (may be NULL).
 *     SQLite failures are CG_EDB with SQLite's own message in err->msg.
 *   - A struct cg_store is used from one thread only (the merchant's loop
 *     thread). Calls block for their own disk I/O (a durable commit waits
 *     for fsync) and at most busy_timeout_ms for a lock held by another
 *     process (the CLI, a backup).
 *   - Outside cg_store_begin()/commit() every write is its own durable
 *     transaction; inside, writes become durable at commit. A write that
 *     fails inside a transaction undoes only its own statement: the
 *     caller decides whether to roll back (flows should).
 *   - Secrets (tokens, client secrets) are never passed to the store.
 */
#ifndef CG_STORE_STORE_H
#define CG_STORE_STORE_H

#include "store/store_types.h"

struct cg_err;

/* ---- lifetime ----------------------------------------------------------*/

/* Opens (creating if missing) the store at opts->path, applies pending
 * migrations (one transaction per step) and prepares every statement.
 * Refuses with CG_EDB a file whose schema version is newer than
 * CG_STORE_SCHEMA_VERSION (written by a newer engine); refuses bad opts
 * with CG_EINVAL. On success *out owns the connection; on failure *out is
 * NULL and nothing is left open. */
int cg_store_open(const struct cg_store_opts *opts, struct cg_store **out,
                  struct cg_err *err);

/* Rolls back an open transaction, finalizes every statement, checkpoints
 * and closes. NULL is a no-op. */
void cg_store_close(struct cg_store *s);

/* Transactions committed through this connection since open (explicit
 * and autocommit writes alike); logged at close. For benchmarks and
 * metrics. */
uint64_t cg_store_commits(const struct cg_store *s);

/* Schema version of the open file (== CG_STORE_SCHEMA_VERSION). */
int cg_store_schema_version(const struct cg_store *s);

/* Runs PRAGMA integrity_check. 0 when SQLite answers "ok"; CG_EDB with the
 * first problem reported otherwise. Reads the whole file: for start-up,
 * the CLI and tests, not for the loop's hot path. */
int cg_store_integrity_check(struct cg_store *s, struct cg_err *err);

/* Retention: deletes processed inbox rows and done outbox rows whose last
 * change is older than before_ms, in one transaction. Pending, inflight
 * and failed rows, orders, exceptions and audit are never pruned. A pruned
 * inbox row no longer dedupes a redelivery of that message, so keep
 * before_ms well past every source's redelivery window (days, not hours).
 * *inbox / *outbox (may be NULL) get the counts deleted. */
int cg_store_prune(struct cg_store *s, int64_t before_ms, int64_t *inbox,
                   int64_t *outbox, struct cg_err *err);

/* ---- transactions ------------------------------------------------------*/

/* BEGIN IMMEDIATE: takes the write lock now (waiting up to the busy
 * timeout). CG_EINVAL if a transaction is already open (no nesting). */
int cg_store_begin(struct cg_store *s, struct cg_err *err);
/* COMMIT: everything since begin becomes durable at once. On failure the
 * transaction is rolled back and nothing of it is kept. CG_EINVAL if no
 * transaction is open. */
int cg_store_commit(struct cg_store *s, struct cg_err *err);
/* BEGIN IMMEDIATE of a transaction whose commit does not wait for the
 * disk (synchronous=NORMAL for it alone: the WAL is not synced). It is
 * atomic and survives the process's death like any other; only a power
 * loss (or OS crash) before the next durable commit may lose it, and any
 * later durable commit makes it durable too (the WAL is synced in
 * order). For work that is simply redone when lost: the stock
 * reconcile's pages, a fsync each otherwise. Ended by cg_store_commit or
 * cg_store_rollback, which restore the configured level. */
int cg_store_begin_lazy(struct cg_store *s, struct cg_err *err);
/* ROLLBACK. A no-op returning 0 when no transaction is open, so it is safe
 * on every error path. */
int cg_store_rollback(struct cg_store *s, struct cg_err *err);
/* A savepoint: a unit inside the open transaction (or, outside one, its
 * own transaction) that can be undone alone. savepoint_end(keep=true)
 * releases it into the enclosing transaction; keep=false undoes every
 * write since the savepoint. Savepoints nest. Group commit uses them: a
 * batch of messages in one transaction, each message in a savepoint, so
 * one failing message does not undo the others. */
int cg_store_savepoint(struct cg_store *s, struct cg_err *err);
int cg_store_savepoint_end(struct cg_store *s, bool keep, struct cg_err *err);
/* True between begin and commit/rollback. */
bool cg_store_in_tx(const struct cg_store *s);
/* True inside any transaction: begin's, or a savepoint's of its own. */
bool cg_store_in_any_tx(const struct cg_store *s);

/* ---- inbox (store_inbox.c) ----------------------------------------------*/

/* Records a message as received. Deduplicated by (source, msg_id): a
 * duplicate returns CG_EEXIST and changes nothing (*id, if not NULL, is set
 * to the existing row's id). payload is kept verbatim. */
int cg_store_inbox_put(struct cg_store *s, const char *source,
                       const char *msg_id, const char *kind,
                       const char *payload, int64_t *id, struct cg_err *err);
/* Up to limit unprocessed rows, oldest first. Free with
 * cg_store_inbox_list_clear(). */
int cg_store_inbox_pending(struct cg_store *s, size_t limit,
                           struct cg_store_inbox_list *out, struct cg_err *err);
/* Whether a message (source, msg_id) is already recorded: 0 and *id when
 * it is, CG_ENOTFOUND when not. Lets intake skip a duplicate before
 * building its payload. */
int cg_store_inbox_find(struct cg_store *s, const char *source,
                        const char *msg_id, int64_t *id, struct cg_err *err);
/* One row by id; CG_ENOTFOUND if none. */
int cg_store_inbox_get(struct cg_store *s, int64_t id,
                       struct cg_store_inbox_row *out, struct cg_err *err);
/* Marks a row processed with an outcome (e.g. "queued", "held", "ignored")
 * and an optional error text. CG_ENOTFOUND if no such row. Marking twice
 * overwrites the outcome. */
int cg_store_inbox_mark(struct cg_store *s, int64_t id, const char *outcome,
                        const char *error, struct cg_err *err);
void cg_store_inbox_row_clear(struct cg_store_inbox_row *row);
void cg_store_inbox_list_clear(struct cg_store_inbox_list *list);

/* ---- outbox (store_outbox.c) --------------------------------------------*/

/* Enqueues a partner call in state pending, due at not_before_ms (0 =
 * now). (kind, idempotency_key) is unique: a replayed flow step gets
 * CG_EEXIST, nothing is enqueued and *id (if not NULL) is the existing
 * row. Call inside the flow's transaction. */
int cg_store_outbox_put(struct cg_store *s, const char *kind,
                        const char *entity_key, const char *idempotency_key,
                        const char *payload, int64_t not_before_ms, int64_t *id,
                        struct cg_err *err);
/* Up to limit pending rows of one kind with next_attempt_at <= now_ms,
 * ordered by next_attempt_at then id (each partner's rows are taken
 * within its own in-flight bound). Free with cg_store_outbox_list_clear().
 */
int cg_store_outbox_due_kind(struct cg_store *s, const char *kind,
                             int64_t now_ms, size_t limit,
                             struct cg_store_outbox_list *out,
                             struct cg_err *err);
/* pending -> inflight, before the HTTP call. CG_ENOTFOUND if no such row;
 * CG_EINVAL if the row is not pending. */
int cg_store_outbox_mark_inflight(struct cg_store *s, int64_t id,
                                  struct cg_err *err);
/* inflight -> done; attempts+1, last_status = http_status. CG_ENOTFOUND /
 * CG_EINVAL (not inflight) as above. */
int cg_store_outbox_done(struct cg_store *s, int64_t id, int http_status,
                         struct cg_err *err);
/* inflight -> pending; attempts+1, next_attempt_at, last_status (0 for a
 * transport error) and last_error recorded. progressed: the attempt
 * committed a step of a multi-call delivery before it failed, so the
 * count starts again (attempts = 1) and the backoff with it. */
int cg_store_outbox_retry(struct cg_store *s, int64_t id,
                          int64_t next_attempt_at, int http_status,
                          const char *error, bool progressed,
                          struct cg_err *err);
/* inflight -> pending at next_attempt_at WITHOUT counting an attempt:
 * nothing was sent (the partner asked us to wait, or the budget is used
 * up), so the backoff must not grow. reason goes to last_error. */
int cg_store_outbox_defer(struct cg_store *s, int64_t id,
                          int64_t next_attempt_at, const char *reason,
                          struct cg_err *err);
/* inflight -> failed (permanent; the dead-letter set); attempts+1. */
int cg_store_outbox_fail(struct cg_store *s, int64_t id, int http_status,
                         const char *error, struct cg_err *err);
/* failed -> pending, due at now_ms, attempts reset to 0 ("exceptions
 * retry"). last_error is kept for the record. CG_EINVAL if not failed. */
int cg_store_outbox_requeue(struct cg_store *s, int64_t id, int64_t now_ms,
                            struct cg_err *err);
/* On boot, before delivery starts: every inflight row back to pending
 * (due now; the outcome is unknown, the idempotency key makes the resend
 * safe). *count (may be NULL) gets the number of rows reset. */
int cg_store_outbox_reset_inflight(struct cg_store *s, int64_t *count,
                                   struct cg_err *err);
/* Earliest next_attempt_at among pending rows of one kind, for arming a
 * timer; CG_ENOTFOUND when none. */
int cg_store_outbox_next_due_kind(struct cg_store *s, const char *kind,
                                  int64_t *at_ms, struct cg_err *err);
/* Rows of any state with this kind and entity key (e.g. how many times an
 * order was sent). */
int cg_store_outbox_count_entity(struct cg_store *s, const char *kind,
                                 const char *entity_key, int64_t *count,
                                 struct cg_err *err);
/* pending + inflight rows. */
int cg_store_outbox_depth(struct cg_store *s, int64_t *depth,
                          struct cg_err *err);
/* Rows per state, indexed by enum cg_store_outbox_state. */
int cg_store_outbox_counts(struct cg_store *s,
                           int64_t counts[CG_STORE_OUTBOX_NSTATES],
                           struct cg_err *err);
/* How many rows of kind are pending or inflight (through the kind's
 * indexes: the cost is those rows, not the outbox). */
int cg_store_outbox_open_of_kind(struct cg_store *s, const char *kind,
                                 int64_t *n, struct cg_err *err);
/* Pending and inflight rows per kind, by kind (a boot check: rows of a
 * kind this engine has no delivery for). Clear with
 * cg_store_count_list_clear. */
struct cg_store_count_list;
int cg_store_outbox_open_kinds(struct cg_store *s,
                               struct cg_store_count_list *out,
                               struct cg_err *err);
/* One row; CG_ENOTFOUND if none. */
int cg_store_outbox_get(struct cg_store *s, int64_t id,
                        struct cg_store_outbox_row *out, struct cg_err *err);
/* Rows matching f (NULL = all), ordered by id. */
int cg_store_outbox_list(struct cg_store *s,
                         const struct cg_store_outbox_filter *f,
                         struct cg_store_outbox_list *out, struct cg_err *err);
void cg_store_outbox_row_clear(struct cg_store_outbox_row *row);
void cg_store_outbox_list_clear(struct cg_store_outbox_list *list);
/* "pending", "inflight", ...; "?" for out-of-range values. */
const char *cg_store_outbox_state_name(enum cg_store_outbox_state st);

/* ---- orders (store_orders.c) --------------------------------------------*/

/* Inserts or fully replaces the order keyed by o->number (required; every
 * other field is written as given, NULL included). created_at is kept on
 * update; updated_at is set to now. */
int cg_store_order_upsert(struct cg_store *s, const struct cg_store_order *o,
                          struct cg_err *err);
/* CG_ENOTFOUND if no order has that number. */
int cg_store_order_get(struct cg_store *s, const char *number,
                       struct cg_store_order *out, struct cg_err *err);
/* Only the state of an order (no payload copied); CG_ENOTFOUND if none. */
int cg_store_order_state(struct cg_store *s, const char *number,
                         enum cg_store_order_state *state, struct cg_err *err);
/* Sets our state and hold_reason (NULL clears it); rule_generation is
 * updated when not NULL. CG_ENOTFOUND if no such order. */
int cg_store_order_set_state(struct cg_store *s, const char *number,
                             enum cg_store_order_state state,
                             const char *hold_reason,
                             const char *rule_generation, struct cg_err *err);
/* Moves an order on to state (sent, accepted …), recording gxo_ref when
 * not NULL; payload, hold reason and generation stay as they are (no
 * payload read or rewritten). CG_ENOTFOUND if no such order. */
int cg_store_order_advance(struct cg_store *s, const char *number,
                           enum cg_store_order_state state, const char *gxo_ref,
                           struct cg_err *err);
/* Orders in state (or any state when state < 0), oldest first, paged. */
int cg_store_order_list(struct cg_store *s, int state, int64_t offset,
                        int64_t limit, struct cg_store_order_list *out,
                        struct cg_err *err);
/* Up to limit order numbers in state after the cursor `after` (0 to
 * start), in store order: out items are (number, cursor); the last
 * item's count is the next page's `after`. Cost of the page, not of the
 * table. */
int cg_store_order_page_in_state(struct cg_store *s,
                                 enum cg_store_order_state state, int64_t after,
                                 int64_t limit, struct cg_store_count_list *out,
                                 struct cg_err *err);
/* Orders per state, indexed by enum cg_store_order_state. */
int cg_store_order_counts(struct cg_store *s,
                          int64_t counts[CG_STORE_ORDER_NSTATES],
                          struct cg_err *err);
/* Replaces every line of the order atomically (a savepoint, so it nests in
 * the flow's transaction). The order must exist (CG_ENOTFOUND). */
int cg_store_order_lines_replace(struct cg_store *s, const char *number,
                                 const struct cg_store_order_line *lines,
                                 size_t n, struct cg_err *err);
/* Lines of an order in insertion order (empty list if none). */
int cg_store_order_lines_list(struct cg_store *s, const char *number,
                              struct cg_store_order_line_list *out,
                              struct cg_err *err);
void cg_store_order_clear(struct cg_store_order *o);
void cg_store_order_list_clear(struct cg_store_order_list *list);
void cg_store_order_line_list_clear(struct cg_store_order_line_list *list);
/* "received", "held", ...; "?" for out-of-range values. */
const char *cg_store_order_state_name(enum cg_store_order_state st);
/* Parses a state name; CG_EINVAL if unknown. */
int cg_store_order_state_parse(const char *name,
                               enum cg_store_order_state *out);

/* ---- exceptions (store_exceptions.c) ------------------------------------*/

/* Raises an exception. If an open one of the same type exists for the same
 * entity, it is bumped instead (count+1, last_seen, message, generation,
 * owner and severity updated, any retry request cleared). *id (may be
 * NULL) gets the row; *created (may be NULL) tells which happened. */
int cg_store_exception_raise(struct cg_store *s,
                             const struct cg_store_exception_new *x,
                             int64_t *id, bool *created, struct cg_err *err);
/* CG_ENOTFOUND if none. */
int cg_store_exception_get(struct cg_store *s, int64_t id,
                           struct cg_store_exception *out, struct cg_err *err);
/* The id of the open exception of type on the entity (one indexed
 * read); *id 0 and 0 when there is none. */
int cg_store_exception_open_id(struct cg_store *s, const char *type,
                               const char *entity_kind, const char *entity_key,
                               int64_t *id, struct cg_err *err);
/* Exceptions matching f (NULL = all), newest last_seen first, paged. */
int cg_store_exception_list(struct cg_store *s,
                            const struct cg_store_exception_filter *f,
                            struct cg_store_exception_list *out,
                            struct cg_err *err);
/* open -> resolved with who and an optional note. CG_ENOTFOUND if there is
 * no such id; CG_EINVAL if it is already resolved. */
int cg_store_exception_resolve(struct cg_store *s, int64_t id, const char *by,
                               const char *note, struct cg_err *err);
/* Resolves every open exception of an entity (it went through later).
 * *count (may be NULL) gets how many. */
int cg_store_exception_resolve_entity(struct cg_store *s,
                                      const char *entity_kind,
                                      const char *entity_key, const char *by,
                                      const char *note, int64_t *count,
                                      struct cg_err *err);
/* Resolves the open exception of type on an entity, if there is one (an
 * index lookup: cheap to call for every entity a page touches). *count
 * (may be NULL) gets 0 or 1. */
int cg_store_exception_resolve_typed(struct cg_store *s, const char *type,
                                     const char *entity_kind,
                                     const char *entity_key, const char *by,
                                     const char *note, int64_t *count,
                                     struct cg_err *err);
/* Records that an operator asked for a retry (sets retry_requested_at).
 * CG_ENOTFOUND if no such id; CG_EINVAL if resolved. The flow picks these
 * up with a filter { .state = "open", .retry_requested = true }. */
int cg_store_exception_request_retry(struct cg_store *s, int64_t id,
                                     struct cg_err *err);
/* Open exceptions per type (for metrics), ordered by type. */
int cg_store_exception_open_counts(struct cg_store *s,
                                   struct cg_store_count_list *out,
                                   struct cg_err *err);
void cg_store_exception_clear(struct cg_store_exception *x);
void cg_store_exception_list_clear(struct cg_store_exception_list *list);
void cg_store_count_list_clear(struct cg_store_count_list *list);

/* ---- audit, cursors, rule generations (store_audit.c) -------------------*/

/* Appends one timeline entry stamped now. detail and rule_generation may
 * be NULL. */
int cg_store_audit_append(struct cg_store *s, const char *entity_kind,
                          const char *entity_key, const char *action,
                          const char *detail, const char *rule_generation,
                          struct cg_err *err);
/* Timeline of one business key, oldest first. entity_kind NULL = every
 * kind (one timeline across flows). limit <= 0 means no limit. */
int cg_store_audit_list(struct cg_store *s, const char *entity_kind,
                        const char *entity_key, int64_t limit,
                        struct cg_store_audit_list *out, struct cg_err *err);
void cg_store_audit_list_clear(struct cg_store_audit_list *list);

/* *value gets an owned copy (cg_free). CG_ENOTFOUND if never set. */
int cg_store_cursor_get(struct cg_store *s, const char *name, char **value,
                        struct cg_err *err);
/* Creates or replaces a named cursor (e.g. "gxo.events.after"). */
int cg_store_cursor_set(struct cg_store *s, const char *name, const char *value,
                        struct cg_err *err);

/* Records a loaded rule generation; *id (may be NULL) gets its row id. */
int cg_store_rule_generation_record(struct cg_store *s, const char *pack,
                                    const char *version,
                                    const char *content_hash, int64_t loaded_at,
                                    int64_t *id, struct cg_err *err);
/* The most recently recorded generation; CG_ENOTFOUND if none. */
int cg_store_rule_generation_latest(struct cg_store *s,
                                    struct cg_store_rule_generation *out,
                                    struct cg_err *err);
void cg_store_rule_generation_clear(struct cg_store_rule_generation *g);

/* How many last good rule sources the store keeps. */
#define CG_STORE_RULE_SOURCES_KEPT 3

/* Saves the sources of a generation that loaded and passed its tests
 * (files: JSON text, see store_schema.c v3), keyed by its content hash;
 * keeps the newest CG_STORE_RULE_SOURCES_KEPT. One transaction. */
int cg_store_rule_source_save(struct cg_store *s, const char *content_hash,
                              const char *label, const char *files,
                              int64_t saved_at, struct cg_err *err);
/* The newest saved sources: *label and *files are owned copies
 * (cg_free). CG_ENOTFOUND if none was ever saved. */
int cg_store_rule_source_latest(struct cg_store *s, char **label, char **files,
                                struct cg_err *err);

/* ---- health (store_health.c) -------------------------------------------
 * What /healthz reports about the store. All on the store's thread. */

struct cg_store_health;

/* Records which file s has open (device, inode) and runs PRAGMA
 * quick_check once; a failure is kept and reported by every check. Call
 * right after cg_store_open. Returns NULL only when out of memory. */
struct cg_store_health *cg_store_health_create(struct cg_store *s);
/* NULL is a no-op. */
void cg_store_health_destroy(struct cg_store_health *h);
/* 0 when the store is usable: the start-up quick_check passed, s's path
 * still names the open file (not deleted or replaced), and a write in a
 * rolled-back transaction succeeds (skipped inside a transaction). Else
 * CG_EDB or CG_EIO with one sentence naming the file and the problem in
 * err. h may be NULL (only the write probe runs). May wait busy_timeout
 * for another process's write lock. */
int cg_store_health_check(struct cg_store *s, const struct cg_store_health *h,
                          struct cg_err *err);

#endif
