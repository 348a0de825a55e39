/*
 * bench_store: durable write rates of the merchant store on one disk.
 *
 *   bench_store [DIR] [SECONDS] [SYNCHRONOUS]
 *
 * DIR defaults to a fresh directory under /tmp (use the disk production
 * will use: the figures are dominated by fsync), SECONDS per figure
 * defaults to 2, SYNCHRONOUS to FULL. Prints figures, asserts nothing:
 *
 *   commit       single-row transactions (one audit row each)
 *   outbox       put + mark_inflight + done per row (three commits)
 *   flow         order + 2 lines + outbox row + audit row in one commit
 *   hot@N        the delivery path's statements for one order (earlier
 *                sends of the order, enqueue, resolve its exceptions, due
 *                rows, inflight, done, next due) in one commit, with N
 *                pending outbox rows and N/10 open exceptions already in
 *                the store: flat across N when every statement uses an
 *                index that does not grow with the tables (issue 8)
 */
#include "testutil.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int (*bench_fn)(struct cg_store *s, long i, struct cg_err *err);

static int one_commit(struct cg_store *s, long i, struct cg_err *err)
{
  return cg_store_audit_append(s, "bench", "commit", "tick", NULL, NULL, err);
}

static int outbox_cycle(struct cg_store *s, long i, struct cg_err *err)
{
  char key[32];
  snprintf(key, sizeof(key), "ob-%ld", i);
  int64_t id = 0;
  int ret = cg_store_outbox_put(s, "gxo.order.create", key, key,
                                "{\"orderRef\":\"x\"}", 0, &id, err);
  if (ret == 0)
    ret = cg_store_outbox_mark_inflight(s, id, err);
  return ret ? ret : cg_store_outbox_done(s, id, 201, err);
}

static int flow_tx(struct cg_store *s, long i, struct cg_err *err)
{
  char num[32];
  snprintf(num, sizeof(num), "fl-%ld", i);
  struct cg_store_order o = {.number = num,
                             .state = CG_STORE_ORDER_QUEUED,
                             .payload = "{\"lines\":2}"};
  struct cg_store_order_line l[2] = {{"1", "SKU-1", 1, "10.00"},
                                     {"2", "SKU-2", 2, "5.00"}};
  int ret = cg_store_begin(s, err);
  if (ret == 0 &&
      (cg_store_order_upsert(s, &o, err) ||
       cg_store_order_lines_replace(s, num, l, 2, err) ||
       cg_store_outbox_put(s, "gxo.order.create", num, num, "{}", 0, NULL,
                           err) ||
       cg_store_audit_append(s, "order", num, "queued", NULL, NULL, err)))
    ret = err->code;
  if (ret != 0) {
    cg_store_rollback(s, NULL);
    return ret;
  }
  return cg_store_commit(s, err);
}

/* N pending rows due later (not taken by the hot path) and N/10 open
 * exceptions of other orders, in one transaction. */
static int backlog_fill(struct cg_store *s, long from, long to,
                        struct cg_err *err)
{
  int ret = cg_store_begin(s, err);
  for (long i = from; ret == 0 && i < to; i++) {
    char key[32];
    snprintf(key, sizeof(key), "bk-%ld", i);
    ret = cg_store_outbox_put(s, "gxo.order.create", key, key, "{}",
                              cg_time_now_ms() + 3600000, NULL, err);
    struct cg_store_exception_new x = {.type = "RULE_HOLD",
                                       .entity_kind = "order",
                                       .entity_key = key,
                                       .message = "held"};
    if (ret == 0 && i % 10 == 0)
      ret = cg_store_exception_raise(s, &x, NULL, NULL, err);
  }
  if (ret != 0) {
    cg_store_rollback(s, NULL);
    return ret;
  }
  return cg_store_commit(s, err);
}

static int hot_steps(struct cg_store *s, const char *num, struct cg_err *err)
{
  struct cg_store_outbox_filter prior = {
      .state = -1, .kind = "gxo.order.create", .entity_key = num};
  struct cg_store_outbox_list l = {0};
  int64_t id = 0, at = 0;
  int ret = cg_store_outbox_list(s, &prior, &l, err);
  cg_store_outbox_list_clear(&l);
  if (ret == 0)
    ret =
        cg_store_outbox_put(s, "gxo.order.create", num, num, "{}", 0, &id, err);
  if (ret == 0)
    ret = cg_store_exception_resolve_entity(s, "order", num, "bench", NULL,
                                            NULL, err);
  if (ret == 0)
    ret = cg_store_outbox_due_kind(s, "gxo.order.create", cg_time_now_ms(), 32,
                                   &l, err);
  cg_store_outbox_list_clear(&l);
  if (ret == 0)
    ret = cg_store_outbox_mark_inflight(s, id, err);
  if (ret == 0)
    ret = cg_store_outbox_done(s, id, 201, err);
  return ret ? ret
             : cg_store_outbox_next_due_kind(s, "gxo.order.create", &at, err);
}

static int hot_path(struct cg_store *s, long i, struct cg_err *err)
{
  static long seq;
  char num[32];
  snprintf(num, sizeof(num), "hp-%ld", seq++);
  int ret = cg_store_begin(s, err);
  if (ret == 0)
    ret = hot_steps(s, num, err);
  if (ret != 0) {
    cg_store_rollback(s, NULL);
    return ret;
  }
  return cg_store_commit(s, err);
}

/* CPU time of this process, ms (fsync waits are not CPU). */
static double cpu_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int run(struct cg_store *s, const char *label, bench_fn fn,
               double seconds)
{
  double cpu0 = cpu_ms();
  struct cg_err err = {0};
  int64_t start = cg_time_mono_ms();
  int64_t end = start + (int64_t)(seconds * 1000);
  long n = 0;
  while (cg_time_mono_ms() < end) {
    if (fn(s, n, &err) != 0) {
      fprintf(stderr, "bench_store: %s: %s\n", label, err.msg);
      return 1;
    }
    n++;
  }
  double secs = (double)(cg_time_mono_ms() - start) / 1000.0;
  printf("%-11s %8ld ops in %.2fs = %9.1f /s  (%.3f ms each, CPU %.1f us)\n",
         label, n, secs, n / secs, secs * 1000.0 / (double)(n ? n : 1),
         (cpu_ms() - cpu0) * 1000.0 / (double)(n ? n : 1));
  return 0;
}

/* hot@N for N = 0, 10,000 and 100,000 stored rows. */
static int run_backlog(struct cg_store *s, double seconds)
{
  static const long sizes[] = {0, 10000, 100000};
  struct cg_err err = {0};
  int rc = 0;
  for (size_t k = 0; rc == 0 && k < 3; k++) {
    char label[32];
    snprintf(label, sizeof(label), "hot@%ld", sizes[k]);
    if (k > 0 && backlog_fill(s, sizes[k - 1], sizes[k], &err) != 0) {
      fprintf(stderr, "bench_store: backlog: %s\n", err.msg);
      return 1;
    }
    rc = run(s, label, hot_path, seconds);
  }
  return rc;
}

int main(int argc, char **argv)
{
  cg_log_set_level(CG_LOG_WARN);
  char *tmp = NULL;
  const char *dir = argc > 1 ? argv[1] : (tmp = tu_tmpdir("bench-store"));
  double seconds = argc > 2 ? atof(argv[2]) : 2.0;
  const char *sync = argc > 3 ? argv[3] : "FULL";
  if (dir == NULL || seconds <= 0) {
    fprintf(stderr, "usage: bench_store [DIR] [SECONDS] [SYNCHRONOUS]\n");
    return 2;
  }
  char path[1024];
  snprintf(path, sizeof(path), "%s/bench-%ld.db", dir, (long)getpid());
  struct cg_err err = {0};
  struct cg_store *s = NULL;
  struct cg_store_opts o = {.path = path, .synchronous = sync};
  if (cg_store_open(&o, &s, &err) != 0) {
    fprintf(stderr, "bench_store: %s\n", err.msg);
    return 1;
  }
  printf("store bench: %s (WAL, synchronous=%s)\n", path, sync);
  int rc = run(s, "commit", one_commit, seconds) ||
           run(s, "outbox", outbox_cycle, seconds) ||
           run(s, "flow", flow_tx, seconds);
  rc = rc || run_backlog(s, seconds);
  cg_store_close(s);
  char side[1100];
  const char *sfx[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    snprintf(side, sizeof(side), "%s%s", path, sfx[i]);
    remove(side);
  }
  if (tmp != NULL) {
    tu_rmtree(tmp);
    cg_free(tmp);
  }
  return rc;
}
