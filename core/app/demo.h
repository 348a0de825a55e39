/*
 * demo: `centra-gxo demo [--orders N] [--seed N] [--for SECONDS] [--json]
 * [--keep]`. Starts centra-gxo-sim (both partners, on free loopback ports)
 * with the examples/demo scenario, runs the engine in-process against it
 * with the reference rule pack, prints a live summary and the URLs to
 * look at, and stops on Ctrl-C or after --for seconds. With --json it ends
 * by printing one JSON object:
 *   {"orders", "sent", "accepted", "shipped", "consignments", "sla",
 *    "returns": {advised, received, completed, refunded, held},
 *    "held": {TYPE: n}, "warehouse_orders", "warehouse_duplicates"}
 * where the last two come from the simulator's own records.
 */
#ifndef CG_APP_DEMO_H
#define CG_APP_DEMO_H

/* argv[0] is "demo". Returns the process exit code. */
int cg_demo_main(int argc, char **argv);

#endif
