/*
 * port: see port.h.
 */
#include "net/port.h"

#include "base/err.h"
#include "base/time.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port)
{
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  return a;
}

int cg_port_free(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = loopback(0);
  socklen_t len = sizeof(a);
  int port = -1;
  if (fd != -1 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd != -1)
    close(fd);
  return port;
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
