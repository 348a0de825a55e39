/*
 * store_types: the row structs, lists and enums that core/store hands to
 * its callers (flows, ops, app). Declarations only; functions are in
 * store.h.
 *
 * Ownership convention (one rule for every read in the store):
 *
 *   - A read fills a caller-provided struct. Every `char *` in it is an
 *     owned copy made with cg_malloc (NULL where the column is NULL).
 *   - Release a single row with cg_store_<thing>_clear(&row): it frees the
 *     strings and zeroes the struct, so clearing twice is harmless and a
 *     zero-initialised struct may be cleared.
 *   - Lists are { items, n }; release with cg_store_<thing>_list_clear().
 *   - On failure a read leaves the output zeroed (nothing to free).
 *   - Writes take `const char *` arguments and copy nothing the caller
 *     must free; the store never keeps caller pointers.
 *
 * Times are int64 milliseconds since the Unix epoch (cg_time_now_ms()).
 */
#ifndef CG_STORE_STORE_TYPES_H
#define CG_STORE_STORE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One open merchant store (opaque). */
struct cg_store;

/* Bump together with a new migration step in store.c (and store.md). */
#define CG_STORE_SCHEMA_VERSION 12

struct cg_store_opts {
  const char *path;        /* SQLite file; required; created if missing */
  const char *name;        /* merchant id for log lines; may be NULL */
  const char *synchronous; /* "FULL" (NULL = FULL), "EXTRA", "NORMAL",
                              "OFF"; anything else is CG_EINVAL */
  int busy_timeout_ms;     /* 0 = 5000 */
};

/* ---- inbox -------------------------------------------------------------*/

struct cg_store_inbox_row {
  int64_t id;
  char *source;  /* "centra" | "gxo" */
  char *msg_id;  /* the source's id for the message (dedupe key) */
  char *kind;    /* e.g. "order.confirmed", "order.accepted" */
  char *payload; /* raw payload text as received */
  int64_t received_at;
  int64_t processed_at; /* 0 while pending */
  char *outcome;        /* NULL while pending */
  char *error;          /* NULL unless processing failed */
};

struct cg_store_inbox_list {
  struct cg_store_inbox_row *items;
  size_t n;
};

/* ---- outbox ------------------------------------------------------------*/

/* The stored text of each state is its lower-case name ("pending", ...). */
enum cg_store_outbox_state {
  CG_STORE_OUTBOX_PENDING = 0, /* waiting for next_attempt_at */
  CG_STORE_OUTBOX_INFLIGHT,    /* handed to delivery, outcome unknown */
  CG_STORE_OUTBOX_DONE,        /* partner accepted (2xx) */
  CG_STORE_OUTBOX_FAILED,      /* permanent failure: the dead-letter set */
  CG_STORE_OUTBOX_NSTATES
};

struct cg_store_outbox_row {
  int64_t id;
  char *kind;            /* e.g. "gxo.order.create" */
  char *entity_key;      /* business key, e.g. order number "83651" */
  char *idempotency_key; /* unique per kind */
  char *payload;         /* request body text */
  enum cg_store_outbox_state state;
  int64_t attempts; /* delivery attempts that ended in retry/done/fail */
  int64_t created_at;
  int64_t next_attempt_at;
  int64_t updated_at;
  int last_status;  /* last HTTP status, 0 = none/transport error */
  char *last_error; /* NULL if none */
};

struct cg_store_outbox_list {
  struct cg_store_outbox_row *items;
  size_t n;
};

/* Filter for cg_store_outbox_list(); NULL/negative fields match all. */
struct cg_store_outbox_filter {
  int state;              /* enum cg_store_outbox_state or -1 for any */
  const char *kind;       /* NULL = any */
  const char *entity_key; /* NULL = any */
  int64_t offset;
  int64_t limit; /* <= 0 means 100 */
};

/* ---- orders ------------------------------------------------------------*/

/* Our state of an order. Stored as its lower-case name ("received", ...).
 * Adding a state needs no table change, but it does need a new (possibly
 * empty) migration step so that older engines, which would misread the
 * new name, refuse the file (docs/internals/store.md §3). */
enum cg_store_order_state {
  CG_STORE_ORDER_RECEIVED = 0,
  CG_STORE_ORDER_HELD,
  CG_STORE_ORDER_QUEUED,
  CG_STORE_ORDER_SENT,
  CG_STORE_ORDER_ACCEPTED,
  CG_STORE_ORDER_REJECTED,
  CG_STORE_ORDER_SHIPPED, /* every line shipped (dispatch flow) */
  /* every line shipped or cancelled, nothing shipped (dispatch flow:
   * the warehouse closed or cancelled it all, settled in Centra) */
  CG_STORE_ORDER_CLOSED,
  /* every unit cancelled at the warehouse after a cancel in Centra
   * (flows/changes.h; schema step 7) */
  CG_STORE_ORDER_CANCELLED,
  CG_STORE_ORDER_NSTATES
};

struct cg_store_order {
  char *number;        /* Centra order number: the business key */
  char *centra_id;     /* Centra internal id, may be NULL */
  char *centra_status; /* status as last seen in Centra, may be NULL */
  enum cg_store_order_state state;
  char *payload;         /* canonical order JSON text, may be NULL */
  char *hold_reason;     /* why held/rejected, NULL otherwise */
  char *rule_generation; /* "pack@version#hash" that last decided */
  char *gxo_ref;         /* the warehouse's id once accepted, may be NULL */
  int64_t created_at;    /* read only: set on first insert */
  int64_t updated_at;    /* read only: set on every write */
};

struct cg_store_order_list {
  struct cg_store_order *items;
  size_t n;
};

struct cg_store_order_line {
  char *line_ref; /* Centra order line id; unique within the order */
  char *sku;
  int64_t quantity;
  char *unit_price; /* decimal text as Centra sends it, may be NULL */
};

struct cg_store_order_line_list {
  struct cg_store_order_line *items;
  size_t n;
};

/* ---- exceptions --------------------------------------------------------*/

/* What cg_store_exception_raise() records. Strings are copied. */
struct cg_store_exception_new {
  const char *type;            /* e.g. "UNMAPPED_CARRIER"; required */
  const char *entity_kind;     /* e.g. "order"; required */
  const char *entity_key;      /* e.g. "83651"; required */
  const char *message;         /* human text; required */
  const char *rule_generation; /* may be NULL */
  const char *owner;           /* e.g. "ops", "cs"; may be NULL */
  const char *severity;        /* e.g. "warning", "critical"; may be NULL */
};

struct cg_store_exception {
  int64_t id;
  char *type;
  char *entity_kind;
  char *entity_key;
  char *message; /* latest message */
  char *rule_generation;
  char *owner;
  char *severity;
  char *state;   /* "open" | "resolved" */
  int64_t count; /* times raised while open */
  int64_t first_seen;
  int64_t last_seen;
  int64_t resolved_at;        /* 0 while open */
  char *resolved_by;          /* NULL while open */
  char *resolution_note;      /* NULL while open or if none given */
  int64_t retry_requested_at; /* 0 = no retry pending */
};

struct cg_store_exception_list {
  struct cg_store_exception *items;
  size_t n;
};

/* Filter for cg_store_exception_list(); NULL fields match all. */
struct cg_store_exception_filter {
  const char *state; /* "open" | "resolved" | NULL */
  const char *type;
  const char *entity_kind;
  const char *entity_key;
  bool retry_requested; /* true: only rows with a pending retry request */
  int64_t offset;
  int64_t limit; /* <= 0 means 100 */
};

/* ---- audit, counts, rule generations -----------------------------------*/

struct cg_store_audit {
  int64_t id;
  int64_t at;
  char *entity_kind;
  char *entity_key;
  char *action; /* e.g. "received", "held", "sent", "accepted" */
  char *detail; /* free text or JSON, may be NULL */
  char *rule_generation;
};

struct cg_store_audit_list {
  struct cg_store_audit *items;
  size_t n;
};

/* A (name, count) pair, e.g. open exceptions of one type. */
struct cg_store_count {
  char *name;
  int64_t count;
};

struct cg_store_count_list {
  struct cg_store_count *items;
  size_t n;
};

struct cg_store_rule_generation {
  int64_t id;
  char *pack;
  char *version;
  char *content_hash;
  int64_t loaded_at;
};

#endif
