/*
 * sim_gqlhost: the node child behind the simulated Centra's /graphql (see
 * sim_gqlhost.h). One AF_UNIX socket pair: the child's end becomes its
 * stdin and stdout, ours stays blocking and close-on-exec. A reply is read
 * with a receive timeout (SO_RCVTIMEO) as the deadline, so a wedged child
 * cannot hang the simulator for ever; an asynchronous call waits for it
 * on the loop instead (a uv_poll on our end, reading without blocking,
 * and a uv_timer as the deadline). A failed call marks the host dead and
 * ends the child.
 *
 * sim_gqlhost_cut prints a root field's value cut to the plan's tree for
 * it, through references to the value's members (nothing copied before
 * printing); __typename is always kept: graphql-js resolves abstract types
 * by it.
 */
#include "sim_gqlhost.h"

#include "sim_util.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 30000

extern char **environ;

struct sim_gqlhost {
  pid_t pid;        /* child, or -1 once reaped */
  int fd;           /* our end of the socket pair, or -1 */
  bool dead;        /* a call failed: refuse the rest */
  struct cg_buf in; /* bytes read and not yet consumed */
  /* asynchronous calls (made on the first) */
  bool handles;             /* poll and deadline initialised */
  int open_handles;         /* not closed yet, at stop */
  uv_poll_t poll;           /* our end readable */
  uv_timer_t timer;         /* the reply's deadline */
  sim_gqlhost_done_fn done; /* the call waiting, or NULL */
  void *arg;
};

static int spawn_child(struct sim_gqlhost *h, char *const argv[])
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
    return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
  int rc = posix_spawnp(&h->pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(sv[1]);
  if (rc != 0) {
    close(sv[0]);
    errno = rc;
    return -1;
  }
  h->fd = sv[0];
  struct timeval tv = {.tv_sec = REPLY_TIMEOUT_MS / 1000};
  setsockopt(h->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return 0;
}

struct sim_gqlhost *sim_gqlhost_start(const char *node, const char *script,
                                      const char *schema)
{
  struct sim_gqlhost *h = cg_calloc(1, sizeof(*h));
  if (h == NULL)
    return NULL;
  h->pid = -1;
  h->fd = -1;
  h->in = (struct cg_buf)CG_BUF_INIT;
  char *argv[] = {
      (char *)(node ? node : "node"),
      (char *)(script ? script : CG_SOURCE_DIR "/tests/sim/centra_gql.js"),
      (char *)(schema ? schema
                      : CG_SOURCE_DIR
                   "/core/centra/centra-integration.graphql"),
      NULL};
  if (spawn_child(h, argv) != 0) {
    cg_log_error("sim:centra", "cannot start the GraphQL host %s %s: %s",
                 argv[0], argv[1], strerror(errno));
    cg_free(h);
    return NULL;
  }
  return h;
}

/* Ends the child (EOF first, then SIGTERM) and reaps it. Our end stays
 * open while a poll handle may watch it (closed at stop, after the
 * handle): libuv must never see its number reused. */
static void end_child(struct sim_gqlhost *h)
{
  if (h->fd != -1 && !h->handles) {
    close(h->fd);
    h->fd = -1;
  }
  if (h->pid > 0) {
    int st;
    kill(h->pid, SIGTERM);
    while (waitpid(h->pid, &st, 0) == -1 && errno == EINTR)
      ;
    h->pid = -1;
  }
}

static void fail(struct sim_gqlhost *h, const char *why)
{
  if (h->handles) {
    uv_poll_stop(&h->poll);
    uv_timer_stop(&h->timer);
  }
  cg_log_error("sim:centra",
               "GraphQL host (node, pid %d) is gone: %s; /graphql answers 500 "
               "from now on",
               (int)h->pid, why);
  h->dead = true;
  end_child(h);
}

/* Waits until fd is ready for events (POLLIN, POLLOUT): 0, or -1 after
 * the reply deadline. Our end is non-blocking once a poll handle watches
 * it (libuv sets O_NONBLOCK), so a long line waits here for the child to
 * read it. */
static int wait_fd(int fd, short events)
{
  struct pollfd p = {.fd = fd, .events = events};
  int n;
  while ((n = poll(&p, 1, REPLY_TIMEOUT_MS)) == -1 && errno == EINTR)
    ;
  if (n == 0)
    errno = EAGAIN;
  return n > 0 ? 0 : -1;
}

static int send_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w == -1 && errno == EINTR)
      continue;
    if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        wait_fd(fd, POLLOUT) == 0)
      continue;
    if (w == -1)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Reads until a newline is buffered; returns its offset or -1. */
static ssize_t read_line(struct sim_gqlhost *h, const char **why)
{
  size_t scanned = 0;
  for (;;) {
    const char *nl = h->in.len > scanned ? memchr(h->in.data + scanned, '\n',
                                                  h->in.len - scanned)
                                         : NULL;
    if (nl != NULL)
      return nl - h->in.data;
    scanned = h->in.len;
    if (cg_buf_reserve(&h->in, 65536) != 0) {
      *why = "out of memory";
      return -1;
    }
    /* Blocking, with SO_RCVTIMEO as the deadline (no poll first); once
     * non-blocking, the wait is poll's. */
    ssize_t r = recv(h->fd, h->in.data + h->in.len, 65536, 0);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) && h->handles &&
        wait_fd(h->fd, POLLIN) == 0)
      continue;
    if (r <= 0) {
      *why = r == 0 ? "it closed its end (exited?)"
             : errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within 30 s"
                                                       : strerror(errno);
      return -1;
    }
    h->in.len += (size_t)r;
  }
}

/* msg printed with its newline, so that it goes out in one write; NULL
 * when out of memory. */
static char *frame(const cJSON *msg, size_t *n)
{
  char *line = cg_json_print(msg);
  *n = line ? strlen(line) : 0;
  char *framed = line ? cg_realloc(line, *n + 2) : NULL;
  if (framed == NULL) {
    cg_free(line);
    return NULL;
  }
  framed[(*n)++] = '\n';
  framed[*n] = '\0';
  return framed;
}

static cJSON *pruned(const cJSON *v, const cJSON *tree);

/* Adds each member of v the tree names (and __typename), cut further where
 * the tree has a subtree; false when out of memory. */
static bool prune_members(cJSON *out, const cJSON *v, const cJSON *tree)
{
  const cJSON *m;
  cJSON_ArrayForEach(m, v)
  {
    if (!sim_tree_keeps(tree, m->string))
      continue;
    const cJSON *sub = sim_tree_sub(tree, m->string);
    cJSON *c = sub != NULL ? pruned(m, sub) : sim_json_ref_print(m);
    if (c == NULL || !cJSON_AddItemToObjectCS(out, m->string, c)) {
      cJSON_Delete(c);
      return false;
    }
  }
  return true;
}

/* v cut to tree (objects keep the members named, lists are cut element by
 * element, the rest is referenced); NULL when out of memory. */
static cJSON *pruned(const cJSON *v, const cJSON *tree)
{
  if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
    return sim_json_ref_print(v);
  cJSON *out = cJSON_IsObject(v) ? cJSON_CreateObject() : cJSON_CreateArray();
  bool ok = out != NULL;
  if (ok && cJSON_IsObject(v))
    ok = prune_members(out, v, tree);
  const cJSON *e;
  for (e = cJSON_IsArray(v) ? v->child : NULL; ok && e != NULL; e = e->next) {
    cJSON *c = pruned(e, tree);
    ok = c != NULL && cJSON_AddItemToArray(out, c);
    if (!ok)
      cJSON_Delete(c);
  }
  if (!ok) {
    cJSON_Delete(out);
    return NULL;
  }
  return out;
}

cJSON *sim_gqlhost_cut(const cJSON *v, const cJSON *tree)
{
  char *text;
  if (cJSON_IsObject(tree)) {
    cJSON *cut = pruned(v, tree);
    text = cut != NULL ? cg_json_print(cut) : NULL;
    cJSON_Delete(cut);
  } else {
    text = cg_json_print(v);
  }
  cJSON *raw = text != NULL ? cJSON_CreateRaw(text) : NULL;
  cg_free(text);
  return raw;
}

#define ANSWER_HEAD "{\"answer\":"

/* The reply line of len bytes: {"answer": X} as X's text, else parsed.
 * Returns 0, CG_ENOMEM, or CG_EINVAL (not a JSON object). */
static int take_reply(const char *line, size_t len, cJSON **reply,
                      char **answer)
{
  size_t head = sizeof(ANSWER_HEAD) - 1;
  if (len > head + 1 && memcmp(line, ANSWER_HEAD, head) == 0 &&
      line[len - 1] == '}') {
    *answer = cg_strndup(line + head, len - head - 1);
    return *answer != NULL ? 0 : CG_ENOMEM;
  }
  *reply = cg_json_parse(line, len, NULL);
  if (cJSON_IsObject(*reply))
    return 0;
  cJSON_Delete(*reply);
  *reply = NULL;
  return CG_EINVAL;
}

/* msg as one line to the child: 0, or -1 (out of memory, or the child
 * is gone: the host fails). */
static int send_msg(struct sim_gqlhost *h, const cJSON *msg)
{
  size_t n;
  char *line = frame(msg, &n);
  if (line == NULL)
    return -1;
  int rc = send_all(h->fd, line, n);
  cg_free(line);
  if (rc != 0)
    fail(h, strerror(errno));
  return rc;
}

int sim_gqlhost_call(struct sim_gqlhost *h, const cJSON *msg, cJSON **reply,
                     char **answer)
{
  const char *why = "out of memory";
  *reply = NULL;
  *answer = NULL;
  if (h == NULL || h->dead || send_msg(h, msg) != 0)
    return -1;
  ssize_t end = read_line(h, &why);
  if (end < 0) {
    fail(h, why);
    return -1;
  }
  int rc = take_reply(h->in.data, (size_t)end, reply, answer);
  cg_buf_consume(&h->in, (size_t)end + 1);
  if (rc == CG_EINVAL)
    fail(h, "it answered something that is not a JSON object");
  return rc == 0 ? 0 : -1;
}

/* --- asynchronous calls ------------------------------------------------- */

/* The waiting call ends with rc (its reply, if any, is done's). */
static void deliver(struct sim_gqlhost *h, int rc, cJSON *reply, char *answer)
{
  sim_gqlhost_done_fn done = h->done;
  void *arg = h->arg;
  h->done = NULL;
  h->arg = NULL;
  if (h->handles) {
    uv_poll_stop(&h->poll);
    uv_timer_stop(&h->timer);
  }
  done(rc, reply, answer, arg);
}

/* Reads what the child has written without blocking: 0, or -1 with *why
 * (it closed its end, or an error). */
static int fill(struct sim_gqlhost *h, const char **why)
{
  for (;;) {
    if (cg_buf_reserve(&h->in, 65536) != 0) {
      *why = "out of memory";
      return -1;
    }
    ssize_t r = recv(h->fd, h->in.data + h->in.len, 65536, MSG_DONTWAIT);
    if (r > 0) {
      h->in.len += (size_t)r;
      continue;
    }
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return 0;
    *why = r == 0 ? "it closed its end (exited?)" : strerror(errno);
    return -1;
  }
}

static void on_readable(uv_poll_t *p, int status, int events)
{
  struct sim_gqlhost *h = p->data;
  const char *why = "the socket failed";
  (void)events;
  if (h->done == NULL)
    return;
  if (status < 0 || fill(h, &why) != 0) {
    fail(h, why);
    deliver(h, -1, NULL, NULL);
    return;
  }
  const char *nl = h->in.len ? memchr(h->in.data, '\n', h->in.len) : NULL;
  if (nl == NULL)
    return; /* the rest of the line is still coming */
  size_t end = (size_t)(nl - h->in.data);
  cJSON *reply = NULL;
  char *answer = NULL;
  int rc = take_reply(h->in.data, end, &reply, &answer);
  cg_buf_consume(&h->in, end + 1);
  if (rc == CG_EINVAL)
    fail(h, "it answered something that is not a JSON object");
  deliver(h, rc == 0 ? 0 : -1, reply, answer);
}

static void on_deadline(uv_timer_t *t)
{
  struct sim_gqlhost *h = t->data;
  if (h->done == NULL)
    return;
  fail(h, "no answer within 30 s");
  deliver(h, -1, NULL, NULL);
}

static int init_handles(struct sim_gqlhost *h, uv_loop_t *loop)
{
  if (uv_poll_init_socket(loop, &h->poll, h->fd) != 0)
    return -1;
  if (uv_timer_init(loop, &h->timer) != 0) {
    uv_close((uv_handle_t *)&h->poll, NULL);
    return -1;
  }
  h->poll.data = h->timer.data = h;
  h->handles = true;
  return 0;
}

int sim_gqlhost_call_async(struct sim_gqlhost *h, uv_loop_t *loop,
                           const cJSON *msg, sim_gqlhost_done_fn done,
                           void *arg)
{
  if (h == NULL || h->dead || h->done != NULL ||
      (!h->handles && init_handles(h, loop) != 0) || send_msg(h, msg) != 0)
    return -1;
  h->done = done;
  h->arg = arg;
  uv_poll_start(&h->poll, UV_READABLE, on_readable);
  uv_timer_start(&h->timer, on_deadline, REPLY_TIMEOUT_MS, 0);
  return 0;
}

static void host_free(struct sim_gqlhost *h)
{
  cg_buf_free(&h->in);
  cg_free(h);
}

static void on_handle_closed(uv_handle_t *handle)
{
  struct sim_gqlhost *h = handle->data;
  if (--h->open_handles == 0)
    host_free(h);
}

void sim_gqlhost_stop(struct sim_gqlhost *h)
{
  if (h == NULL)
    return;
  h->done = NULL; /* a call waiting is dropped */
  if (!h->handles) {
    end_child(h);
    host_free(h);
    return;
  }
  h->open_handles = 2;
  uv_close((uv_handle_t *)&h->poll, on_handle_closed);
  uv_close((uv_handle_t *)&h->timer, on_handle_closed);
  h->handles = false; /* the poll let go of our end: it may close now */
  end_child(h);
}
