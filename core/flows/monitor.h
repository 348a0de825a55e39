/*
 * monitor: the SLA monitor (issue 9 item 8, docs/operations.md "SLA").
 * Every order the warehouse accepted gets a dispatch deadline from the
 * pack's alerts.deadline hook (cut-off, working days, time zone,
 * holidays; scripts/cg/alerts.lua); an order not dispatched by it raises
 * SLA_BREACH, and SLA_WARNING comes first at the pack's share of the
 * time. Both close themselves when the order is dispatched.
 *
 *   orders.state -> accepted ──trigger──▶ sla_orders row 'new'
 *   tick (1 s, merchant schedule): rows due by index (sla_due)
 *     new      ─▶ alerts.deadline through the rule host ─▶ watching
 *     watching ─▶ warn_at passed: SLA_WARNING ─▶ warned
 *     warned   ─▶ deadline passed: SLA_BREACH (supersedes the warning)
 *   first consignment (dispatches row) or order shipped / rejected /
 *   cancelled ──trigger──▶ closing ─▶ tick: SLA_* resolved ─▶ closed
 *
 * "Dispatched" is the warehouse's first shipment.confirmed for the order
 * (its consignment row, whatever Centra has done with it since): the SLA
 * measures the warehouse, and a split or short-shipped order left on time
 * when its first parcel did. SLA exceptions are raised on the entity
 * ("sla", order number), so they neither supersede nor are superseded by
 * the order's own problems (flows/exceptions.h). Times come from
 * cg_time_now_ms(), so a test clock (base/time.h) moves the monitor.
 */
#ifndef CG_FLOWS_MONITOR_H
#define CG_FLOWS_MONITOR_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct cg_flow;
struct cg_monitor;

#define CG_MONITOR_ENTITY "sla"
#define CG_MONITOR_HOOK "alerts.deadline"

/* A monitor of f's orders; NULL on ENOMEM. It has no handle of its own:
 * the merchant's schedule calls cg_monitor_tick. */
struct cg_monitor *cg_monitor_create(struct cg_flow *f);
/* Call after the rule host is destroyed (its calls answered CANCELED). */
void cg_monitor_destroy(struct cg_monitor *m);
/* One pass over the rows due now: constant work per call (at most a
 * batch of rows, at most a few hook calls in flight). */
void cg_monitor_tick(struct cg_monitor *m);

/* The check of alerts.deadline's result (flows/hooks.c): nil, or
 * {deadline = ms > 0, warnAt = ms in (0, deadline] or nil, due = text,
 * option = text}. */
int cg_monitor_check_deadline(cJSON **out, char *why, size_t size);

#endif
