/*
 * host_child: the OS limits of the rule host process and its call
 * children (docs/internals/rules.md, "The rule host").
 *
 *   zygote start (cg__host_lockdown)       call child (cg__host_fork)
 *     close fds > 2, open own statm          RLIMIT_AS = zygote image
 *     reply page: MAP_SHARED|ANONYMOUS         + mem_limit + slack
 *     PR_SET_NO_NEW_PRIVS                    RLIMIT_CPU (whole seconds)
 *     RLIMIT_NOFILE 4, RLIMIT_CORE 0         second filter: no clone,
 *     SIGCHLD blocked (sigtimedwait)           fork, kill, wait4, ...
 *     seccomp: allowlist, default KILL       run, reply into the page,
 *                                            _exit
 *
 * The zygote is the only writer of frames on stdout: a child puts its
 * reply in the shared page and the zygote frames it after the child is
 * gone, so a child killed halfway through can never leave half a frame on
 * the pipe. The zygote waits with sigtimedwait(SIGCHLD) up to the
 * deadline, then SIGKILLs. Children _exit: no atexit handlers, no stdio
 * flush, no LeakSanitizer pass (which would need ptrace and clone).
 */
#define _GNU_SOURCE /* close_range */
#include "rules/host_int.h"
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"

#include <errno.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AS_SLACK (64u << 20) /* cJSON of arguments and results, stacks */
/* uint32 length, uint32 progress step, int64 the step's start (mono ms),
 * int64 the start of the hook call in progress (mono ms; 0 = none), then
 * the text */
#define SHM_HEAD 24
#define SHM_STEP 4
#define SHM_STEP_AT 8
#define SHM_HOOK_AT 16
#define POLL_MS 10     /* the zygote's look at a child's first hook */
#define EXIT_SETUP 121 /* a call child could not tighten its limits */
/* The host and its call children run below the engine's priority: rule
 * code that spins takes what the engine's loop (every merchant's I/O)
 * and other processes leave, never their share. */
#define HOST_NICE 10

/* ---- the zygote's filter ---------------------------------------------- */

/* Every syscall the zygote and its call children make after start,
 * found by tracing the tests (tests/unit/test_rulehost.c) in the ASan and
 * the release build: glibc's fork is clone(SIGCHLD|CLONE_CHILD_*) plus
 * set_robust_list in the child; brk/mmap/munmap/mremap are malloc, madvise
 * and sigaltstack ASan; pread64 reads our own statm, prlimit64 and
 * seccomp are the call child tightening its limits. clock_gettime and
 * time are the vDSO's fallbacks (the budget hook reads the clock). Anything
 * else kills the process. */
static const int zygote_allow[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(exit_group),
    SCMP_SYS(brk),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres), /* clock_getcpuclockid: a starved child */
    SCMP_SYS(time),
    SCMP_SYS(getpid),
    SCMP_SYS(getppid),
    SCMP_SYS(wait4),
    SCMP_SYS(rt_sigtimedwait),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(pread64),
    SCMP_SYS(prlimit64),
    SCMP_SYS(seccomp),
    SCMP_SYS(sigaltstack),
};

static int add_rules(scmp_filter_ctx ctx)
{
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < sizeof(zygote_allow) / sizeof(int); i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, zygote_allow[i], 0);
  /* Memory, never executable. */
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                          SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  /* fork (glibc: clone without CLONE_VM/CLONE_THREAD), not threads. */
  if (rc == 0)
    rc = seccomp_rule_add(
        ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
        SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_VM | CLONE_THREAD, 0));
  /* A call child asks to die with the zygote. */
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                          SCMP_A0(SCMP_CMP_EQ, PR_SET_PDEATHSIG));
  /* SIGKILL to an overrunning child, nothing else. */
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
                          SCMP_A1(SCMP_CMP_EQ, SIGKILL));
  return rc;
}

static int zygote_filter(void)
{
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (ctx == NULL)
    return -ENOMEM;
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc == 0)
    rc = add_rules(ctx);
  if (rc == 0)
    rc = seccomp_load(ctx);
  seccomp_release(ctx);
  return rc;
}

/* The call child's second filter: on top of the zygote's, no process
 * control and no more limit changes. */
static scmp_filter_ctx child_rules(void)
{
  static const int deny[] = {
      SCMP_SYS(clone),   SCMP_SYS(clone3),  SCMP_SYS(fork),
      SCMP_SYS(vfork),   SCMP_SYS(kill),    SCMP_SYS(tkill),
      SCMP_SYS(tgkill),  SCMP_SYS(wait4),   SCMP_SYS(prlimit64),
      SCMP_SYS(seccomp), SCMP_SYS(pread64), SCMP_SYS(prctl),
  };
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  int rc = ctx ? seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) : -ENOMEM;
  for (size_t i = 0; rc == 0 && i < sizeof(deny) / sizeof(*deny); i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, deny[i], 0);
  if (rc != 0) {
    seccomp_release(ctx);
    return NULL;
  }
  return ctx;
}

/* Compiles the child filter to BPF once, through a pipe (libseccomp 2.5
 * exports only to a file descriptor): generating it in every call child
 * cost about 200 us a call. */
static int compile_child_filter(struct cg__host *z)
{
  scmp_filter_ctx ctx = child_rules();
  int fds[2];
  if (ctx == NULL || pipe(fds) == -1) {
    seccomp_release(ctx);
    return -1;
  }
  int rc = seccomp_export_bpf(ctx, fds[1]);
  seccomp_release(ctx);
  size_t cap = 4096;
  z->child_bpf = rc == 0 ? cg_malloc(cap) : NULL;
  ssize_t n = z->child_bpf ? read(fds[0], z->child_bpf, cap) : -1;
  close(fds[0]);
  close(fds[1]);
  if (n <= 0 || (size_t)n == cap || n % sizeof(struct sock_filter) != 0)
    return -1;
  z->child_len = (size_t)n / sizeof(struct sock_filter);
  return 0;
}

static int load_child_filter(const struct cg__host *z)
{
  struct sock_fprog prog = {.len = (unsigned short)z->child_len,
                            .filter = z->child_bpf};
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* ---- zygote start ------------------------------------------------------ */

static int set_limit(int resource, rlim_t value)
{
  struct rlimit rl = {.rlim_cur = value, .rlim_max = value};
  return setrlimit(resource, &rl);
}

static void close_inherited(void)
{
  if (close_range(3, ~0u, 0) == 0)
    return;
  for (int fd = 3; fd < 1024; fd++)
    close(fd); /* no close_range (old kernel): EBADF is expected */
}

static int open_own(struct cg__host *z, struct cg_err *err)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/statm", (int)getpid());
  z->statm_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (z->statm_fd == -1)
    return cg_err_set(err, CG_EIO, "cannot open %s: %s", path, strerror(errno));
  z->shm_cap = CG__FRAME_MAX;
  z->shm = mmap(NULL, z->shm_cap + SHM_HEAD, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (z->shm == MAP_FAILED) {
    z->shm = NULL;
    return cg_err_set(err, CG_EIO, "cannot map the reply page: %s",
                      strerror(errno));
  }
  return 0;
}

/* Runs every lazy initialisation that would open a file later: glibc
 * reads /etc/localtime on the first gmtime_r (log lines, cg.iso8601_utc),
 * OpenSSL its config and provider on the first digest. */
static int warm_up(void)
{
  tzset();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
    return -1;
  return EVP_Digest("", 0, md, &n, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

int cg__host_lockdown(struct cg__host *z, struct cg_err *err)
{
  if (warm_up() != 0)
    return cg_err_set(err, CG_EIO, "cannot initialise SHA-256");
  close_inherited();
  int rc = open_own(z, err);
  if (rc != 0)
    return rc;
  if (compile_child_filter(z) != 0)
    return cg_err_set(err, CG_EIO, "cannot build the call child filter");
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &chld, NULL) == -1 ||
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
      set_limit(RLIMIT_NOFILE, 4) == -1 || set_limit(RLIMIT_CORE, 0) == -1 ||
      setpriority(PRIO_PROCESS, 0, HOST_NICE) == -1)
    return cg_err_set(err, CG_EIO, "cannot limit the rule host: %s",
                      strerror(errno));
  rc = zygote_filter();
  if (rc != 0)
    return cg_err_set(err, CG_EIO, "cannot install the seccomp filter: %s",
                      strerror(-rc));
  return 0;
}

/* ---- call children ----------------------------------------------------- */

/* The zygote's address space in bytes (first field of statm, in pages). */
static size_t image_bytes(struct cg__host *z)
{
  char buf[128];
  ssize_t n = pread(z->statm_fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  unsigned long long pages = 0;
  if (sscanf(buf, "%llu", &pages) != 1)
    return 0;
  return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

void cg__host_shm_put(struct cg__host *z, const cJSON *reply)
{
  char *text = z->shm + SHM_HEAD;
  if (reply == NULL ||
      !cJSON_PrintPreallocated((cJSON *)reply, text, (int)z->shm_cap, 0))
    return; /* the zygote reports a child that left no reply */
  uint32_t len = (uint32_t)strlen(text);
  memcpy(z->shm, &len, sizeof(len));
}

void cg__host_progress(struct cg__host *z, uint32_t step)
{
  int64_t now = cg_time_mono_ms();
  memcpy(z->shm + SHM_STEP_AT, &now, sizeof(now));
  memcpy(z->shm + SHM_STEP, &step, sizeof(step));
}

uint32_t cg__host_progress_get(const struct cg__host *z, int64_t *ran_ms)
{
  uint32_t step;
  int64_t at;
  memcpy(&step, z->shm + SHM_STEP, sizeof(step));
  memcpy(&at, z->shm + SHM_STEP_AT, sizeof(at));
  *ran_ms = step != 0 ? cg_time_mono_ms() - at : 0;
  return step;
}

/* The generation's on_hook in a call child: the zygote's watchdog reads
 * when the hook in progress started. */
static void hook_started(void *ctx)
{
  struct cg__host *z = ctx;
  int64_t now = cg_time_mono_ms();
  memcpy(z->shm + SHM_HOOK_AT, &now, sizeof(now));
}

static int64_t hook_at(const struct cg__host *z)
{
  int64_t at;
  memcpy(&at, z->shm + SHM_HOOK_AT, sizeof(at));
  return at;
}

int64_t cg__host_hook_ran_ms(const struct cg__host *z)
{
  int64_t at = hook_at(z);
  return at != 0 ? cg_time_mono_ms() - at : 0;
}

static void child_main(struct cg__host *z, pid_t zygote, size_t as,
                       int64_t deadline_ms, cg__host_child_fn fn, void *arg)
{
  rlim_t cpu = (rlim_t)(deadline_ms / 1000 + 1);
  struct rlimit rl_cpu = {.rlim_cur = cpu, .rlim_max = cpu + 1};
  /* Orphans die: a killed zygote must not leave rule code running. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 || getppid() != zygote ||
      (as != 0 && set_limit(RLIMIT_AS, (rlim_t)as) == -1) ||
      setrlimit(RLIMIT_CPU, &rl_cpu) == -1 || load_child_filter(z) != 0)
    _exit(EXIT_SETUP);
  if (z->gen != NULL) {
    z->gen->on_hook = hook_started;
    z->gen->on_hook_ctx = z;
  }
  fn(z, arg);
  _exit(0);
}

/* A call child being reaped: when it must end. */
struct reaping {
  const struct cg__host *z;
  int64_t started;  /* the fork, monotonic ms */
  int64_t deadline; /* absolute, monotonic ms */
  int64_t hook_ms;  /* per hook call; 0 = none (not a call child) */
  int64_t grace;    /* ms added to both for a starved child */
  bool killed, by_hook;
};

/* When the child is to be killed: its deadline, or earlier if the hook in
 * progress has run its hook_ms; both moved by the grace. */
static int64_t kill_at(struct reaping *r)
{
  int64_t at = hook_at(r->z);
  if (r->hook_ms > 0 && at != 0 && at + r->hook_ms < r->deadline) {
    r->by_hook = true;
    return at + r->hook_ms + r->grace;
  }
  r->by_hook = false;
  return r->deadline + r->grace;
}

/* CPU time pid has used (user + system), in ms; -1 if unknown. */
static int64_t cpu_ms(pid_t pid)
{
  clockid_t clock;
  struct timespec ts;
  if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &ts) != 0)
    return -1;
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A call child whose time is up but that has used less CPU than its
 * budget was starved, not running away: ms more it may run (enough to
 * spend the rest of its budget), or 0 to kill it now. The whole child's
 * CPU time bounds the current hook's. Never past CG__HOST_STARVED_FACTOR
 * times the child's deadline. */
static int64_t starved_grace(pid_t pid, const struct reaping *r)
{
  int64_t budget = r->by_hook ? r->hook_ms : r->deadline - r->started;
  int64_t now = cg_time_mono_ms(), used = cpu_ms(pid);
  int64_t cap =
      r->started + (r->deadline - r->started) * CG__HOST_STARVED_FACTOR;
  if (r->hook_ms == 0 || used < 0 || used >= budget || now >= cap)
    return 0;
  int64_t more = budget - used;
  if (more < POLL_MS)
    more = POLL_MS;
  return now + more > cap ? cap - now : more;
}

/* Ms until the zygote must look again: until kill_at (<= 0: kill now),
 * but at most POLL_MS while a per-hook limit waits for the first hook
 * to start (its start is only seen by looking). */
static int64_t wake_in(struct reaping *r)
{
  int64_t now = cg_time_mono_ms(), left = kill_at(r) - now;
  if (left > 0 && r->hook_ms > 0 && hook_at(r->z) == 0 && left > POLL_MS)
    return POLL_MS;
  return left;
}

/* Reaps pid, SIGKILLing it at kill_at (re-read at each wake: a new hook
 * call moves it later). */
static int reap(pid_t pid, struct reaping *r, int *status)
{
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  for (;;) {
    pid_t w = waitpid(pid, status, r->killed ? 0 : WNOHANG);
    if (w == pid)
      return 0;
    if (w == -1 && errno != EINTR)
      return -1;
    int64_t left = r->killed ? 0 : wake_in(r);
    if (!r->killed && left <= 0) { /* starved: it may spend its budget */
      r->grace += starved_grace(pid, r);
      left = wake_in(r);
    }
    if (!r->killed && left <= 0) {
      if (kill(pid, SIGKILL) == -1 && errno != ESRCH)
        return -1;
      r->killed = true;
      continue;
    }
    struct timespec ts = {.tv_sec = left / 1000,
                          .tv_nsec = (long)(left % 1000) * 1000000};
    if (!r->killed && sigtimedwait(&chld, NULL, &ts) == -1 && errno != EAGAIN &&
        errno != EINTR)
      return -1;
  }
}

static int child_failed(int status, const struct reaping *r,
                        const struct cg__fork_limits *lim, struct cg_err *why)
{
  if (r->killed && r->by_hook)
    return cg_err_set(why, CG_ERULE,
                      "a hook ran past its budget of %lld ms (killed)",
                      (long long)lim->hook_ms);
  if (r->killed)
    return cg_err_set(why, CG_ERULE,
                      "rule code ran past its budget of %lld ms (killed)",
                      (long long)lim->deadline_ms);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
    return cg_err_set(why, CG_ERULE,
                      "rule code made a forbidden system call (killed)");
  if (WIFSIGNALED(status))
    return cg_err_set(why, CG_ERULE, "rule code died of signal %d (%s)",
                      WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SETUP)
    return cg_err_set(why, CG_ERULE, "a call child could not set its limits");
  return cg_err_set(why, CG_ERULE,
                    "rule code ended without an answer (exit status %d)",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int cg__host_fork(struct cg__host *z, const struct cg__fork_limits *lim,
                  cg__host_child_fn fn, void *arg, struct cg_err *why)
{
  size_t image = image_bytes(z);
  size_t as = image ? image + lim->mem_limit + AS_SLACK : 0;
  memset(z->shm, 0, SHM_HEAD);
  int64_t now = cg_time_mono_ms();
  struct reaping r = {.z = z,
                      .started = now,
                      .deadline = now + lim->deadline_ms,
                      .hook_ms = lim->hook_ms};
  pid_t zygote = getpid();
  pid_t pid = fork();
  if (pid == -1)
    return cg_err_set(why, CG_ERULE, "cannot fork a call child: %s",
                      strerror(errno));
  if (pid == 0)
    child_main(z, zygote, as, lim->deadline_ms, fn, arg);
  int status = 0;
  if (reap(pid, &r, &status) == -1)
    return cg_err_set(why, CG_ERULE, "lost the call child: %s",
                      strerror(errno));
  uint32_t len;
  memcpy(&len, z->shm, sizeof(len));
  if (r.killed || len == 0 || len >= z->shm_cap)
    return child_failed(status, &r, lim, why);
  z->shm[SHM_HEAD + len] = '\0';
  return 0;
}

const char *cg__host_reply(const struct cg__host *z, size_t *len)
{
  uint32_t n;
  memcpy(&n, z->shm, sizeof(n));
  *len = n;
  return z->shm + SHM_HEAD;
}
