/*
 * exceptions: see exceptions.h.
 */
#include "flows/exceptions.h"

#include "base/err.h"
#include "base/log.h"
#include "flows/flow.h"
#include "store/store.h"

#include <string.h>

struct type_default {
  const char *type;
  const char *owner;
  const char *severity;
  const char *next_step;
};

static const struct type_default defaults[] = {
    {"UNMAPPED_CARRIER", "integrator", "warning",
     "map the shipping option in carriers.lua; held orders retry on reload"},
    {"INVALID_ADDRESS", "customer-service", "warning",
     "correct the address in Centra; the change is picked up"},
    {"UNKNOWN_SKU", "merchandising", "critical",
     "the order waits for its items in the warehouse's item master and is "
     "sent by itself once they are accepted; if an ITEM_REJECTED is named, "
     "fix that product in Centra; an item made at the warehouse by hand: "
     "retry the exception"},
    {"ITEM_REJECTED", "merchandising", "critical",
     "the warehouse refused the item (field and reason in the message): "
     "fix the product or size in Centra (the change is sent by itself), or "
     "retry the exception to send it again as it is"},
    {"PARTNER_REJECTED", "ops", "critical",
     "read the warehouse's reason, fix, then retry the exception"},
    {"RULE_ERROR", "integrator", "critical",
     "fix the rule pack; held orders retry on reload"},
    {"RULE_HOLD", "ops", "info",
     "the pack holds it on purpose; retry when "
     "the condition is gone"},
    {"DISPATCH_INVALID", "ops", "critical",
     "the warehouse shipped what the order does not hold (order, line or "
     "quantity): fix the data, then retry the exception"},
    {"SPLIT_DIRECT_TO_SHIPMENT", "ops", "warning",
     "the warehouse shipped part of an order Centra made one shipment for: "
     "split or remove that shipment in Centra, then retry the exception"},
    {"SHORT_SHIPPED", "ops", "warning",
     "the warehouse closed or cancelled units it will not ship and the "
     "pack leaves them to operations: cancel them in Centra (or have them "
     "shipped), then resolve the exception; retry asks the pack again"},
    {"CAPTURE_FAILED", "finance", "critical",
     "Centra shipped without capturing the payment: fix the payment with "
     "the provider, then retry the exception (captureShipment)"},
    {"CHANGE_TOO_LATE", "customer-service", "critical",
     "the customer changed or cancelled the order in Centra after the "
     "warehouse started picking it: call the carrier or the customer"},
    {"CHANGE_REVIEW", "ops", "warning",
     "the order changed in Centra after it went to the warehouse and the "
     "pack leaves it to you: change or cancel it at the warehouse, then "
     "resolve the exception"},
    {"SLA_WARNING", "ops", "warning",
     "the order is not dispatched yet and its deadline is near: ask the "
     "warehouse; it closes itself when the order ships"},
    {"SLA_BREACH", "ops", "critical",
     "the order missed its dispatch deadline: chase the warehouse and tell "
     "customer service; it closes itself when the order ships"},
    {"STOCK_SYNC", "ops", "critical",
     "Centra refused a stock figure: fix what Centra says (e.g. create the "
     "SKU in Centra), then retry the exception; the SKU is not updated "
     "until then"},
    {"STOCK_DRIFT", "ops", "warning",
     "Centra's physical stock of the SKU differed from the warehouse's "
     "figure with nothing in flight to explain it: the engine sets it "
     "right at the next push; find out who changed it in Centra (another "
     "integration, a manual edit); it closes itself when a reconcile finds "
     "the SKU right"},
    {"RETURN_REJECTED", "customer-service", "warning",
     "the warehouse was not told to expect this return (its reason, or the "
     "return line that is not from an order the engine sent, is in the "
     "message): correct the return in Centra, then retry the exception to "
     "read it and tell the warehouse again"},
    {"RETURN_MISMATCH", "customer-service", "warning",
     "the parcel the warehouse received differs from the return, the rule "
     "pack held it, a second receipt came, or a refund must be made by hand "
     "(the message lists each line): check the parcel with the warehouse; "
     "to have the engine decide again retry the exception; once you have "
     "refunded or settled it yourself in Centra, resolve it"},
    {"UNADVISED_RETURN", "customer-service", "warning",
     "a parcel came back to the warehouse without a return the engine knows "
     "(RMA, tracking and order in the message): find the customer's order, "
     "create or settle the return in Centra by hand, then resolve the "
     "exception"},
    {"SYNC_FAILURE", "ops", "critical",
     "check partner reachability and "
     "the log; retry the exception"},
};

static const struct type_default *find_default(const char *type)
{
  for (size_t i = 0; i < sizeof(defaults) / sizeof(*defaults); i++)
    if (strcmp(defaults[i].type, type) == 0)
      return &defaults[i];
  return NULL;
}

static int supersede_others(struct cg_flow *f, const char *type,
                            const char *kind, const char *key,
                            struct cg_err *err)
{
  struct cg_store_exception_filter flt = {
      .state = "open", .entity_kind = kind, .entity_key = key};
  struct cg_store_exception_list list = {0};
  int rc = cg_store_exception_list(f->store, &flt, &list, err);
  for (size_t i = 0; rc == 0 && i < list.n; i++)
    if (strcmp(list.items[i].type, type) != 0)
      rc = cg_store_exception_resolve(f->store, list.items[i].id, "engine",
                                      "superseded by a newer problem", err);
  cg_store_exception_list_clear(&list);
  return rc;
}

static int raise_in_tx(struct cg_flow *f, const char *type,
                       const char *entity_kind, const char *entity_key,
                       const char *message, const char *generation,
                       struct cg_err *err)
{
  const struct type_default *d = find_default(type);
  struct cg_store_exception_new x = {
      .type = type,
      .entity_kind = entity_kind,
      .entity_key = entity_key,
      .message = message,
      .rule_generation = generation,
      .owner = d ? d->owner : "ops",
      .severity = d ? d->severity : "warning",
  };
  int rc = supersede_others(f, type, entity_kind, entity_key, err);
  bool created = false;
  if (rc == 0)
    rc = cg_store_exception_raise(f->store, &x, NULL, &created, err);
  if (rc == 0 && created)
    cg_log_warn("exceptions", "[merchant=%s] %s %s: %s: %s; next: %s",
                f->merchant, entity_kind, entity_key, type, message,
                d ? d->next_step : "investigate");
  return rc;
}

int cg_flow_raise(struct cg_flow *f, const char *type, const char *entity_kind,
                  const char *entity_key, const char *message,
                  const char *generation, struct cg_err *err)
{
  if (cg_store_in_any_tx(f->store))
    return raise_in_tx(f, type, entity_kind, entity_key, message, generation,
                       err);
  /* outside any: one of its own, so the supersede and the raise are one */
  int rc = cg_store_savepoint(f->store, err);
  if (rc != 0)
    return rc;
  rc = raise_in_tx(f, type, entity_kind, entity_key, message, generation, err);
  int end = cg_store_savepoint_end(f->store, rc == 0, rc ? NULL : err);
  return rc ? rc : end;
}

int cg_flow_resolve(struct cg_flow *f, const char *entity_kind,
                    const char *entity_key, const char *note,
                    struct cg_err *err)
{
  return cg_store_exception_resolve_entity(f->store, entity_kind, entity_key,
                                           "engine", note, NULL, err);
}

/* raise (type given) or resolve, logged and counted when the store cannot
 * take it: cg_flow_raise takes a savepoint of its own outside a
 * transaction, and a resolve is one statement. */
static void alone(struct cg_flow *f, const char *type, const char *entity_kind,
                  const char *entity_key, const char *text)
{
  struct cg_err err = {0};
  int rc =
      type ? cg_flow_raise(f, type, entity_kind, entity_key, text, NULL, &err)
           : cg_flow_resolve(f, entity_kind, entity_key, text, &err);
  if (rc != 0) {
    f->metrics.store_errors++;
    cg_log_error("exceptions", "[merchant=%s] %s %s: %s not recorded: %s",
                 f->merchant, entity_kind, entity_key,
                 type ? type : "the resolution", err.msg);
  }
}

void cg_flow_raise_alone(struct cg_flow *f, const char *type,
                         const char *entity_kind, const char *entity_key,
                         const char *message)
{
  alone(f, type, entity_kind, entity_key, message);
}

void cg_flow_resolve_alone(struct cg_flow *f, const char *entity_kind,
                           const char *entity_key, const char *note)
{
  alone(f, NULL, entity_kind, entity_key, note);
}
