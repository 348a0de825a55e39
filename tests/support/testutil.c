/*
 * testutil: see testutil.h.
 */
#include "testutil.h"

#include "base/mem.h"
#include "base/time.h"
#include "net/port.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_build_dir(void)
{
  const char *d = getenv("CG_BUILD_DIR");
  return d ? d : ".";
}

const char *tu_source_dir(void)
{
  const char *d = getenv("CG_SOURCE_DIR");
  return d ? d : CG_SOURCE_DIR;
}

char *tu_tmpdir(const char *tag)
{
  char tmpl[256];
  snprintf(tmpl, sizeof(tmpl), "/tmp/cg-%s-XXXXXX", tag ? tag : "test");
  if (mkdtemp(tmpl) == NULL)
    return NULL;
  return cg_strdup(tmpl);
}

void tu_rmtree(const char *dir)
{
  if (dir == NULL || strncmp(dir, "/tmp/cg-", 8) != 0)
    return;
  pid_t pid = fork();
  if (pid == 0) {
    execlp("rm", "rm", "-rf", dir, (char *)NULL);
    _exit(127);
  }
  if (pid > 0)
    waitpid(pid, NULL, 0);
}

/* Tests run side by side (ctest -j). A port one test found free can be
 * found free by another before the first test's server binds it, and one
 * of the two servers then fails to start. So every port handed out is
 * reserved for the life of the process: an exclusive lock on a file named
 * after it in PORTS_DIR, which the kernel drops when the process ends,
 * however it ends. A port another live test holds is skipped. */
#define PORTS_DIR "/tmp/cg-test-ports"

static bool reserve(int port)
{
  char path[64];
  snprintf(path, sizeof(path), PORTS_DIR "/%d", port);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd == -1) /* no folder: nothing to share; else another user's */
    return errno == ENOENT;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0)
    return true; /* fd stays open: the lock lasts until exit */
  close(fd);
  return false;
}

int tu_free_port(void)
{
  if (mkdir(PORTS_DIR, 01777) == 0)
    chmod(PORTS_DIR, 01777); /* shared by every user's tests */
  for (int i = 0; i < 64; i++) {
    int port = cg_port_free();
    if (port > 0 && reserve(port))
      return port;
  }
  return cg_port_free();
}

int tu_wait_port(int port, int timeout_ms)
{
  return cg_port_wait(port, timeout_ms) == 0 ? 0 : -1;
}

static void print_tail(const char *log_path)
{
  FILE *f = log_path ? fopen(log_path, "r") : NULL;
  if (f == NULL)
    return;
  char tail[4096];
  fseek(f, 0, SEEK_END);
  long from = ftell(f) - (long)sizeof(tail) + 1;
  fseek(f, from > 0 ? from : 0, SEEK_SET);
  size_t n = fread(tail, 1, sizeof(tail) - 1, f);
  fclose(f);
  tail[n] = '\0';
  print_error("--- last lines of %s ---\n%s\n---\n", log_path, tail);
}

int tu_wait_child(pid_t pid, int port, int timeout_ms, const char *log_path)
{
  int64_t deadline = cg_time_mono_ms() + timeout_ms;
  int status = 0;
  while (cg_time_mono_ms() < deadline) {
    if (cg_port_wait(port, 100) == 0)
      return 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      tu_forget(pid);
      print_error("pid %d exited (status 0x%x) before it listened on port "
                  "%d\n",
                  (int)pid, status, port);
      print_tail(log_path);
      return -1;
    }
  }
  print_error("pid %d did not listen on port %d within %d ms\n", (int)pid, port,
              timeout_ms);
  print_tail(log_path);
  return -1;
}

/* Children still running; a failed assertion skips a test's teardown, so
 * an exit handler kills whatever is left: no simulator or engine outlives
 * its test (and holds CI's output open). */
#define MAX_CHILDREN 16
static pid_t children[MAX_CHILDREN];

static void kill_children(void)
{
  for (int i = 0; i < MAX_CHILDREN; i++)
    if (children[i] > 0) {
      kill(children[i], SIGKILL);
      waitpid(children[i], NULL, 0);
      children[i] = 0;
    }
}

static void track(pid_t pid)
{
  static int registered;
  if (!registered)
    registered = atexit(kill_children) == 0;
  for (int i = 0; i < MAX_CHILDREN; i++)
    if (children[i] == 0) {
      children[i] = pid;
      return;
    }
}

void tu_forget(pid_t pid)
{
  for (int i = 0; i < MAX_CHILDREN; i++)
    if (children[i] == pid)
      children[i] = 0;
}

pid_t tu_spawn(char *const argv[], const char *log_path)
{
  pid_t pid = fork();
  if (pid > 0)
    track(pid);
  if (pid != 0)
    return pid;
  if (log_path != NULL) {
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd != -1) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
  }
  execv(argv[0], argv);
  _exit(127);
}

int tu_stop(pid_t pid, int sig, int timeout_ms)
{
  int status = 0;
  if (pid <= 0)
    return -1;
  tu_forget(pid);
  kill(pid, sig);
  int64_t deadline = cg_time_mono_ms() + timeout_ms;
  while (cg_time_mono_ms() < deadline) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return status;
    usleep(10 * 1000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

struct sink {
  char *data;
  size_t len;
};

static size_t cb_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
  struct sink *s = arg;
  size_t n = size * nmemb;
  char *p = cg_realloc(s->data, s->len + n + 1);
  if (p == NULL)
    return 0;
  memcpy(p + s->len, ptr, n);
  s->data = p;
  s->len += n;
  s->data[s->len] = '\0';
  return n;
}

int tu_http(const char *method, const char *url, const char *const *headers,
            const char *body, struct tu_http_response *out)
{
  memset(out, 0, sizeof(*out));
  CURL *c = curl_easy_init();
  if (c == NULL)
    return -1;
  struct curl_slist *list = NULL;
  for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
    list = curl_slist_append(list, headers[i]);
  struct sink b = {0}, h = {0};
  curl_easy_setopt(c, CURLOPT_URL, url);
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L); /* no body will follow */
  else
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cb_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, cb_write);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
  if (body != NULL) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  }
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  out->body = b.data ? b.data : cg_strdup("");
  out->body_len = b.len;
  out->headers = h.data ? h.data : cg_strdup("");
  return rc == CURLE_OK ? 0 : -1;
}

const char *tu_http_header(const struct tu_http_response *r, const char *name,
                           char *buf, size_t size)
{
  size_t n = strlen(name);
  for (const char *line = r->headers; line && *line;) {
    const char *eol = strstr(line, "\r\n");
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
      const char *v = line + n + 1;
      while (*v == ' ')
        v++;
      size_t vl = len - (size_t)(v - line);
      snprintf(buf, size, "%.*s", (int)vl, v);
      return buf;
    }
    line = eol ? eol + 2 : NULL;
  }
  return NULL;
}

void tu_http_response_free(struct tu_http_response *r)
{
  cg_free(r->body);
  cg_free(r->headers);
  r->body = NULL;
  r->headers = NULL;
}
