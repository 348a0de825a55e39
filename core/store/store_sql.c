/*
 * store_sql: the text of every statement the store prepares at open,
 * indexed by enum cg__st (store_int.h). Keeping them in one table makes
 * the whole query surface reviewable at a glance and guarantees nothing
 * is prepared on a hot path.
 *
 * Optional filters use "(?N IS NULL OR col = ?N)" so one prepared
 * statement serves every combination. Such a filter cannot use an index,
 * so a statement on the hot path keys on a column that can (a second
 * statement for the keyed case, e.g. OUTBOX_LIST_ENTITY) and names its
 * index with INDEXED BY: preparing fails if the index cannot serve it.
 * tests/unit/test_store_plans.c checks every hot-path plan.
 */
#include "store/store_int.h"
#include "store/store_stock.h"

/* clang-format off */
const char *const cg__store_sql[CG__ST_COUNT] = {
  [CG__ST_BEGIN] = "BEGIN IMMEDIATE",
  [CG__ST_COMMIT] = "COMMIT",
  [CG__ST_ROLLBACK] = "ROLLBACK",
  [CG__ST_SAVEPOINT] = "SAVEPOINT cg_sp",
  [CG__ST_RELEASE] = "RELEASE cg_sp",
  [CG__ST_ROLLBACK_TO] = "ROLLBACK TO cg_sp",
  [CG__ST_INTEGRITY] = "PRAGMA integrity_check",
  [CG__ST_PRUNE_INBOX] =
    "DELETE FROM inbox INDEXED BY inbox_processed"
    " WHERE processed_at IS NOT NULL AND processed_at < ?1",
  [CG__ST_PRUNE_OUTBOX] =
    "DELETE FROM outbox INDEXED BY outbox_done"
    " WHERE state = 'done' AND updated_at < ?1",

  [CG__ST_INBOX_PUT] =
    "INSERT INTO inbox (source, msg_id, kind, payload, received_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (source, msg_id) DO NOTHING",
  [CG__ST_INBOX_FIND] =
    "SELECT id FROM inbox WHERE source = ?1 AND msg_id = ?2",
  [CG__ST_INBOX_PENDING] =
    "SELECT " CG__INBOX_COLS " FROM inbox WHERE processed_at IS NULL"
    " ORDER BY id LIMIT ?1",
  [CG__ST_INBOX_GET] =
    "SELECT " CG__INBOX_COLS " FROM inbox WHERE id = ?1",
  [CG__ST_INBOX_MARK] =
    "UPDATE inbox SET processed_at = ?2, outcome = ?3, error = ?4"
    " WHERE id = ?1",

  [CG__ST_OUTBOX_PUT] =
    "INSERT INTO outbox (kind, entity_key, idempotency_key, payload,"
    " created_at, next_attempt_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)"
    " ON CONFLICT (kind, idempotency_key) DO NOTHING",
  [CG__ST_OUTBOX_FIND] =
    "SELECT id FROM outbox WHERE kind = ?1 AND idempotency_key = ?2",
  [CG__ST_OUTBOX_DUE_KIND] =
    "SELECT " CG__OUTBOX_COLS " FROM outbox INDEXED BY outbox_due_kind"
    " WHERE state = 'pending' AND kind = ?3 AND next_attempt_at <= ?1"
    " ORDER BY next_attempt_at, id LIMIT ?2",
  [CG__ST_OUTBOX_INFLIGHT] =
    "UPDATE outbox SET state = 'inflight', updated_at = ?2"
    " WHERE id = ?1 AND state = 'pending'",
  [CG__ST_OUTBOX_DONE] =
    "UPDATE outbox SET state = 'done', attempts = attempts + 1,"
    " last_status = ?2, updated_at = ?3"
    " WHERE id = ?1 AND state = 'inflight'",
  [CG__ST_OUTBOX_RETRY] =
    "UPDATE outbox SET state = 'pending',"
    " attempts = CASE WHEN ?6 THEN 1 ELSE attempts + 1 END,"
    " next_attempt_at = ?2, last_status = ?3, last_error = ?4,"
    " updated_at = ?5 WHERE id = ?1 AND state = 'inflight'",
  [CG__ST_OUTBOX_DEFER] =
    "UPDATE outbox SET state = 'pending', next_attempt_at = ?2,"
    " last_error = ?3, updated_at = ?4 WHERE id = ?1 AND state = 'inflight'",
  [CG__ST_OUTBOX_FAIL] =
    "UPDATE outbox SET state = 'failed', attempts = attempts + 1,"
    " last_status = ?2, last_error = ?3, updated_at = ?4"
    " WHERE id = ?1 AND state = 'inflight'",
  [CG__ST_OUTBOX_REQUEUE] =
    "UPDATE outbox SET state = 'pending', attempts = 0,"
    " next_attempt_at = ?2, updated_at = ?2"
    " WHERE id = ?1 AND state = 'failed'",
  [CG__ST_OUTBOX_RESET] =
    "UPDATE outbox INDEXED BY outbox_inflight"
    " SET state = 'pending', updated_at = ?1 WHERE state = 'inflight'",
  [CG__ST_OUTBOX_NEXT_DUE_KIND] =
    "SELECT min(next_attempt_at) FROM outbox INDEXED BY outbox_due_kind"
    " WHERE state = 'pending' AND kind = ?1",
  [CG__ST_OUTBOX_ENTITY_COUNT] =
    "SELECT count(*) FROM outbox INDEXED BY outbox_entity"
    " WHERE entity_key = ?1 AND kind = ?2",
  /* Each state through its own partial index (schema v4). */
  [CG__ST_OUTBOX_DEPTH] =
    "SELECT (SELECT count(*) FROM outbox INDEXED BY outbox_due_kind"
    " WHERE state = 'pending') + (SELECT count(*) FROM outbox"
    " INDEXED BY outbox_inflight WHERE state = 'inflight')",
  [CG__ST_OUTBOX_COUNTS] =
    "SELECT 'pending', count(*) FROM outbox INDEXED BY outbox_due_kind"
    " WHERE state = 'pending' UNION ALL"
    " SELECT 'inflight', count(*) FROM outbox INDEXED BY outbox_inflight"
    " WHERE state = 'inflight' UNION ALL"
    " SELECT 'done', count(*) FROM outbox INDEXED BY outbox_done"
    " WHERE state = 'done' UNION ALL"
    " SELECT 'failed', count(*) FROM outbox INDEXED BY outbox_failed"
    " WHERE state = 'failed'",
  [CG__ST_OUTBOX_KINDS] =
    "SELECT kind, count(*) FROM"
    " (SELECT kind FROM outbox INDEXED BY outbox_due_kind"
    " WHERE state = 'pending' UNION ALL"
    " SELECT kind FROM outbox INDEXED BY outbox_inflight"
    " WHERE state = 'inflight') GROUP BY kind ORDER BY kind",
  [CG__ST_OUTBOX_OPEN_OF_KIND] =
    "SELECT (SELECT count(*) FROM outbox INDEXED BY outbox_due_kind"
    "  WHERE kind = ?1 AND state = 'pending')"
    " + (SELECT count(*) FROM outbox INDEXED BY outbox_inflight"
    "  WHERE kind = ?1 AND state = 'inflight')",
  [CG__ST_OUTBOX_GET] =
    "SELECT " CG__OUTBOX_COLS " FROM outbox WHERE id = ?1",
  [CG__ST_OUTBOX_LIST] =
    "SELECT " CG__OUTBOX_COLS " FROM outbox"
    " WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR kind = ?2)"
    " AND (?3 IS NULL OR entity_key = ?3)"
    " ORDER BY id LIMIT ?5 OFFSET ?4",
  [CG__ST_OUTBOX_LIST_ENTITY] =
    "SELECT " CG__OUTBOX_COLS " FROM outbox INDEXED BY outbox_entity"
    " WHERE entity_key = ?3 AND (?1 IS NULL OR state = ?1)"
    " AND (?2 IS NULL OR kind = ?2) ORDER BY id LIMIT ?5 OFFSET ?4",

  [CG__ST_ORDER_UPSERT] =
    "INSERT INTO orders (number, centra_id, centra_status, state, payload,"
    " hold_reason, rule_generation, gxo_ref, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)"
    " ON CONFLICT (number) DO UPDATE SET centra_id = excluded.centra_id,"
    " centra_status = excluded.centra_status, state = excluded.state,"
    " payload = excluded.payload, hold_reason = excluded.hold_reason,"
    " rule_generation = excluded.rule_generation,"
    " gxo_ref = excluded.gxo_ref, updated_at = excluded.updated_at",
  [CG__ST_ORDER_GET] =
    "SELECT " CG__ORDER_COLS " FROM orders WHERE number = ?1",
  [CG__ST_ORDER_SET_STATE] =
    "UPDATE orders SET state = ?2, hold_reason = ?3,"
    " rule_generation = coalesce(?4, rule_generation), updated_at = ?5"
    " WHERE number = ?1",
  [CG__ST_ORDER_ADVANCE] =
    "UPDATE orders SET state = ?2, gxo_ref = coalesce(?3, gxo_ref),"
    " updated_at = ?4 WHERE number = ?1",
  [CG__ST_ORDER_LIST] =
    "SELECT " CG__ORDER_COLS " FROM orders WHERE (?1 IS NULL OR state = ?1)"
    " ORDER BY rowid LIMIT ?3 OFFSET ?2",
  /* A keyed page of one state's orders (the follow poll): the index
   * range, never the whole table or an OFFSET. */
  [CG__ST_ORDER_PAGE_IN_STATE] =
    "SELECT number, rowid FROM orders INDEXED BY orders_state"
    " WHERE state = ?1 AND rowid > ?2 ORDER BY rowid LIMIT ?3",
  [CG__ST_ORDER_COUNTS] =
    "SELECT state, count(*) FROM orders GROUP BY state",
  [CG__ST_ORDER_STATE] =
    "SELECT state FROM orders WHERE number = ?1",
  /* Whether the order exists and has lines: a DELETE of order_lines
   * builds a temporary table (foreign keys are on), so lines_replace
   * deletes only when there is something to delete. */
  [CG__ST_ORDER_HAS_LINES] =
    "SELECT EXISTS (SELECT 1 FROM orders WHERE number = ?1),"
    " EXISTS (SELECT 1 FROM order_lines WHERE order_number = ?1)",
  [CG__ST_LINES_DELETE] =
    "DELETE FROM order_lines WHERE order_number = ?1",
  [CG__ST_LINES_INSERT] =
    "INSERT INTO order_lines (order_number, line_ref, position, sku,"
    " quantity, unit_price) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [CG__ST_LINES_LIST] =
    "SELECT line_ref, sku, quantity, unit_price FROM order_lines"
    " WHERE order_number = ?1 ORDER BY position",

  [CG__ST_EXC_RAISE] =
    "INSERT INTO exceptions (type, entity_kind, entity_key, message,"
    " rule_generation, owner, severity, first_seen, last_seen)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
    " ON CONFLICT (type, entity_kind, entity_key) WHERE state = 'open'"
    " DO UPDATE SET count = count + 1, last_seen = excluded.last_seen,"
    " message = excluded.message,"
    " rule_generation = excluded.rule_generation,"
    " owner = coalesce(excluded.owner, owner),"
    " severity = coalesce(excluded.severity, severity),"
    " retry_requested_at = NULL"
    " RETURNING id, count",
  [CG__ST_EXC_GET] =
    "SELECT " CG__EXC_COLS " FROM exceptions WHERE id = ?1",
  [CG__ST_EXC_LIST] =
    "SELECT " CG__EXC_COLS " FROM exceptions"
    " WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR type = ?2)"
    " AND (?3 IS NULL OR entity_kind = ?3)"
    " AND (?4 IS NULL OR entity_key = ?4)"
    " AND (?5 = 0 OR retry_requested_at IS NOT NULL)"
    " ORDER BY last_seen DESC, id DESC LIMIT ?7 OFFSET ?6",
  [CG__ST_EXC_LIST_RETRY] =
    "SELECT " CG__EXC_COLS " FROM exceptions INDEXED BY exceptions_retry"
    " WHERE state = 'open' AND retry_requested_at IS NOT NULL"
    " AND (?2 IS NULL OR type = ?2) AND (?3 IS NULL OR entity_kind = ?3)"
    " AND (?4 IS NULL OR entity_key = ?4)"
    " ORDER BY last_seen DESC, id DESC LIMIT ?7 OFFSET ?6",
  [CG__ST_EXC_RESOLVE] =
    "UPDATE exceptions SET state = 'resolved', resolved_at = ?2,"
    " resolved_by = ?3, resolution_note = ?4"
    " WHERE id = ?1 AND state = 'open'",
  [CG__ST_EXC_RESOLVE_ENTITY] =
    "UPDATE exceptions INDEXED BY exceptions_entity"
    " SET state = 'resolved', resolved_at = ?3,"
    " resolved_by = ?4, resolution_note = ?5"
    " WHERE entity_kind = ?1 AND entity_key = ?2 AND state = 'open'",
  [CG__ST_EXC_RESOLVE_TYPED] =
    "UPDATE exceptions INDEXED BY exceptions_open"
    " SET state = 'resolved', resolved_at = ?4,"
    " resolved_by = ?5, resolution_note = ?6"
    " WHERE type = ?1 AND entity_kind = ?2 AND entity_key = ?3"
    " AND state = 'open'",
  [CG__ST_EXC_RETRY] =
    "UPDATE exceptions SET retry_requested_at = ?2"
    " WHERE id = ?1 AND state = 'open'",
  /* the open one of a type on an entity: one probe of exceptions_open */
  [CG__ST_EXC_OPEN_ID] =
    "SELECT id FROM exceptions INDEXED BY exceptions_open"
    " WHERE type = ?1 AND entity_kind = ?2 AND entity_key = ?3"
    " AND state = 'open'",
  [CG__ST_EXC_OPEN_COUNTS] =
    "SELECT type, count(*) FROM exceptions WHERE state = 'open'"
    " GROUP BY type ORDER BY type",

  [CG__ST_AUDIT_APPEND] =
    "INSERT INTO audit (at, entity_kind, entity_key, action, detail,"
    " rule_generation) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [CG__ST_AUDIT_LIST] =
    "SELECT " CG__AUDIT_COLS " FROM audit WHERE entity_key = ?2"
    " AND (?1 IS NULL OR entity_kind = ?1) ORDER BY id LIMIT ?3",
  [CG__ST_CURSOR_GET] =
    "SELECT value FROM cursors WHERE name = ?1",
  [CG__ST_CURSOR_SET] =
    "INSERT INTO cursors (name, value, updated_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
    " updated_at = excluded.updated_at",
  [CG__ST_RULEGEN_RECORD] =
    "INSERT INTO rule_generations (pack, version, content_hash, loaded_at)"
    " VALUES (?1, ?2, ?3, ?4)",
  [CG__ST_RULEGEN_LATEST] =
    "SELECT id, pack, version, content_hash, loaded_at"
    " FROM rule_generations ORDER BY id DESC LIMIT 1",
  [CG__ST_RULESRC_SAVE] =
    "INSERT INTO rule_sources (content_hash, label, files, saved_at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (content_hash) DO UPDATE"
    " SET label = excluded.label, saved_at = excluded.saved_at",
  [CG__ST_RULESRC_LATEST] =
    "SELECT label, files FROM rule_sources INDEXED BY rule_sources_saved"
    " ORDER BY saved_at DESC LIMIT 1",
  [CG__ST_RULESRC_TRIM] =
    "DELETE FROM rule_sources WHERE content_hash NOT IN (SELECT content_hash"
    " FROM rule_sources INDEXED BY rule_sources_saved"
    " ORDER BY saved_at DESC LIMIT ?1)",

  [CG__ST_DISPATCH_INSERT] =
    "INSERT INTO dispatches (shipment_id, order_number, payload, step,"
    " stamp, hold_reason, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
    " ON CONFLICT (shipment_id) DO NOTHING",
  [CG__ST_DISPATCH_GET] =
    "SELECT " CG__DISPATCH_COLS " FROM dispatches WHERE shipment_id = ?1",
  [CG__ST_DISPATCH_UPDATE] =
    "UPDATE dispatches SET step = ?2, centra_id = NULLIF(?3, 0),"
    " captured = ?4, hold_reason = ?5, updated_at = ?6,"
    " create_sent_at = NULLIF(?7, 0) WHERE shipment_id = ?1",
  [CG__ST_DISPATCH_LINES_DELETE] =
    "DELETE FROM dispatch_lines WHERE shipment_id = ?1",
  [CG__ST_DISPATCH_LINES_INSERT] =
    "INSERT INTO dispatch_lines (shipment_id, line_ref, quantity)"
    " VALUES (?1, ?2, ?3)",
  [CG__ST_DISPATCH_LINES_LIST] =
    "SELECT line_ref, quantity FROM dispatch_lines WHERE shipment_id = ?1"
    " ORDER BY line_ref",
  [CG__ST_DISPATCH_LINES_ORDER] =
    "SELECT l.line_ref, SUM(l.quantity)"
    " FROM dispatches d INDEXED BY dispatches_order"
    " JOIN dispatch_lines l ON l.shipment_id = d.shipment_id"
    " WHERE d.order_number = ?1 AND d.shipment_id <> ?2"
    " AND (?3 IS NULL OR d.step = ?3) GROUP BY l.line_ref ORDER BY l.line_ref",
  [CG__ST_DISPATCH_PARCEL_INSERT] =
    "INSERT INTO dispatch_parcels (shipment_id, position, parcel_id,"
    " tracking_number, tracking_url) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (shipment_id, position) DO UPDATE SET"
    " parcel_id = excluded.parcel_id,"
    " tracking_number = excluded.tracking_number,"
    " tracking_url = excluded.tracking_url",
  [CG__ST_DISPATCH_PARCELS_LIST] =
    "SELECT parcel_id, tracking_number, tracking_url FROM dispatch_parcels"
    " WHERE shipment_id = ?1 ORDER BY position",

  [CG__ST_REMAINDER_INSERT] =
    "INSERT INTO remainders (id, order_number, event, payload, step,"
    " hold_reason, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (id) DO NOTHING",
  [CG__ST_REMAINDER_GET] =
    "SELECT " CG__REMAINDER_COLS " FROM remainders WHERE id = ?1",
  [CG__ST_REMAINDER_UPDATE] =
    "UPDATE remainders SET step = ?2, hold_reason = ?3, updated_at = ?4"
    " WHERE id = ?1",
  [CG__ST_REMAINDER_LINE_INSERT] =
    "INSERT INTO remainder_lines (id, line_ref, quantity, shipped)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id, line_ref) DO UPDATE SET"
    " quantity = excluded.quantity, shipped = excluded.shipped",
  [CG__ST_REMAINDER_LINES_LIST] =
    "SELECT line_ref, quantity FROM remainder_lines WHERE id = ?1"
    " ORDER BY line_ref",
  [CG__ST_REMAINDER_ORDER_SUM] =
    "SELECT l.line_ref, SUM(l.quantity)"
    " FROM remainders r INDEXED BY remainders_order"
    " JOIN remainder_lines l ON l.id = r.id WHERE r.order_number = ?1"
    " AND (?2 IS NULL OR r.event = ?2) AND (?3 IS NULL OR r.step = ?3)"
    " GROUP BY l.line_ref ORDER BY l.line_ref",
  [CG__ST_REMAINDER_ORDER_SHIPPED] =
    "SELECT l.line_ref, MIN(l.shipped)"
    " FROM remainders r INDEXED BY remainders_order"
    " JOIN remainder_lines l ON l.id = r.id WHERE r.order_number = ?1"
    " AND l.shipped IS NOT NULL GROUP BY l.line_ref ORDER BY l.line_ref",
  /* The units the engine asks Centra to cancel for a remainder line,
   * committed before cancelLines is sent (the change follower's
   * baseline, changes.c). */
  [CG__ST_REMAINDER_INTEND] =
    "UPDATE remainder_lines SET centra_cancelled = ?3"
    " WHERE id = ?1 AND line_ref = ?2",
  [CG__ST_REMAINDER_INTENTS_CLEAR] =
    "UPDATE remainder_lines SET centra_cancelled = 0 WHERE id = ?1",
  [CG__ST_REMAINDER_ORDER_OWN] =
    "SELECT l.line_ref, SUM(l.centra_cancelled)"
    " FROM remainders r INDEXED BY remainders_order"
    " JOIN remainder_lines l ON l.id = r.id WHERE r.order_number = ?1"
    " AND l.centra_cancelled > 0 GROUP BY l.line_ref ORDER BY l.line_ref",
  /* Held remainders whose exceptions an operator resolved by hand: from
   * the failed rows of the remainder kind (a held remainder's row is
   * failed), through the partial index of failed rows. */
  [CG__ST_REMAINDER_RESOLVED_HELD] =
    "SELECT r.id, 0 FROM outbox o INDEXED BY outbox_failed"
    " JOIN remainders r ON r.id = o.entity_key"
    " WHERE o.state = 'failed' AND o.kind = ?1 AND r.step = 'held'"
    " AND NOT EXISTS (SELECT 1 FROM exceptions e INDEXED BY exceptions_entity"
    "  WHERE e.entity_kind = ?2 AND e.entity_key = r.id"
    "  AND e.state = 'open') LIMIT ?3",
  [CG__ST_CAPTURE_PUT] =
    "INSERT INTO captures (shipment_id, policy, updated_at)"
    " VALUES (?1, ?2, ?3) ON CONFLICT (shipment_id) DO UPDATE SET"
    " policy = excluded.policy, updated_at = excluded.updated_at",
  [CG__ST_CAPTURE_NOTE] =
    "UPDATE captures SET warning = ?2, updated_at = ?3"
    " WHERE shipment_id = ?1",
  [CG__ST_CAPTURE_GET] =
    "SELECT policy, warning FROM captures WHERE shipment_id = ?1",
  /* The monitor's tick: only the rows due, through the partial index. */
  [CG__ST_SLA_DUE] =
    "SELECT " CG__SLA_COLS " FROM sla_orders INDEXED BY sla_due"
    " WHERE next_at IS NOT NULL AND next_at <= ?1 ORDER BY next_at LIMIT ?2",
  /* A move of the monitor's step machine, only from the state it read:
   * a trigger (a dispatch) may have moved the row since. */
  [CG__ST_SLA_SET] =
    "UPDATE sla_orders SET state = ?3,"
    " warn_at = coalesce(NULLIF(?4, 0), warn_at),"
    " deadline = coalesce(NULLIF(?5, 0), deadline),"
    " due_text = coalesce(?6, due_text), next_at = NULLIF(?7, 0),"
    " breached_at = coalesce(NULLIF(?8, 0), breached_at),"
    " rule_generation = coalesce(?9, rule_generation), updated_at = ?10"
    " WHERE order_number = ?1 AND state = ?2",
  [CG__ST_SLA_GET] =
    "SELECT " CG__SLA_COLS " FROM sla_orders WHERE order_number = ?1",
  [CG__ST_SLA_COUNTS] =
    "SELECT state, count(*) FROM sla_orders GROUP BY state ORDER BY state",
  /* store_stock.c (schema step 9, docs/internals/stock.md). */
  /* a new SKU starts at the last snapshot's base: that snapshot did not
   * list it, so it held none as of it, events up to it included */
  [CG__ST_STOCK_ENSURE] =
    "INSERT INTO stock (sku, base_seq, updated_at) VALUES (?1,"
    " COALESCE((SELECT CAST(value AS INTEGER) FROM cursors"
    "  WHERE name = '" CG_STORE_STOCK_BASE_CURSOR "'), 0), ?2)"
    " ON CONFLICT (sku) DO NOTHING",
  [CG__ST_STOCK_GET] =
    "SELECT " CG__STOCK_COLS " FROM stock WHERE sku = ?1",
  [CG__ST_STOCK_LEVELS] =
    "SELECT status, quantity FROM stock_levels WHERE sku = ?1"
    " ORDER BY status",
  /* The applied-event log: a row that exists is a duplicate effect. */
  [CG__ST_STOCK_EVENT_LOG] =
    "INSERT INTO stock_events (seq, sku, status, delta)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (seq, sku, status) DO NOTHING",
  [CG__ST_STOCK_LEVEL_ADD] =
    "INSERT INTO stock_levels (sku, status, quantity) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (sku, status) DO UPDATE"
    " SET quantity = quantity + excluded.quantity",
  /* Every change that can move P: the version, dirty (the first time
   * kept), D and R by the given amounts. */
  [CG__ST_STOCK_MARK] =
    "UPDATE stock SET version = version + 1,"
    " dirty_since = CASE WHEN dirty_since = 0 THEN ?2 ELSE dirty_since END,"
    " pending_dispatch = pending_dispatch + ?3,"
    " pending_return = pending_return + ?4, updated_at = ?2 WHERE sku = ?1",
  [CG__ST_STOCK_DISPATCH_PUT] =
    "INSERT INTO stock_dispatch (shipment_id, sku, quantity)"
    " VALUES (?1, ?2, ?3) ON CONFLICT (shipment_id, sku) DO NOTHING",
  [CG__ST_STOCK_DISPATCH_LIST] =
    "SELECT sku, quantity FROM stock_dispatch WHERE shipment_id = ?1"
    " ORDER BY sku",
  [CG__ST_STOCK_DISPATCH_FORGET] =
    "DELETE FROM stock_dispatch WHERE shipment_id = ?1",
  [CG__ST_STOCK_DISPATCH_RESOLVED] =
    "SELECT d.shipment_id, 0 FROM dispatches d INDEXED BY dispatches_held"
    " WHERE d.step = 'held' AND EXISTS (SELECT 1 FROM stock_dispatch sd"
    "  WHERE sd.shipment_id = d.shipment_id)"
    " AND NOT EXISTS (SELECT 1 FROM exceptions e INDEXED BY exceptions_entity"
    "  WHERE e.entity_kind = ?1 AND e.entity_key = d.shipment_id"
    "  AND e.state = 'open') LIMIT ?2",
  /* ?4: only those not in temp.stock_listed (the reconcile's unlisted
   * SKUs); without it every row below ?1 (the policy sweep) */
  [CG__ST_STOCK_UNLISTED] =
    "SELECT sku, base_seq FROM stock WHERE sku > ?2 AND base_seq < ?1"
    " AND (NOT ?4 OR NOT EXISTS (SELECT 1 FROM temp.stock_listed k"
    "  WHERE k.sku = stock.sku)) ORDER BY sku LIMIT ?3",
  /* The flusher: only the dirty SKUs in no batch and not held. */
  [CG__ST_STOCK_DIRTY] =
    "SELECT sku, dirty_since FROM stock INDEXED BY stock_dirty"
    " WHERE dirty_since > 0 AND batch = 0 AND held = 0"
    " ORDER BY dirty_since, sku LIMIT ?1",
  [CG__ST_STOCK_DIRTY_COUNT] =
    "SELECT count(*) FROM stock INDEXED BY stock_dirty"
    " WHERE dirty_since > 0 AND batch = 0 AND held = 0",
  [CG__ST_STOCK_DIRTY_ATLEAST] =
    "SELECT 1 FROM stock INDEXED BY stock_dirty"
    " WHERE dirty_since > 0 AND batch = 0 AND held = 0 LIMIT 1 OFFSET ?1",
  [CG__ST_STOCK_BATCH_TAKE] =
    "UPDATE stock SET batch = ?2, dirty_since = 0, updated_at = ?3"
    " WHERE sku = ?1",
  /* ?2 ok: the pushed figure recorded; clean only if no change since. */
  [CG__ST_STOCK_BATCH_DONE] =
    "UPDATE stock SET batch = 0,"
    " pushed = CASE WHEN ?2 THEN 1 ELSE pushed END,"
    " pushed_qty = CASE WHEN ?2 THEN ?3 ELSE pushed_qty END,"
    " pushed_version = CASE WHEN ?2 THEN ?4 ELSE pushed_version END,"
    " pushed_at = CASE WHEN ?2 THEN ?5 ELSE pushed_at END,"
    " dirty_since = CASE WHEN ?2 AND version <= ?4 THEN 0"
    "  WHEN dirty_since = 0 THEN ?5 ELSE dirty_since END,"
    " updated_at = ?5 WHERE sku = ?1",
  [CG__ST_STOCK_CLEAN] =
    "UPDATE stock SET dirty_since = 0 WHERE sku = ?1",
  [CG__ST_STOCK_HOLD] =
    "UPDATE stock SET held = ?2, dirty_since = CASE"
    " WHEN ?2 = 0 AND dirty_since = 0 THEN ?3 ELSE dirty_since END,"
    " updated_at = ?3 WHERE sku = ?1",
  [CG__ST_STOCK_CENTRA_SEEN] =
    "UPDATE stock SET centra_known = 1, centra_qty = ?2, reconciled_at = ?3,"
    " updated_at = ?3 WHERE sku = ?1",
  [CG__ST_STOCK_SEQ_STATE] =
    "SELECT watermark, highest FROM stock_seqstate WHERE id = 1",
  [CG__ST_STOCK_SEQ_SET] =
    "UPDATE stock_seqstate SET watermark = ?1, highest = ?2 WHERE id = 1",
  [CG__ST_STOCK_SEQ_PUT] =
    "INSERT INTO stock_seq (seq, seen_at) VALUES (?1, ?2)"
    " ON CONFLICT (seq) DO NOTHING",
  [CG__ST_STOCK_SEQ_TAKE] =
    "DELETE FROM stock_seq WHERE seq = ?1",
  /* The lowest hole opened when the earliest sequence above it was seen:
   * every row is above the watermark and the watermark + 1 is unseen. */
  [CG__ST_STOCK_SEQ_HOLE] =
    "SELECT min(seen_at) FROM stock_seq",
  [CG__ST_STOCK_SEQ_COVER] =
    "DELETE FROM stock_seq WHERE seq <= ?1",
  [CG__ST_STOCK_SEQ_DROP_AHEAD] =
    "DELETE FROM stock_seq WHERE seq > ?1 AND seen_at < ?2",
  /* their logged stock changes: the snapshot holds their effect */
  [CG__ST_STOCK_EVENTS_DROP_AHEAD] =
    "DELETE FROM stock_events AS e WHERE seq > ?1 AND EXISTS (SELECT 1"
    " FROM stock_seq q WHERE q.seq = e.seq AND q.seen_at < ?2)",
  [CG__ST_STOCK_SEQ_MAX] =
    "SELECT max(seq) FROM stock_seq",
  /* operations only (admin API): walks the primary key from ?1 */
  [CG__ST_STOCK_HELD] =
    "SELECT sku, dirty_since FROM stock INDEXED BY stock_held"
    " WHERE sku > ?1 AND held = 1 ORDER BY sku LIMIT ?2",
  /* store_stock_stage.c: a page of a snapshot staged in the connection's
   * TEMP tables (stock_stage: levels, stock_stage_sku: the SKUs), then
   * applied with a few statements per page; each walks the staged rows
   * and reaches the stored ones by their keys. */
  [CG__ST_STOCK_STAGE_LEVEL] =
    "INSERT INTO temp.stock_stage (sku, status, qty) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (sku, status) DO UPDATE SET qty = qty + excluded.qty",
  [CG__ST_STOCK_STAGE_SKU] =
    "INSERT INTO temp.stock_stage_sku (sku) VALUES (?1)"
    " ON CONFLICT (sku) DO NOTHING",
  [CG__ST_STOCK_STAGE_SKUS] =
    "INSERT INTO temp.stock_stage_sku (sku) SELECT sku FROM temp.stock_stage"
    " WHERE true ON CONFLICT (sku) DO NOTHING",
  /* at or below the SKU's base: stale for it (a base of 0 is none); a
   * SKU without a row has the last snapshot's (see CG__ST_STOCK_ENSURE) */
  [CG__ST_STOCK_STAGE_STALE] =
    "DELETE FROM temp.stock_stage_sku AS stage_k WHERE COALESCE((SELECT"
    " s.base_seq FROM stock s WHERE s.sku = stage_k.sku), (SELECT"
    " CAST(value AS INTEGER) FROM cursors WHERE name = '"
    CG_STORE_STOCK_BASE_CURSOR "'), 0) >= max(?1, 1)",
  [CG__ST_STOCK_STAGE_STALE_LEVELS] =
    "DELETE FROM temp.stock_stage AS stage_g WHERE NOT EXISTS (SELECT 1 FROM"
    " temp.stock_stage_sku stage_k WHERE stage_k.sku = stage_g.sku)",
  /* W = snapshot + the logged events after it (CROSS JOIN: the staged
   * SKUs drive, the log is reached through its SKU index) */
  [CG__ST_STOCK_STAGE_EVENTS] =
    "INSERT INTO temp.stock_stage (sku, status, qty)"
    " SELECT e.sku, e.status, e.delta FROM temp.stock_stage_sku stage_k"
    " CROSS JOIN stock_events e INDEXED BY stock_events_sku"
    " ON e.sku = stage_k.sku AND e.seq > ?1"
    " WHERE true ON CONFLICT (sku, status)"
    " DO UPDATE SET qty = qty + excluded.qty",
  /* a status held before and in neither goes to 0; old = the level
   * before (NULL: none) */
  [CG__ST_STOCK_STAGE_OLD] =
    "INSERT INTO temp.stock_stage (sku, status, qty, old)"
    " SELECT l.sku, l.status, 0, l.quantity FROM temp.stock_stage_sku stage_k"
    " CROSS JOIN stock_levels l ON l.sku = stage_k.sku"
    " WHERE true ON CONFLICT (sku, status) DO UPDATE SET old = excluded.old",
  /* a SKU whose figure moves: version, dirty (the first time kept) */
  [CG__ST_STOCK_STAGE_MARK] =
    "UPDATE stock SET version = version + 1,"
    " dirty_since = CASE WHEN dirty_since = 0 THEN ?1 ELSE dirty_since END,"
    " updated_at = ?1 WHERE sku IN (SELECT sku FROM temp.stock_stage"
    "  WHERE qty <> COALESCE(old, 0))",
  /* only the levels that move are written */
  [CG__ST_STOCK_STAGE_WRITE] =
    "INSERT INTO stock_levels (sku, status, quantity)"
    " SELECT sku, status, qty FROM temp.stock_stage WHERE old IS NOT qty"
    " ON CONFLICT (sku, status) DO UPDATE SET quantity = excluded.quantity",
  [CG__ST_STOCK_STAGE_PRUNE] =
    "DELETE FROM stock_events INDEXED BY stock_events_sku"
    " WHERE sku IN (SELECT sku FROM temp.stock_stage_sku) AND seq <= ?1",
  /* a single SKU's snapshot (cg_store_stock_snapshot_sku): rows made as
   * needed and the row's own base set, in one seek per SKU (after the
   * stale ones left the stage) */
  [CG__ST_STOCK_STAGE_BASE] =
    "INSERT INTO stock (sku, base_seq, updated_at)"
    " SELECT sku, ?1, ?2 FROM temp.stock_stage_sku WHERE true"
    " ON CONFLICT (sku) DO UPDATE SET base_seq = excluded.base_seq,"
    " updated_at = excluded.updated_at",
  /* a page: rows made as needed, at the last completed snapshot's base
   * (as CG__ST_STOCK_ENSURE); a row's base is not rewritten, the
   * snapshot's is kept in the cursors (docs/internals/stock.md "Never
   * applied twice") */
  [CG__ST_STOCK_STAGE_ROWS] =
    "INSERT INTO stock (sku, base_seq, updated_at)"
    " SELECT sku, COALESCE((SELECT CAST(value AS INTEGER) FROM cursors"
    "  WHERE name = '" CG_STORE_STOCK_BASE_CURSOR "'), 0), ?1"
    " FROM temp.stock_stage_sku WHERE true ON CONFLICT (sku) DO NOTHING",
  /* the SKUs the snapshot being applied has listed so far */
  [CG__ST_STOCK_STAGE_LISTED] =
    "INSERT INTO temp.stock_listed (sku) SELECT sku"
    " FROM temp.stock_stage_sku WHERE true ON CONFLICT (sku) DO NOTHING",
  /* never lowered until the snapshot is done */
  [CG__ST_STOCK_APPLYING_SET] =
    "INSERT INTO cursors (name, value, updated_at) VALUES ('"
    CG_STORE_STOCK_APPLYING_CURSOR "', ?1, ?2) ON CONFLICT (name) DO UPDATE"
    " SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS"
    " INTEGER)), updated_at = excluded.updated_at",
  [CG__ST_STOCK_BASES] =
    "SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM cursors"
    "  WHERE name = '" CG_STORE_STOCK_BASE_CURSOR "'), 0),"
    " COALESCE((SELECT CAST(value AS INTEGER) FROM cursors"
    "  WHERE name = '" CG_STORE_STOCK_APPLYING_CURSOR "'), 0)",
  [CG__ST_STOCK_LISTED_PUT] =
    "INSERT INTO temp.stock_listed (sku) VALUES (?1)"
    " ON CONFLICT (sku) DO NOTHING",
  [CG__ST_STOCK_LISTED_CLEAR] =
    "DELETE FROM temp.stock_listed",
  /* every row now holds the snapshot (listed or not): the log at or
   * below it is spent (a range of the primary key) */
  [CG__ST_STOCK_APPLIED_PRUNE] =
    "DELETE FROM stock_events WHERE seq <= ?1",
  [CG__ST_STOCK_APPLYING_CLEAR] =
    "DELETE FROM cursors WHERE name = '" CG_STORE_STOCK_APPLYING_CURSOR "'",
  /* store_stock_image.c: two walks in key order, merged in C (a join
   * would seek the levels once per SKU), and the log above the snapshot */
  [CG__ST_STOCK_IMAGE_ROWS] =
    "SELECT sku, pending_dispatch, pending_return, pushed_at, centra_known,"
    " centra_qty FROM stock ORDER BY sku",
  [CG__ST_STOCK_IMAGE_LEVELS] =
    "SELECT sku, status, quantity FROM stock_levels ORDER BY sku, status",
  [CG__ST_STOCK_IMAGE_EVENTS] =
    "SELECT sku, status, delta FROM stock_events WHERE seq > ?1",
  /* a SKU the last reconcile read all of Centra without confirming:
   * reconciled_at becomes the last time a reconcile did (?2, when later) */
  [CG__ST_STOCK_UNCONFIRMED] =
    "UPDATE stock SET centra_known = 2, reconciled_at = max(reconciled_at,"
    " ?2) WHERE sku = ?1 AND centra_known = 1",
  /* schema step 12: the SKUs each page of the snapshot applied; the
   * latest page that applied a SKU (a late event only) */
  [CG__ST_STOCK_PAGED_PUT] =
    "INSERT INTO stock_paged (as_of, skus) VALUES (?1, ?2)",
  [CG__ST_STOCK_PAGED_OF] =
    "SELECT as_of FROM stock_paged WHERE instr(skus, ?1) > 0"
    " ORDER BY id DESC LIMIT 1",
  [CG__ST_STOCK_PAGED_CLEAR] =
    "DELETE FROM stock_paged",
  [CG__ST_STOCK_STAGE_CLEAR] =
    "DELETE FROM temp.stock_stage",
  [CG__ST_STOCK_STAGE_CLEAR_SKUS] =
    "DELETE FROM temp.stock_stage_sku",
  /* A page of Centra's figures (temp.stock_cstage), read back with each
   * SKU's row and levels in one walk, recorded with one statement. */
  [CG__ST_STOCK_CSTAGE_PUT] =
    "INSERT INTO temp.stock_cstage (sku, qty, asked) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty,"
    " asked = excluded.asked",
  [CG__ST_STOCK_CSTAGE_SKIP] =
    "UPDATE temp.stock_cstage SET skip = 1 WHERE sku = ?1",
  [CG__ST_STOCK_CSTAGE_READ] =
    "SELECT " CG__STOCK_COLS_S ", stage_c.sku, stage_c.qty, stage_c.asked,"
    " l.status, l.quantity"
    " FROM temp.stock_cstage stage_c LEFT JOIN stock s ON s.sku = stage_c.sku"
    " LEFT JOIN stock_levels l ON l.sku = stage_c.sku ORDER BY stage_c.sku",
  /* an upsert: one seek per staged SKU (an UPDATE with the figure in a
   * subquery seeks twice; UPDATE ... FROM collects every row in a
   * temporary table first). Every SKU not skipped has a row: the
   * comparison skips those without (cg_store_stock_cstage_skip). */
  [CG__ST_STOCK_CSTAGE_SEEN] =
    "INSERT INTO stock (sku, centra_known, centra_qty, reconciled_at,"
    " updated_at) SELECT sku, 1, qty, ?1, ?1 FROM temp.stock_cstage"
    " WHERE skip = 0 ON CONFLICT (sku) DO UPDATE SET centra_known = 1,"
    " centra_qty = excluded.centra_qty, reconciled_at = ?1, updated_at = ?1",
  [CG__ST_STOCK_CSTAGE_CLEAR] =
    "DELETE FROM temp.stock_cstage",
  /* store_items.c (schema step 10, docs/internals/items.md). */
  [CG__ST_ITEM_GET] =
    "SELECT " CG__ITEM_COLS " FROM items WHERE sku = ?1",
  [CG__ST_ITEM_STATE] =
    "SELECT state FROM items WHERE sku = ?1",
  /* the pending or the rejected rows, by SKU, through items_open */
  [CG__ST_ITEMS_LIST_STATE] =
    "SELECT " CG__ITEM_COLS " FROM items INDEXED BY items_open"
    " WHERE state IN ('pending', 'rejected') AND state = ?1 AND sku > ?2"
    " ORDER BY sku LIMIT ?3",
  /* both: the two ranges of items_open merged in SKU order */
  [CG__ST_ITEMS_LIST_OPEN] =
    "SELECT * FROM (SELECT " CG__ITEM_COLS " FROM items"
    " INDEXED BY items_open WHERE state IN ('pending', 'rejected')"
    " AND state = 'pending' AND sku > ?1 UNION ALL SELECT " CG__ITEM_COLS
    " FROM items INDEXED BY items_open WHERE state IN ('pending', 'rejected')"
    " AND state = 'rejected' AND sku > ?1) ORDER BY sku LIMIT ?2",
  [CG__ST_ITEMS_COUNTS] =
    "SELECT state, count(*) FROM items INDEXED BY items_state"
    " GROUP BY state ORDER BY state",
  /* ?1 sku, ?2 excluded, ?3 doc, ?4 hash, ?5 product, ?6 size,
   * ?7 updatedAt, ?8 sweep, ?9 now. In an UPDATE every SET reads the old
   * row: an excluded row coming back is dirty whatever it was answered. */
  [CG__ST_ITEM_SOURCE] =
    "INSERT INTO items (sku, state, doc, hash, product_id, size_id,"
    " source_updated_at, dirty_since, seen_sweep, first_seen, updated_at)"
    " VALUES (?1, CASE WHEN ?2 THEN 'excluded' ELSE 'pending' END, ?3,"
    " coalesce(?4, ''), ?5, ?6, ?7, CASE WHEN ?2 THEN 0 ELSE ?9 END, ?8,"
    " ?9, ?9)"
    " ON CONFLICT (sku) DO UPDATE SET"
    " state = CASE WHEN ?2 THEN 'excluded' WHEN state = 'excluded'"
    "  THEN 'pending' ELSE state END,"
    " doc = CASE WHEN ?2 THEN doc ELSE ?3 END,"
    " hash = CASE WHEN ?2 THEN hash ELSE coalesce(?4, '') END,"
    " answered_hash = CASE WHEN NOT ?2 AND state = 'excluded' THEN ''"
    "  ELSE answered_hash END,"
    " dirty_since = CASE WHEN ?2 THEN 0 WHEN state = 'excluded' THEN ?9"
    "  WHEN coalesce(?4, '') = answered_hash THEN 0"
    "  WHEN dirty_since > 0 THEN dirty_since ELSE ?9 END,"
    " product_id = CASE WHEN ?5 <> 0 THEN ?5 ELSE product_id END,"
    " size_id = CASE WHEN ?6 <> 0 THEN ?6 ELSE size_id END,"
    " source_updated_at = coalesce(?7, source_updated_at),"
    " seen_sweep = CASE WHEN ?8 <> 0 THEN ?8 ELSE seen_sweep END,"
    " updated_at = ?9",
  [CG__ST_ITEM_DIRTY] =
    "SELECT dirty_since FROM items WHERE sku = ?1",
  /* the dirty rows in no batch, urgent first: the work itself */
  [CG__ST_ITEMS_DUE] =
    "SELECT " CG__ITEM_COLS " FROM items INDEXED BY items_due"
    " WHERE dirty_since > 0 AND batch = 0"
    " ORDER BY urgent DESC, dirty_since, sku LIMIT ?1",
  [CG__ST_ITEMS_ANY_DUE] =
    "SELECT urgent FROM items INDEXED BY items_due"
    " WHERE dirty_since > 0 AND batch = 0"
    " ORDER BY urgent DESC, dirty_since, sku LIMIT 1",
  [CG__ST_ITEM_BATCH_SET] =
    "UPDATE items SET batch = ?2 WHERE sku = ?1 AND batch IN (0, ?2)",
  [CG__ST_ITEMS_BATCH_FREE] =
    "UPDATE items INDEXED BY items_batch SET batch = 0"
    " WHERE batch > 0 AND batch = ?1",
  /* ?1 sku, ?2 hash, ?3 state, ?4 reason, ?5 now, ?6 the answering
   * batch (0: not from a batch): only about the current content (or a
   * row without one); an excluded row stays excluded; only the answering
   * batch frees the row from its batch (a SKU in another batch stays) */
  [CG__ST_ITEM_ANSWER] =
    "UPDATE items SET state = ?3, answered_hash = ?2, reason = ?4,"
    " answered_at = ?5, urgent = CASE WHEN ?3 = 'accepted' THEN 0"
    " ELSE urgent END, dirty_since = 0,"
    " batch = CASE WHEN ?6 > 0 AND batch = ?6 THEN 0 ELSE batch END,"
    " updated_at = ?5"
    " WHERE sku = ?1 AND state <> 'excluded'"
    " AND (doc IS NULL OR hash = ?2)",
  /* ?1 sku, ?2 the answering batch (> 0) */
  [CG__ST_ITEM_UNBATCH] =
    "UPDATE items SET batch = 0 WHERE sku = ?1 AND batch > 0 AND batch = ?2",
  [CG__ST_ITEM_ANSWER_NEW] =
    "INSERT INTO items (sku, state, answered_hash, reason, first_seen,"
    " answered_at, updated_at) VALUES (?1, ?3, ?2, ?4, ?5, ?5, ?5)"
    " ON CONFLICT (sku) DO NOTHING",
  [CG__ST_ITEM_RESEND] =
    "UPDATE items SET"
    " answered_hash = CASE WHEN doc IS NULL THEN answered_hash ELSE '' END,"
    " urgent = CASE WHEN doc IS NULL THEN 1 ELSE urgent END,"
    " dirty_since = CASE WHEN doc IS NULL OR state = 'excluded'"
    "  OR dirty_since > 0 THEN dirty_since ELSE ?2 END,"
    " updated_at = ?2 WHERE sku = ?1",
  [CG__ST_ITEM_PLACEHOLDER] =
    "INSERT INTO items (sku, state, urgent, first_seen, updated_at)"
    " VALUES (?1, 'pending', 1, ?2, ?2)"
    " ON CONFLICT (sku) DO UPDATE SET urgent = 1, updated_at = ?2"
    " WHERE urgent = 0",
  [CG__ST_ITEM_WAIT_PUT] =
    "INSERT INTO item_waits (sku, order_number, since) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (sku, order_number) DO NOTHING",
  [CG__ST_ITEM_WAITERS] =
    "SELECT order_number, since FROM item_waits WHERE sku = ?1"
    " ORDER BY order_number LIMIT ?2",
  [CG__ST_ITEM_WAITS_OF] =
    "SELECT sku, since FROM item_waits INDEXED BY item_waits_order"
    " WHERE order_number = ?1 ORDER BY sku",
  [CG__ST_ITEM_WAIT_REMOVE] =
    "DELETE FROM item_waits WHERE sku = ?1 AND order_number = ?2",
  [CG__ST_ITEM_WAITS_CLEAR] =
    "DELETE FROM item_waits INDEXED BY item_waits_order"
    " WHERE order_number = ?1",
  /* returns (schema step 11, store_returns.c). A return's lines are
   * reached through the primary key's return_id prefix: a handful. */
  [CG__ST_RETURN_PUT] =
    "INSERT INTO returns (" CG__RETURN_COLS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)"
    " ON CONFLICT (id) DO NOTHING",
  [CG__ST_RETURN_LINE_PUT] =
    "INSERT INTO return_lines (return_id, " CG__RETURN_LINE_COLS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
  /* a rejected return read again: its lines replaced (primary key) */
  [CG__ST_RETURN_LINES_DELETE] =
    "DELETE FROM return_lines WHERE return_id = ?1",
  [CG__ST_RETURN_GET] =
    "SELECT " CG__RETURN_COLS " FROM returns WHERE id = ?1",
  [CG__ST_RETURN_LINES] =
    "SELECT " CG__RETURN_LINE_COLS " FROM return_lines"
    " WHERE return_id = ?1 ORDER BY line_id",
  /* one order's returns, a few: sorted by creation */
  [CG__ST_RETURN_BY_ORDER] =
    "SELECT " CG__RETURN_COLS " FROM returns INDEXED BY returns_order"
    " WHERE order_number = ?1 ORDER BY created_at, id",
  [CG__ST_RETURN_SET_STEP] =
    "UPDATE returns SET step = ?2, hold_reason = ?3, updated_at = ?4"
    " WHERE id = ?1",
  [CG__ST_RETURN_SET_RECEIPT] =
    "UPDATE returns SET receipt_id = ?2, receipt = ?3, updated_at = ?4"
    " WHERE id = ?1",
  [CG__ST_RETURN_SET_PLAN] =
    "UPDATE returns SET plan = ?2, updated_at = ?3 WHERE id = ?1",
  [CG__ST_RETURN_LINE_RECEIVED] =
    "UPDATE return_lines SET received = ?3, condition = ?4,"
    " disposition = ?5 WHERE return_id = ?1 AND line_id = ?2",
  [CG__ST_RETURN_LINE_DECISION] =
    "UPDATE return_lines SET decision = ?3"
    " WHERE return_id = ?1 AND line_ref = ?2",
  [CG__ST_RETURN_ORDER_LINE] =
    "SELECT order_number, sku FROM order_lines INDEXED BY order_lines_ref"
    " WHERE line_ref = ?1 LIMIT 1",
  /* per return and SKU: the line the restocked units are recorded on
   * (the lowest line id with the SKU), the sums over its lines and the
   * most units the warehouse's feed can show for them */
  [CG__ST_RETURN_SKU_SUMS] =
    "SELECT min(line_id), coalesce(sum(centra_restocked), 0),"
    " coalesce(sum(warehouse_restocked), 0),"
    " coalesce(sum(max(advised, received)), 0) FROM return_lines"
    " WHERE return_id = ?1 AND sku = ?2",
  [CG__ST_RETURN_RESTOCK_CENTRA] =
    "UPDATE return_lines SET centra_restocked = centra_restocked + ?3"
    " WHERE return_id = ?1 AND line_id = ?2",
  [CG__ST_RETURN_RESTOCK_WAREHOUSE] =
    "UPDATE return_lines SET warehouse_restocked = warehouse_restocked + ?3"
    " WHERE return_id = ?1 AND line_id = ?2",
  /* the held returns, a handful: those whose exceptions of kind ?1 (key:
   * the return id in decimal, hence the CAST to reach exceptions_entity)
   * are all resolved */
  [CG__ST_RETURN_HELD_RESOLVED] =
    "SELECT " CG__RETURN_COLS " FROM returns r INDEXED BY returns_held"
    " WHERE r.step = 'held'"
    " AND NOT EXISTS (SELECT 1 FROM exceptions e INDEXED BY exceptions_entity"
    "  WHERE e.entity_kind = ?1 AND e.entity_key = CAST(r.id AS TEXT)"
    "  AND e.state = 'open') ORDER BY r.id LIMIT ?2",
  [CG__ST_RETURN_COUNTS] =
    "SELECT step, count(*) FROM returns INDEXED BY returns_step"
    " GROUP BY step ORDER BY step",
};
/* clang-format on */
