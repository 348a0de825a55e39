/*
 * log: see log.h. Single-threaded by design (the loop thread logs); the
 * fold state is process-wide.
 */
#include "base/log.h"

#include "base/err.h"
#include "base/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_LEN 2048
#define FOLD_WINDOW_MS 5000

static enum cg_log_level current_level = CG_LOG_INFO;
static cg_log_sink_fn sink_fn;
static void *sink_arg;
static unsigned long counts[4];

static struct {
  char body[LINE_MAX_LEN];
  enum cg_log_level level;
  int64_t at_ms;
  unsigned long repeats;
} fold;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void cg_log_set_level(enum cg_log_level level)
{
  current_level = level;
}

enum cg_log_level cg_log_get_level(void)
{
  return current_level;
}

int cg_log_parse_level(const char *name, enum cg_log_level *out)
{
  for (int i = 0; i < 4; i++) {
    if (name != NULL && strcasecmp(name, level_names[i]) == 0) {
      *out = (enum cg_log_level)i;
      return 0;
    }
  }
  return CG_EINVAL;
}

void cg_log_set_sink(cg_log_sink_fn sink, void *arg)
{
  sink_fn = sink;
  sink_arg = arg;
}

unsigned long cg_log_count(enum cg_log_level level)
{
  return (level >= 0 && level <= CG_LOG_DEBUG) ? counts[level] : 0;
}

static void emit(enum cg_log_level level, const char *body)
{
  char stamp[40];
  char line[LINE_MAX_LEN + 64];
  cg_time_format_iso8601(cg_time_now_ms(), stamp, sizeof(stamp));
  snprintf(line, sizeof(line), "%s %s %s", stamp, level_names[level], body);
  counts[level]++;
  if (sink_fn != NULL) {
    sink_fn(level, line, sink_arg);
    return;
  }
  fprintf(stderr, "%s\n", line);
}

static void flush_repeats(void)
{
  if (fold.repeats > 0) {
    char msg[128];
    snprintf(msg, sizeof(msg), "[log] last message repeated %lu times",
             fold.repeats);
    emit(fold.level, msg);
    fold.repeats = 0;
  }
}

void cg_log_write(enum cg_log_level level, const char *component,
                  const char *fmt, ...)
{
  if (level > current_level)
    return;
  char body[LINE_MAX_LEN];
  int n = snprintf(body, sizeof(body), "[%s] ", component ? component : "-");
  va_list ap;
  va_start(ap, fmt);
  if (n > 0 && (size_t)n < sizeof(body))
    vsnprintf(body + n, sizeof(body) - (size_t)n, fmt, ap);
  va_end(ap);

  int64_t now = cg_time_mono_ms();
  if (level == fold.level && strcmp(body, fold.body) == 0 &&
      now - fold.at_ms < FOLD_WINDOW_MS) {
    fold.repeats++;
    return;
  }
  flush_repeats();
  snprintf(fold.body, sizeof(fold.body), "%s", body);
  fold.level = level;
  fold.at_ms = now;
  emit(level, body);
}
