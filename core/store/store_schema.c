/*
 * store_schema: the numbered migration steps of the merchant store.
 *
 * The schema is a public interface (ops tooling, `sqlite3` by hand, a
 * future PostgreSQL backend): a step, once released, is never edited.
 * Changes are a new step appended here, CG_STORE_SCHEMA_VERSION bumped in
 * store_types.h, and docs/internals/store.md updated. Each step runs in one
 * transaction (cg__store_migrate in store.c).
 */
#include "store/store_int.h"

/* Version 1: the order flow (issue 3). */
static const char schema_v1[] =
    "CREATE TABLE schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL);"

    "CREATE TABLE inbox ("
    " id INTEGER PRIMARY KEY,"
    " source TEXT NOT NULL CHECK (source IN ('centra', 'gxo')),"
    " msg_id TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " received_at INTEGER NOT NULL,"
    " processed_at INTEGER,"
    " outcome TEXT,"
    " error TEXT,"
    " UNIQUE (source, msg_id));"
    "CREATE INDEX inbox_pending ON inbox (id) WHERE processed_at IS NULL;"

    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " entity_key TEXT NOT NULL,"
    " idempotency_key TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (state IN ('pending', 'inflight', 'done', 'failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " next_attempt_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " last_status INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT,"
    " UNIQUE (kind, idempotency_key));"
    "CREATE INDEX outbox_due ON outbox (next_attempt_at, id)"
    " WHERE state = 'pending';"
    "CREATE INDEX outbox_state ON outbox (state);"
    "CREATE INDEX outbox_entity ON outbox (entity_key);"

    "CREATE TABLE orders ("
    " number TEXT NOT NULL PRIMARY KEY,"
    " centra_id TEXT,"
    " centra_status TEXT,"
    " state TEXT NOT NULL,"
    " payload TEXT,"
    " hold_reason TEXT,"
    " rule_generation TEXT,"
    " gxo_ref TEXT,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX orders_state ON orders (state);"

    "CREATE TABLE order_lines ("
    " order_number TEXT NOT NULL"
    "  REFERENCES orders (number) ON DELETE CASCADE,"
    " line_ref TEXT NOT NULL,"
    " position INTEGER NOT NULL,"
    " sku TEXT NOT NULL,"
    " quantity INTEGER NOT NULL CHECK (quantity >= 0),"
    " unit_price TEXT,"
    " PRIMARY KEY (order_number, line_ref)) WITHOUT ROWID;"

    "CREATE TABLE exceptions ("
    " id INTEGER PRIMARY KEY,"
    " type TEXT NOT NULL,"
    " entity_kind TEXT NOT NULL,"
    " entity_key TEXT NOT NULL,"
    " message TEXT NOT NULL,"
    " rule_generation TEXT,"
    " owner TEXT,"
    " severity TEXT,"
    " state TEXT NOT NULL DEFAULT 'open'"
    "  CHECK (state IN ('open', 'resolved')),"
    " count INTEGER NOT NULL DEFAULT 1,"
    " first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " resolved_at INTEGER,"
    " resolved_by TEXT,"
    " resolution_note TEXT,"
    " retry_requested_at INTEGER);"
    "CREATE UNIQUE INDEX exceptions_open"
    " ON exceptions (type, entity_kind, entity_key) WHERE state = 'open';"
    "CREATE INDEX exceptions_entity ON exceptions (entity_kind, entity_key);"
    "CREATE INDEX exceptions_seen ON exceptions (state, last_seen);"

    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " entity_kind TEXT NOT NULL,"
    " entity_key TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " detail TEXT,"
    " rule_generation TEXT);"
    "CREATE INDEX audit_entity ON audit (entity_key, id);"

    "CREATE TABLE cursors ("
    " name TEXT NOT NULL PRIMARY KEY,"
    " value TEXT NOT NULL,"
    " updated_at INTEGER NOT NULL) WITHOUT ROWID;"

    "CREATE TABLE rule_generations ("
    " id INTEGER PRIMARY KEY,"
    " pack TEXT NOT NULL,"
    " version TEXT NOT NULL,"
    " content_hash TEXT NOT NULL,"
    " loaded_at INTEGER NOT NULL);";

/* Version 2: every hot-path statement finds its rows through an index
 * whose size is the work, not the table (issue 8): due rows per kind,
 * done rows and processed messages by age (pruning), open exceptions an
 * operator asked to retry. */
static const char schema_v2[] =
    "CREATE INDEX outbox_due_kind ON outbox (kind, next_attempt_at, id)"
    " WHERE state = 'pending';"
    "CREATE INDEX outbox_done ON outbox (updated_at) WHERE state = 'done';"
    "CREATE INDEX inbox_processed ON inbox (processed_at)"
    " WHERE processed_at IS NOT NULL;"
    "CREATE INDEX exceptions_retry ON exceptions (last_seen, id)"
    " WHERE state = 'open' AND retry_requested_at IS NOT NULL;";

/* Version 3: the sources of the last good rule generations, so that a
 * merchant whose pack on disk no longer loads boots from the last one
 * that did (files as JSON: {"pack": [{name, text}], "scripts": [...]}). */
static const char schema_v3[] =
    "CREATE TABLE rule_sources ("
    " content_hash TEXT NOT NULL PRIMARY KEY,"
    " label TEXT NOT NULL,"
    " files TEXT NOT NULL,"
    " saved_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX rule_sources_saved ON rule_sources (saved_at);";

/* Version 4: the outbox rebuilt (SQLite's create, copy, drop, rename
 * procedure; see docs/internals/store.md §3) for the cost of each write:
 *   - the state CHECK compares one value at a time: the same rule as v1's
 *     "state IN (4 names)", which SQLite evaluated through a temporary
 *     B-tree built on every insert and state change;
 *   - outbox_due (pending rows by time, all kinds) and outbox_state (every
 *     row by state) go: no hot-path statement reads them, yet every state
 *     change rewrote them. Each state's rows are now found through a
 *     partial index of that state only: outbox_due_kind (pending),
 *     outbox_inflight, outbox_done, outbox_failed. */
static const char schema_v4[] =
    "CREATE TABLE outbox_v4 ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " entity_key TEXT NOT NULL,"
    " idempotency_key TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (state = 'pending' OR state = 'inflight' OR state = 'done'"
    "   OR state = 'failed'),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " next_attempt_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " last_status INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT,"
    " UNIQUE (kind, idempotency_key));"
    "INSERT INTO outbox_v4 (id, kind, entity_key, idempotency_key, payload,"
    " state, attempts, created_at, next_attempt_at, updated_at, last_status,"
    " last_error)"
    " SELECT id, kind, entity_key, idempotency_key, payload, state, attempts,"
    " created_at, next_attempt_at, updated_at, last_status, last_error"
    " FROM outbox ORDER BY id;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_v4 RENAME TO outbox;"
    "CREATE INDEX outbox_due_kind ON outbox (kind, next_attempt_at, id)"
    " WHERE state = 'pending';"
    "CREATE INDEX outbox_inflight ON outbox (kind) WHERE state = 'inflight';"
    "CREATE INDEX outbox_done ON outbox (updated_at) WHERE state = 'done';"
    "CREATE INDEX outbox_failed ON outbox (kind) WHERE state = 'failed';"
    "CREATE INDEX outbox_entity ON outbox (entity_key);";

/* Version 5: the dispatch flow (docs/internals/dispatch.md): one row per
 * warehouse consignment (shipmentId) with the step its Centra shipment
 * reached, the order lines it holds, and its parcels for the timeline. */
static const char schema_v5[] =
    "CREATE TABLE dispatches ("
    " shipment_id TEXT NOT NULL PRIMARY KEY,"
    " order_number TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " step TEXT NOT NULL CHECK (step = 'received' OR step = 'created'"
    "  OR step = 'tagged' OR step = 'completed' OR step = 'held'),"
    " centra_id INTEGER,"
    " stamp TEXT NOT NULL,"
    " captured INTEGER NOT NULL DEFAULT 0,"
    " hold_reason TEXT,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " create_sent_at INTEGER) WITHOUT ROWID;"
    "CREATE INDEX dispatches_order ON dispatches (order_number);"

    "CREATE TABLE dispatch_lines ("
    " shipment_id TEXT NOT NULL"
    "  REFERENCES dispatches (shipment_id) ON DELETE CASCADE,"
    " line_ref TEXT NOT NULL,"
    " quantity INTEGER NOT NULL CHECK (quantity > 0),"
    " PRIMARY KEY (shipment_id, line_ref)) WITHOUT ROWID;"

    "CREATE TABLE dispatch_parcels ("
    " shipment_id TEXT NOT NULL"
    "  REFERENCES dispatches (shipment_id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " parcel_id TEXT,"
    " tracking_number TEXT,"
    " tracking_url TEXT,"
    " PRIMARY KEY (shipment_id, position)) WITHOUT ROWID;";

/* Version 6: remainders and capture (docs/internals/dispatch.md
 * "Remainders", "Capture"): what the warehouse closed or cancelled
 * without shipping (order.closed, order.cancelled), per line, with how
 * far its settling in Centra got; and the capture policy a consignment's
 * shipment was created with. */
static const char schema_v6[] =
    "CREATE TABLE remainders ("
    " id TEXT NOT NULL PRIMARY KEY,"
    " order_number TEXT NOT NULL,"
    " event TEXT NOT NULL CHECK (event = 'order.closed'"
    "  OR event = 'order.cancelled'),"
    " payload TEXT NOT NULL,"
    " step TEXT NOT NULL CHECK (step = 'received' OR step = 'cancelled'"
    "  OR step = 'held'),"
    " hold_reason TEXT,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX remainders_order ON remainders (order_number);"

    "CREATE TABLE remainder_lines ("
    " id TEXT NOT NULL REFERENCES remainders (id) ON DELETE CASCADE,"
    " line_ref TEXT NOT NULL,"
    " quantity INTEGER NOT NULL CHECK (quantity > 0),"
    " shipped INTEGER CHECK (shipped >= 0),"
    " centra_cancelled INTEGER NOT NULL DEFAULT 0"
    "  CHECK (centra_cancelled >= 0),"
    " PRIMARY KEY (id, line_ref)) WITHOUT ROWID;"

    "CREATE TABLE captures ("
    " shipment_id TEXT NOT NULL PRIMARY KEY"
    "  REFERENCES dispatches (shipment_id) ON DELETE CASCADE,"
    " policy TEXT NOT NULL CHECK (policy = 'on_shipment'"
    "  OR policy = 'manual'),"
    " warning TEXT,"
    " updated_at INTEGER NOT NULL) WITHOUT ROWID;";

/* Version 7: orders follow Centra after export (docs/internals/
 * changes.md). No table changes: an order whose every line was cancelled
 * at the warehouse is now stored in the new state 'cancelled'; the step
 * exists so that an older engine, which would misread that name, refuses
 * the file (docs/internals/store.md §3). */
static const char schema_v7[] = "";

/* Version 8: the SLA monitor (core/flows/monitor.c, docs/internals/
 * store.md "sla_orders"): one row per order accepted by the warehouse
 * with its dispatch deadline and warning time, and the monitor's next
 * look (next_at) in a partial index, so a tick reads only the rows due.
 * Triggers keep it in step with the flows that do not know it: the
 * order's acceptance opens the row, the order's first consignment (a
 * dispatches row) or its end (shipped, rejected, cancelled, closed) closes it,
 * in the same transaction as that change. Orders accepted before this step get
 * a row each (acceptance time: their last update). */
static const char schema_v8[] =
    "CREATE TABLE sla_orders ("
    " order_number TEXT NOT NULL PRIMARY KEY,"
    " accepted_at INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK (state = 'new' OR state = 'watching'"
    "  OR state = 'warned' OR state = 'breached' OR state = 'closing'"
    "  OR state = 'closed'),"
    " warn_at INTEGER,"
    " deadline INTEGER,"
    " due_text TEXT,"
    " next_at INTEGER,"
    " breached_at INTEGER,"
    " ended_at INTEGER,"
    " end_reason TEXT,"
    " rule_generation TEXT,"
    " updated_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX sla_due ON sla_orders (next_at) WHERE next_at IS NOT NULL;"

    "CREATE TRIGGER sla_accepted AFTER UPDATE OF state ON orders"
    " WHEN new.state = 'accepted' AND old.state <> 'accepted'"
    " BEGIN"
    " INSERT INTO sla_orders (order_number, accepted_at, state,"
    "  next_at, updated_at)"
    "  SELECT new.number, new.updated_at, 'new', new.updated_at,"
    "  new.updated_at WHERE NOT EXISTS (SELECT 1 FROM dispatches"
    "  WHERE order_number = new.number)"
    "  ON CONFLICT (order_number) DO UPDATE SET state = 'new',"
    "  accepted_at = excluded.accepted_at, next_at = excluded.next_at,"
    "  warn_at = NULL, deadline = NULL, due_text = NULL,"
    "  breached_at = NULL, ended_at = NULL, end_reason = NULL,"
    "  updated_at = excluded.updated_at WHERE sla_orders.state = 'closed';"
    " END;"

    "CREATE TRIGGER sla_dispatched AFTER INSERT ON dispatches"
    " BEGIN"
    " UPDATE sla_orders SET state = 'closing', next_at = new.created_at,"
    "  ended_at = new.created_at,"
    "  end_reason = 'dispatched (' || new.shipment_id || ')',"
    "  updated_at = new.created_at"
    "  WHERE order_number = new.order_number AND state <> 'closing'"
    "  AND state <> 'closed';"
    " END;"

    "CREATE TRIGGER sla_order_ended AFTER UPDATE OF state ON orders"
    " WHEN new.state <> old.state AND (new.state = 'shipped'"
    "  OR new.state = 'rejected' OR new.state = 'cancelled'"
    "  OR new.state = 'closed' OR new.state = 'held')"
    " BEGIN"
    " UPDATE sla_orders SET state = 'closing', next_at = new.updated_at,"
    "  ended_at = new.updated_at, end_reason = 'order ' || new.state,"
    "  updated_at = new.updated_at"
    "  WHERE order_number = new.number AND state <> 'closing'"
    "  AND state <> 'closed';"
    " END;"

    "INSERT INTO sla_orders (order_number, accepted_at, state, next_at,"
    " updated_at)"
    " SELECT number, updated_at, 'new', updated_at, updated_at FROM orders"
    " WHERE state = 'accepted' AND NOT EXISTS (SELECT 1 FROM dispatches"
    " WHERE order_number = orders.number);";

/* Version 9: the stock flow (docs/internals/stock.md, docs/internals/
 * store.md "stock"): per SKU the warehouse's quantities per status as the
 * engine knows them (stock_levels), the applied-event log that makes
 * every stock effect count once (stock_events, PRIMARY KEY (seq, sku,
 * status)), the dispatched units Centra has not taken out yet
 * (stock_dispatch) and, in stock, the push state. The flusher reads the
 * dirty SKUs in no batch and not held through the partial index
 * stock_dirty, so its cost is the dirty set, not the catalogue. Every
 * warehouse event sequence seen above the watermark is in stock_seq; the
 * one-row stock_seqstate holds the watermark and the highest seen. */
static const char schema_v9[] =
    "CREATE TABLE stock ("
    " sku TEXT NOT NULL PRIMARY KEY,"
    " base_seq INTEGER NOT NULL DEFAULT 0,"
    " version INTEGER NOT NULL DEFAULT 0,"
    " pending_dispatch INTEGER NOT NULL DEFAULT 0,"
    " pending_return INTEGER NOT NULL DEFAULT 0,"
    " pushed INTEGER NOT NULL DEFAULT 0,"
    " pushed_qty INTEGER NOT NULL DEFAULT 0,"
    " pushed_version INTEGER NOT NULL DEFAULT 0,"
    " pushed_at INTEGER NOT NULL DEFAULT 0,"
    " dirty_since INTEGER NOT NULL DEFAULT 0,"
    " batch INTEGER NOT NULL DEFAULT 0,"
    " held INTEGER NOT NULL DEFAULT 0,"
    " centra_known INTEGER NOT NULL DEFAULT 0,"
    " centra_qty INTEGER NOT NULL DEFAULT 0,"
    " reconciled_at INTEGER NOT NULL DEFAULT 0,"
    " updated_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX stock_dirty ON stock (dirty_since, sku)"
    " WHERE dirty_since > 0 AND batch = 0 AND held = 0;"
    /* the SKUs Centra refused, a handful: the release sweep, admin API */
    "CREATE INDEX stock_held ON stock (sku) WHERE held = 1;"

    "CREATE TABLE stock_levels ("
    " sku TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " quantity INTEGER NOT NULL,"
    " PRIMARY KEY (sku, status)) WITHOUT ROWID;"

    "CREATE TABLE stock_events ("
    " seq INTEGER NOT NULL,"
    " sku TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " delta INTEGER NOT NULL,"
    " PRIMARY KEY (seq, sku, status)) WITHOUT ROWID;"
    "CREATE INDEX stock_events_sku ON stock_events (sku, seq);"

    "CREATE TABLE stock_dispatch ("
    " shipment_id TEXT NOT NULL,"
    " sku TEXT NOT NULL,"
    " quantity INTEGER NOT NULL,"
    " PRIMARY KEY (shipment_id, sku)) WITHOUT ROWID;"
    /* held consignments, a handful: the sweep for the ones resolved by
     * hand (their units leave D) */
    "CREATE INDEX dispatches_held ON dispatches (shipment_id)"
    " WHERE step = 'held';"

    "CREATE TABLE stock_seq ("
    " seq INTEGER PRIMARY KEY,"
    " seen_at INTEGER NOT NULL);"
    "CREATE INDEX stock_seq_seen ON stock_seq (seen_at);"

    "CREATE TABLE stock_seqstate ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " watermark INTEGER NOT NULL,"
    " highest INTEGER NOT NULL);"
    "INSERT INTO stock_seqstate (id, watermark, highest) VALUES (1, 0, 0);";

/* Version 10: the item master (docs/internals/items.md, docs/internals/
 * store.md "items"): per SKU the warehouse item the pack built from
 * Centra, its content hash, the hash the warehouse last answered about,
 * and the push state; item_waits lists the orders held for a SKU. A row
 * is dirty (dirty_since > 0) exactly when it is not excluded, has a doc
 * and hash <> answered_hash. Every hot read goes through a partial index
 * whose rows are the work itself: items_due (dirty, in no batch, urgent
 * first), items_batch (the rows of unfinished batches), items_open (the
 * pending and rejected rows, the launch-readiness list); items_state
 * counts the rows per state for metrics. */
static const char schema_v10[] =
    "CREATE TABLE items ("
    " sku TEXT NOT NULL PRIMARY KEY,"
    /* ORs, not IN: an IN list builds a temporary table per write */
    " state TEXT NOT NULL CHECK (state = 'pending' OR state = 'accepted'"
    "  OR state = 'rejected' OR state = 'excluded'),"
    " doc TEXT,"
    " hash TEXT NOT NULL DEFAULT '',"
    " answered_hash TEXT NOT NULL DEFAULT '',"
    " reason TEXT,"
    " product_id INTEGER NOT NULL DEFAULT 0,"
    " size_id INTEGER NOT NULL DEFAULT 0,"
    " source_updated_at TEXT,"
    " dirty_since INTEGER NOT NULL DEFAULT 0,"
    " urgent INTEGER NOT NULL DEFAULT 0,"
    " batch INTEGER NOT NULL DEFAULT 0,"
    " seen_sweep INTEGER NOT NULL DEFAULT 0,"
    " first_seen INTEGER NOT NULL,"
    " answered_at INTEGER NOT NULL DEFAULT 0,"
    " updated_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX items_due ON items (urgent DESC, dirty_since, sku)"
    " WHERE dirty_since > 0 AND batch = 0;"
    "CREATE INDEX items_batch ON items (batch, sku) WHERE batch > 0;"
    "CREATE INDEX items_open ON items (state, sku)"
    " WHERE state IN ('pending', 'rejected');"
    "CREATE INDEX items_state ON items (state);"

    "CREATE TABLE item_waits ("
    " sku TEXT NOT NULL,"
    " order_number TEXT NOT NULL,"
    " since INTEGER NOT NULL,"
    " PRIMARY KEY (sku, order_number)) WITHOUT ROWID;"
    "CREATE INDEX item_waits_order ON item_waits (order_number, sku);";

/* Version 11: customer returns (docs/internals/returns.md "Store",
 * docs/internals/store.md "returns"): per Centra return (id = Centra's
 * return id, whose decimal form is the rmaRef) its step, the warehouse's
 * receipt, the pack's plan and the hold reason; per return line the
 * warehouse lineRef (= Centra order line id), SKU, the units advised and
 * received, and for the restock route centra the units Centra restocked
 * and those the warehouse's feed showed for this RMA and SKU. A return's
 * lines are read and written through the primary key's return_id prefix
 * (a handful of rows). order_lines_ref is the way from a Centra return
 * line to the order the engine sent; returns_held holds the held
 * returns only (the resolved-by-hand sweep); returns_step counts the rows
 * per step for metrics. */
static const char schema_v11[] =
    "CREATE TABLE returns ("
    " id INTEGER PRIMARY KEY,"
    " order_number TEXT,"
    /* ORs, not IN: an IN list builds a temporary table per write */
    " step TEXT NOT NULL CHECK (step = 'new' OR step = 'advised'"
    "  OR step = 'rejected' OR step = 'received' OR step = 'decided'"
    "  OR step = 'completed' OR step = 'settled' OR step = 'held'"
    "  OR step = 'ignored'),"
    " initial_status TEXT,"
    " comment TEXT,"
    " receipt_id TEXT,"
    " receipt TEXT,"
    " plan TEXT,"
    " hold_reason TEXT,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX returns_order ON returns (order_number);"
    "CREATE INDEX returns_held ON returns (id) WHERE step = 'held';"
    "CREATE INDEX returns_step ON returns (step);"

    "CREATE TABLE return_lines ("
    " return_id INTEGER NOT NULL"
    "  REFERENCES returns (id) ON DELETE CASCADE,"
    " line_id INTEGER NOT NULL,"
    " line_ref TEXT NOT NULL,"
    " sku TEXT NOT NULL,"
    " advised INTEGER NOT NULL CHECK (advised > 0),"
    " received INTEGER NOT NULL DEFAULT -1 CHECK (received >= -1),"
    " condition TEXT,"
    " disposition TEXT,"
    " decision TEXT,"
    " centra_restocked INTEGER NOT NULL DEFAULT 0"
    "  CHECK (centra_restocked >= 0),"
    " warehouse_restocked INTEGER NOT NULL DEFAULT 0"
    "  CHECK (warehouse_restocked >= 0),"
    " PRIMARY KEY (return_id, line_id)) WITHOUT ROWID;"

    "CREATE INDEX order_lines_ref ON order_lines (line_ref);";

/* Version 12: the SKUs each page of a stock snapshot applied (docs/
 * internals/stock.md "Never applied twice"), one row per page: the
 * snapshot's asOfSequence and the page's SKUs, each between two 0x1f
 * bytes. A late warehouse event at or below a snapshot being applied is
 * held when the latest page that applied its SKU is as of its sequence
 * or later (that page counted it); the rows go when the snapshot is done.
 * Before, every page rewrote its SKUs' rows with the snapshot's sequence
 * (stock.base_seq), one seek and write per SKU. */
static const char schema_v12[] = "CREATE TABLE stock_paged ("
                                 " id INTEGER PRIMARY KEY,"
                                 " as_of INTEGER NOT NULL,"
                                 " skus TEXT NOT NULL);";

const struct cg__migration cg__store_migrations[] = {
    {1, "order flow: inbox, outbox, orders, exceptions, audit", schema_v1,
     false},
    {2, "hot-path indexes: due rows per kind, pruning, retry requests",
     schema_v2, false},
    {3, "sources of the last good rule generations", schema_v3, false},
    {4,
     "outbox rebuilt: a state check without a temporary table, one index "
     "per state",
     schema_v4, true},
    {5, "dispatches: warehouse consignments and their Centra shipments",
     schema_v5, false},
    {6, "remainders (order.closed, order.cancelled) and capture policies",
     schema_v6, false},
    {7, "order state 'cancelled': Centra cancels followed after export",
     schema_v7, false},
    {8, "sla_orders: dispatch deadlines of accepted orders (SLA monitor)",
     schema_v8, false},
    {9, "stock: levels, applied-event log, dispatched units, sequences",
     schema_v9, false},
    {10, "items: the item master and the orders waiting on it", schema_v10,
     false},
    {11, "returns: customer returns, their lines and restocked units",
     schema_v11, false},
    {12, "stock_paged: the SKUs each page of a stock snapshot applied",
     schema_v12, false},
};

const size_t cg__store_migrations_count =
    sizeof(cg__store_migrations) / sizeof(cg__store_migrations[0]);

_Static_assert(sizeof(cg__store_migrations) / sizeof(cg__store_migrations[0]) ==
                   CG_STORE_SCHEMA_VERSION,
               "one migration step per schema version");
