/*
 * Crash safety of the store: a child process runs the order flow's write
 * pattern (order + lines + outbox row + audit row + inbox mark in one
 * transaction, with some transactions rolled back on purpose) in a loop
 * and is SIGKILLed at a random moment, several times over the same file.
 * After each kill the parent reopens the file and checks that
 *
 *   - PRAGMA integrity_check is ok,
 *   - every order the child reported committed is there,
 *   - every committed order is complete (its lines, outbox row and audit
 *     row exist) and nothing of a rolled-back transaction exists.
 *
 * The seed is printed so a failure can be replayed (CG_TEST_SEED).
 */
#include "store_fixture.h"

#include "base/log.h"
#include "base/time.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 20

static int child_write_one(struct cg_store *s, long i, bool rollback)
{
  struct cg_err err = {0};
  char num[32], key[48], msg[32];
  snprintf(num, sizeof(num), "%s%ld", rollback ? "rb-" : "", i);
  snprintf(key, sizeof(key), "merchant:%s", num);
  snprintf(msg, sizeof(msg), "ev-%s", num);
  struct cg_store_order o = {.number = num,
                             .state = CG_STORE_ORDER_QUEUED,
                             .payload = "{\"lines\":[1,2]}"};
  struct cg_store_order_line l[2] = {{"a", "SKU-A", 1, "9.90"},
                                     {"b", "SKU-B", 3, NULL}};
  int64_t in_id = 0;
  /* A kill between the intake commit and the flow commit leaves the inbox
   * row pending; the replay finds it as a duplicate, as intake would. */
  int ret = cg_store_inbox_put(s, "centra", msg, "order", "{}", &in_id, &err);
  if ((ret != 0 && ret != CG_EEXIST) || cg_store_begin(s, &err) ||
      cg_store_order_upsert(s, &o, &err) ||
      cg_store_order_lines_replace(s, num, l, 2, &err) ||
      cg_store_outbox_put(s, "gxo.order.create", num, key, "{}", 0, NULL,
                          &err) ||
      cg_store_audit_append(s, "order", num, "queued", NULL, NULL, &err) ||
      cg_store_inbox_mark(s, in_id, "queued", NULL, &err)) {
    fprintf(stderr, "child: %s\n", err.msg);
    return -1;
  }
  return rollback ? cg_store_rollback(s, &err) : cg_store_commit(s, &err);
}

/* Never returns: writes until killed. Reports each committed number. */
static void child_main(const char *path, int fd, long start)
{
  struct cg_err err = {0};
  struct cg_store *s = NULL;
  struct cg_store_opts o = {.path = path};
  if (cg_store_open(&o, &s, &err) != 0)
    _exit(2);
  for (long i = start;; i++) {
    if (child_write_one(s, i, i % 7 == 3) != 0)
      _exit(3);
    if (i % 7 != 3 && write(fd, &i, sizeof(i)) != (ssize_t)sizeof(i))
      _exit(4);
  }
}

/* Highest number the child reported committed, or start - 1. */
static long read_reports(int fd, long start)
{
  long last = start - 1, v;
  ssize_t n;
  while ((n = read(fd, &v, sizeof(v))) == (ssize_t)sizeof(v))
    last = v;
  return last;
}

static long run_round(const char *path, long start, unsigned *seed)
{
  int p[2];
  assert_int_equal(pipe(p), 0);
  pid_t pid = fork();
  assert_true(pid != -1);
  if (pid == 0) {
    close(p[0]);
    child_main(path, p[1], start);
  }
  close(p[1]);
  useconds_t delay = 30000 + (useconds_t)(rand_r(seed) % 300000);
  usleep(delay);
  assert_int_equal(kill(pid, SIGKILL), 0);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (!WIFSIGNALED(status))
    print_message("child exit status %d\n", WEXITSTATUS(status));
  /* Killed, not exited with an error of its own. */
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  long last = read_reports(p[0], start);
  close(p[0]);
  return last;
}

static void check_file(struct fx *f, long last_reported)
{
  assert_int_equal(fx_open(f), 0);
  struct cg_err err = {0};
  assert_int_equal(cg_store_integrity_check(f->s, &err), 0);
  if (last_reported >= 0) {
    char num[32];
    snprintf(num, sizeof(num), "%ld", last_reported);
    struct cg_store_order o;
    assert_int_equal(cg_store_order_get(f->s, num, &o, &err), 0);
    cg_store_order_clear(&o);
  }
  cg_store_close(f->s);
  f->s = NULL;
  const char *p = f->path;
  assert_int_equal(fx_sql_int(p, "SELECT count(*) FROM orders WHERE "
                                 "number LIKE 'rb-%'"),
                   0);
  assert_int_equal(fx_sql_int(p, "SELECT count(*) FROM orders o WHERE NOT "
                                 "EXISTS (SELECT 1 FROM outbox x WHERE "
                                 "x.entity_key = o.number)"),
                   0);
  assert_int_equal(fx_sql_int(p, "SELECT count(*) FROM orders o WHERE "
                                 "(SELECT count(*) FROM order_lines l WHERE "
                                 "l.order_number = o.number) != 2"),
                   0);
  assert_int_equal(fx_sql_int(p, "SELECT count(*) FROM orders o WHERE NOT "
                                 "EXISTS (SELECT 1 FROM audit a WHERE "
                                 "a.entity_key = o.number)"),
                   0);
  long long orders = fx_sql_int(p, "SELECT count(*) FROM orders");
  assert_int_equal(fx_sql_int(p, "SELECT count(*) FROM outbox"), orders);
  assert_int_equal(fx_sql_int(p, "SELECT count(*) FROM audit"), orders);
  /* Every inbox row marked queued belongs to a committed order. */
  assert_int_equal(fx_sql_int(p, "SELECT count(*) FROM inbox WHERE outcome "
                                 "= 'queued'"),
                   orders);
}

static void test_sigkill_during_writes(void **state)
{
  struct fx *f = *state;
  cg_store_close(f->s); /* the children own the file during a round */
  f->s = NULL;
  const char *env = getenv("CG_TEST_SEED");
  unsigned seed =
      env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)cg_time_now_ms();
  print_message("crash test seed %u (replay with CG_TEST_SEED)\n", seed);
  long next = 0, total_reported = 0;
  for (int r = 0; r < ROUNDS; r++) {
    long last = run_round(f->path, next, &seed);
    check_file(f, last);
    total_reported += last - next + 1;
    /* Continue numbering after whatever is in the file. */
    next = (long)fx_sql_int(f->path, "SELECT coalesce(max(CAST(number AS "
                                     "INTEGER)), -1) + 1 FROM orders");
    assert_true(next > last);
  }
  print_message("committed %ld transactions across %d kills\n", total_reported,
                ROUNDS);
  assert_true(total_reported > 0);
  assert_int_equal(fx_open(f), 0);
}

int main(void)
{
  cg_log_set_level(CG_LOG_WARN);
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sigkill_during_writes, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
