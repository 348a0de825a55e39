/*
 * host_proc: one rule host process as the engine sees it (host.h): the
 * uv_process_t and its three pipes, framing on stdout, stderr lines into
 * the engine log. host.c decides what requests go out and what a death
 * means; this file only moves bytes and reports.
 *
 *   cg__proc_start ─uv_spawn─▶ BINARY __rule-host MERCHANT
 *     in  (uv_pipe_t) ◀── cg__proc_send: one frame at a time
 *     out (uv_pipe_t) ──▶ on_out_read ─ frames ─▶ cg__host_on_reply
 *     err (uv_pipe_t) ──▶ on_err_read ─ lines ─▶ cg_log "[rulehost:...]"
 *     exit            ──▶ on_process_exit ─▶ cg__host_on_death
 *
 * A struct cg__proc lives on its own: cg__proc_detach cuts it from its
 * host, kills the process and closes the pipes; the process handle closes
 * once the exit has been reaped (closing it earlier would leave a zombie),
 * and the memory goes with the last close callback.
 */
#include "rules/host_int.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#define READ_CHUNK (64u * 1024u)
#define LINE_MAX_BYTES 4096

static void on_closed(uv_handle_t *hd)
{
  struct cg__proc *p = hd->data;
  if (--p->open > 0)
    return;
  cg_free(p->wframe);
  cg_buf_free(&p->rbuf);
  cg_buf_free(&p->ebuf);
  cg_free(p);
}

static void close_handle(uv_handle_t *hd)
{
  if (!uv_is_closing(hd))
    uv_close(hd, on_closed);
}

static void on_alloc(uv_handle_t *hd, size_t hint, uv_buf_t *buf)
{
  buf->base = cg_malloc(READ_CHUNK);
  buf->len = buf->base ? READ_CHUNK : 0;
}

/* ---- stderr: the host's log lines -------------------------------------- */

/* "2026-..Z info [rulehost:...] text" -> level and the part after it. */
static const char *split_level(const char *line, enum cg_log_level *level)
{
  static const char *const names[] = {"error ", "warn ", "info ", "debug "};
  const char *sp = strchr(line, ' ');
  *level = CG_LOG_WARN; /* anything unformatted (a crash report) */
  for (int i = 0; sp != NULL && i < 4; i++)
    if (strncmp(sp + 1, names[i], strlen(names[i])) == 0) {
      *level = (enum cg_log_level)i;
      return sp + 1 + strlen(names[i]);
    }
  return line;
}

static void log_line(struct cg__proc *p, char *line)
{
  enum cg_log_level level;
  const char *text = split_level(line, &level);
  if (strncmp(text, "[rulehost] ", 11) == 0)
    text += 11;
  if (strncmp(text, "[rulehost:", 10) == 0)
    cg_log_write(level, "rulehost", "%s", text);
  else
    cg_log_write(level, "rulehost", "[rulehost:merchant=%s] %s", p->merchant,
                 text);
}

static void emit_lines(struct cg__proc *p, bool all)
{
  struct cg_buf *b = &p->ebuf;
  char *nl;
  while (b->len > 0 && ((nl = memchr(b->data, '\n', b->len)) != NULL || all ||
                        b->len >= LINE_MAX_BYTES)) {
    size_t n = nl ? (size_t)(nl - b->data) : b->len;
    if (n > LINE_MAX_BYTES)
      n = LINE_MAX_BYTES;
    char line[LINE_MAX_BYTES + 1];
    memcpy(line, b->data, n);
    line[n] = '\0';
    log_line(p, line);
    cg_buf_consume(b, nl && n == (size_t)(nl - b->data) ? n + 1 : n);
  }
}

static void on_err_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
  struct cg__proc *p = s->data;
  if (nread > 0 && cg_buf_append(&p->ebuf, buf->base, (size_t)nread) != 0)
    cg_buf_reset(&p->ebuf); /* out of memory: drop the partial line */
  cg_free(buf->base);
  emit_lines(p, nread < 0);
  if (nread < 0)
    uv_read_stop(s);
}

/* ---- stdout: reply frames ---------------------------------------------- */

/* Hands every complete frame in rbuf to the host. */
static void drain_frames(struct cg__proc *p)
{
  struct cg_buf *b = &p->rbuf;
  while (p->h != NULL && !p->dying && b->len >= 4) {
    uint32_t n = cg__frame_len((const uint8_t *)b->data);
    if (n == 0 || n > CG__FRAME_MAX) {
      cg__host_on_death(p->h, "the rule host sent a malformed frame");
      return;
    }
    if (b->len < 4 + (size_t)n)
      return;
    cg__host_on_reply(p->h, b->data + 4, n);
    cg_buf_consume(b, 4 + (size_t)n);
  }
}

static void on_out_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
  struct cg__proc *p = s->data;
  int rc = 0;
  if (nread > 0)
    rc = cg_buf_append(&p->rbuf, buf->base, (size_t)nread);
  cg_free(buf->base);
  if (nread < 0)
    uv_read_stop(s); /* EOF: the exit callback follows */
  if (nread == UV_ENOBUFS || rc != 0) {
    if (p->h != NULL)
      cg__host_on_death(p->h, "out of memory reading the rule host");
    return;
  }
  drain_frames(p);
}

static void on_write(uv_write_t *w, int status)
{
  struct cg__proc *p = container_of(w, struct cg__proc, wreq);
  cg_free(p->wframe);
  p->wframe = NULL;
  if (status < 0 && status != UV_ECANCELED && p->h != NULL)
    cg__host_on_death(p->h, "cannot write to the rule host");
}

int cg__proc_send(struct cg__proc *p, struct cg__req *req)
{
  p->wframe = req->frame;
  req->frame = NULL;
  uv_buf_t b = uv_buf_init(p->wframe, (unsigned)req->len);
  int rc = uv_write(&p->wreq, (uv_stream_t *)&p->in, &b, 1, on_write);
  return rc == 0 ? 0 : CG_EIO;
}

/* ---- the process ------------------------------------------------------- */

static void on_process_exit(uv_process_t *proc, int64_t status, int signo)
{
  struct cg__proc *p = proc->data;
  p->exited = true;
  close_handle((uv_handle_t *)&p->process);
  if (p->h == NULL)
    return;
  char why[128];
  if (signo != 0)
    snprintf(why, sizeof(why), "the rule host died of signal %d (%s)", signo,
             strsignal(signo));
  else
    snprintf(why, sizeof(why), "the rule host exited with status %d",
             (int)status);
  cg__host_on_death(p->h, why);
}

void cg__proc_kill(struct cg__proc *p)
{
  if (p->exited || p->dying)
    return;
  p->dying = true;
  int rc = uv_process_kill(&p->process, SIGKILL);
  if (rc != 0 && rc != UV_ESRCH)
    cg_log_error("rulehost", "cannot kill rule host %d: %s", p->process.pid,
                 uv_strerror(rc));
}

void cg__proc_detach(struct cg__proc *p)
{
  if (p->h != NULL && !p->exited)
    emit_lines(p, true);
  p->h = NULL;
  cg__proc_kill(p);
  close_handle((uv_handle_t *)&p->in);
  close_handle((uv_handle_t *)&p->out);
  close_handle((uv_handle_t *)&p->err);
  if (p->exited)
    close_handle((uv_handle_t *)&p->process);
}

static int spawn(struct cg_rulehost *h, struct cg__proc *p)
{
  uv_stdio_container_t stdio[3] = {
      {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE,
       .data.stream = (uv_stream_t *)&p->in},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
       .data.stream = (uv_stream_t *)&p->out},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
       .data.stream = (uv_stream_t *)&p->err},
  };
  char *args[] = {h->binary, "__rule-host", h->merchant, NULL};
  uv_process_options_t o = {.exit_cb = on_process_exit,
                            .file = h->binary,
                            .args = args,
                            .stdio_count = 3,
                            .stdio = stdio};
  p->process.data = p;
  p->open++; /* a failed spawn still needs uv_close */
  return uv_spawn(h->loop, &p->process, &o);
}

int cg__proc_start(struct cg_rulehost *h, struct cg_err *err)
{
  struct cg__proc *p = cg_calloc(1, sizeof(*p));
  if (p == NULL)
    return cg_err_set(err, CG_ENOMEM, "no memory for a rule host");
  p->h = h;
  snprintf(p->merchant, sizeof(p->merchant), "%s", h->merchant);
  uv_pipe_t *pipes[3] = {&p->in, &p->out, &p->err};
  for (int i = 0; i < 3; i++) {
    uv_pipe_init(h->loop, pipes[i], 0);
    pipes[i]->data = p;
    p->open++;
  }
  int rc = spawn(h, p);
  if (rc != 0)
    p->exited = true; /* nothing to reap */
  if (rc == 0)
    rc = uv_read_start((uv_stream_t *)&p->out, on_alloc, on_out_read);
  if (rc == 0)
    rc = uv_read_start((uv_stream_t *)&p->err, on_alloc, on_err_read);
  if (rc != 0) {
    p->h = NULL;
    cg__proc_detach(p);
    return cg_err_set(err, CG_EIO, "cannot start %s __rule-host: %s", h->binary,
                      uv_strerror(rc));
  }
  h->proc = p;
  return 0;
}
