/*
 * iocount: an LD_PRELOAD shim for benchmarks. It counts the durable-write
 * system calls of the process it is loaded into (fdatasync, fsync, pwrite)
 * and writes the totals to the file named by CG_IOCOUNT_FILE when the
 * process exits normally:
 *
 *   fdatasync <n>
 *   fsync <n>
 *   pwrite <n>
 *
 * bench_e2e loads it into the engine only (not the simulator) to print
 * fsyncs and writes per order. Built by tests/bench/run.sh with the
 * system compiler; not part of the engine.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_long n_fdatasync, n_fsync, n_pwrite;

int fdatasync(int fd)
{
  static int (*real)(int);
  if (real == NULL)
    real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  atomic_fetch_add(&n_fdatasync, 1);
  return real(fd);
}

int fsync(int fd)
{
  static int (*real)(int);
  if (real == NULL)
    real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  atomic_fetch_add(&n_fsync, 1);
  return real(fd);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
  static ssize_t (*real)(int, const void *, size_t, off_t);
  if (real == NULL)
    real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT,
                                                               "pwrite64");
  atomic_fetch_add(&n_pwrite, 1);
  return real(fd, buf, n, off);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
  return pwrite64(fd, buf, n, off);
}

__attribute__((destructor)) static void report(void)
{
  const char *path = getenv("CG_IOCOUNT_FILE");
  FILE *f = path ? fopen(path, "w") : NULL;
  if (f == NULL)
    return;
  fprintf(f, "fdatasync %ld\nfsync %ld\npwrite %ld\n",
          atomic_load(&n_fdatasync), atomic_load(&n_fsync),
          atomic_load(&n_pwrite));
  fclose(f);
}
