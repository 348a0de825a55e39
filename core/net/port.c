/*
 * port: see port.h.
 */
#include "net/port.h"

#include "base/err.h"
#include "base/rand.h"
#include "base/time.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port)
{
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  return a;
}

/* Binds 127.0.0.1:port (0: the kernel picks) and returns the port bound,
 * or -1. The socket is closed again. */
static int try_bind(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = loopback(port);
  socklen_t len = sizeof(a);
  int got = -1;
  if (fd != -1 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    got = ntohs(a.sin_port);
  if (fd != -1)
    close(fd);
  return got;
}

/* The low end of the kernel's ephemeral range (outgoing connections take
 * their local port from it), or Linux's default. */
static int ephemeral_low(void)
{
  FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
  int low = 0, high = 0;
  if (f == NULL || fscanf(f, "%d %d", &low, &high) != 2 || low <= 2048)
    low = 32768;
  if (f != NULL)
    fclose(f);
  return low;
}

/* A port below the ephemeral range: one the kernel hands out with bind(0)
 * is also handed to the next outgoing connection, so a server started on
 * it a moment later can find it taken. Falls back to bind(0). */
int cg_port_free(void)
{
  static struct cg_rand rng;
  static bool seeded;
  if (!seeded) {
    cg_rand_seed(&rng, 0);
    seeded = true;
  }
  int low = ephemeral_low(), span = low - 1024 < 12000 ? low - 1024 : 12000;
  for (int i = 0; i < 64; i++) {
    int port = try_bind(low - 1 - (int)cg_rand_below(&rng, (uint64_t)span));
    if (port > 0)
      return port;
  }
  return try_bind(0);
}

int cg_port_wait(int port, int timeout_ms)
{
  int64_t deadline = cg_time_mono_ms() + timeout_ms;
  while (cg_time_mono_ms() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(port);
    int ok = fd != -1 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (fd != -1)
      close(fd);
    if (ok)
      return 0;
    usleep(20 * 1000);
  }
  return CG_ETIMEDOUT;
}
