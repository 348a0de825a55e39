/*
 * iocount: an LD_PRELOAD shim for benchmarks. It counts the durable-write
 * system calls of the process it is loaded into (fdatasync, fsync, pwrite)
 * in the file named by CG_IOCOUNT_FILE (a new file), mapped shared: three
 * native int64 counters in that order (struct iocount), current at every
 * moment, so a benchmark can read them before and after a burst
 * (bench_proc.h bench_io_counts) instead of only at exit.
 *
 * bench_e2e loads it into the engine only (not the simulator) to print
 * fsyncs and writes per order. Built by tests/bench/run.sh with the
 * system compiler; not part of the engine.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

struct iocount {
  atomic_llong fdatasync, fsync, pwrite;
};

static struct iocount local; /* until the file is mapped, or without one */
static struct iocount *counts = &local;

__attribute__((constructor)) static void map_file(void)
{
  const char *path = getenv("CG_IOCOUNT_FILE");
  /* O_EXCL: the first process only; children that inherit the
   * environment (the rule host) count for themselves, not into it. */
  int fd = path ? open(path, O_RDWR | O_CREAT | O_EXCL, 0600) : -1;
  if (fd < 0)
    return;
  if (ftruncate(fd, sizeof(struct iocount)) == 0) {
    void *m = mmap(NULL, sizeof(struct iocount), PROT_READ | PROT_WRITE,
                   MAP_SHARED, fd, 0);
    if (m != MAP_FAILED)
      counts = m;
  }
  close(fd);
}

int fdatasync(int fd)
{
  static int (*real)(int);
  if (real == NULL)
    real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  atomic_fetch_add(&counts->fdatasync, 1);
  return real(fd);
}

int fsync(int fd)
{
  static int (*real)(int);
  if (real == NULL)
    real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  atomic_fetch_add(&counts->fsync, 1);
  return real(fd);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
  static ssize_t (*real)(int, const void *, size_t, off_t);
  if (real == NULL)
    real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT,
                                                               "pwrite64");
  atomic_fetch_add(&counts->pwrite, 1);
  return real(fd, buf, n, off);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
  return pwrite64(fd, buf, n, off);
}
