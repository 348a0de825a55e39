/*
 * bench_proc: what the end-to-end benchmarks share (header-only; each
 * bench includes it once): CPU seconds of the engine, the simulator and
 * their children from /proc, the store's commit count from the engine's
 * log, the iocount shim's live fsync and pwrite counts, starting the engine
 * under that shim (LD_PRELOAD, CG_IOCOUNT_LIB) when it was built, and the
 * simulated Centra's count of orders marked exported.
 */
#ifndef CG_BENCH_PROC_H
#define CG_BENCH_PROC_H

#include "e2e.h"
#include "testutil.h"

#include "base/json.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef BENCH_FN
#define BENCH_FN static __attribute__((unused))
#endif

/* User + system CPU seconds of a live process; with reaped, also of its
 * children that it has waited for (cutime + cstime). */
BENCH_FN double bench_cpu_seconds_of(pid_t pid, bool reaped)
{
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
  if (f)
    fclose(f);
  buf[n] = '\0';
  const char *p = strrchr(buf, ')');
  unsigned long ut = 0, st = 0;
  long cut = 0, cst = 0;
  if (p == NULL || sscanf(p + 2,
                          "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
                          "%*u %lu %lu %ld %ld",
                          &ut, &st, &cut, &cst) != 4)
    return -1;
  if (!reaped)
    cut = cst = 0;
  return (double)(ut + st + (unsigned long)(cut + cst)) /
         (double)sysconf(_SC_CLK_TCK);
}

BENCH_FN double bench_cpu_seconds(pid_t pid)
{
  return bench_cpu_seconds_of(pid, false);
}

/* CPU seconds of pid (with pid) and of its direct children (the
 * simulator runs its GraphQL layer in a node child process; the engine's
 * children are its merchants' rule hosts, whose call children they reap:
 * reaped counts those). */
BENCH_FN double bench_tree_cpu_seconds(pid_t pid, bool with_pid, bool reaped)
{
  double total = with_pid ? bench_cpu_seconds(pid) : 0;
  DIR *d = opendir("/proc");
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    char path[300], buf[512];
    long ppid = 0;
    if (e->d_name[0] < '1' || e->d_name[0] > '9')
      continue;
    snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
      fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    if (p && sscanf(p + 2, "%*c %ld", &ppid) == 1 && ppid == (long)pid)
      total += bench_cpu_seconds_of((pid_t)atol(e->d_name), reaped);
  }
  if (d)
    closedir(d);
  return total;
}

/* The number after key in a file (first match), or -1. */
BENCH_FN long bench_file_number(const char *path, const char *key)
{
  FILE *f = fopen(path, "r");
  char line[1024];
  long v = -1;
  while (f && v < 0 && fgets(line, sizeof(line), f)) {
    const char *k = strstr(line, key);
    if (k != NULL)
      v = atol(k + strlen(key));
  }
  if (f)
    fclose(f);
  return v;
}

/* The store logs "closing <path> after N commits" when the engine stops. */
BENCH_FN long bench_engine_commits(const char *dir)
{
  char path[600];
  snprintf(path, sizeof(path), "%s/engine.log", dir);
  FILE *f = fopen(path, "r");
  char line[2048];
  long v = -1;
  while (f && fgets(line, sizeof(line), f)) {
    const char *k = strstr(line, " commits");
    const char *a = strstr(line, " after ");
    if (k != NULL && a != NULL && a < k)
      v = atol(a + 7);
  }
  if (f)
    fclose(f);
  return v;
}

/* Whether the simulator knows an option (its --help lists it). */
BENCH_FN bool bench_sim_has_option(const char *opt)
{
  char cmd[700], line[512];
  snprintf(cmd, sizeof(cmd), "%s/centra-gxo-sim --help 2>&1", tu_build_dir());
  FILE *p = popen(cmd, "r");
  bool has = false;
  while (p && fgets(line, sizeof(line), p))
    has = has || strstr(line, opt) != NULL;
  if (p)
    pclose(p);
  return has;
}

BENCH_FN void bench_engine_start(struct e2e *t)
{
  const char *lib = getenv("CG_IOCOUNT_LIB");
  char io[600];
  snprintf(io, sizeof(io), "%s/iocount.bin", t->dir);
  if (lib != NULL && access(lib, R_OK) == 0) {
    setenv("LD_PRELOAD", lib, 1);
    setenv("CG_IOCOUNT_FILE", io, 1);
  }
  e2e_engine_start(t);
  unsetenv("LD_PRELOAD");
}

/* fdatasync + fsync (*syncs) and pwrite (*pwrites) the engine made so
 * far, as the iocount shim counts them (iocount.c: three int64 in its
 * file, current while the engine runs); -1 when it did not run. */
BENCH_FN void bench_io_counts(const char *dir, long *syncs, long *pwrites)
{
  char io[600];
  long long v[3];
  snprintf(io, sizeof(io), "%s/iocount.bin", dir);
  FILE *f = fopen(io, "rb");
  bool ok = f != NULL && fread(v, sizeof(v), 1, f) == 1;
  if (f)
    fclose(f);
  *syncs = ok ? (long)(v[0] + v[1]) : -1;
  *pwrites = ok ? (long)v[2] : -1;
}

/* Orders the engine marked exported in the simulated Centra. */
BENCH_FN long bench_markers(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/markers/count");
  long n = (long)cg_json_int(doc, "count", 0);
  cJSON_Delete(doc);
  return n;
}

#endif
