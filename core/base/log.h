/*
 * log: levelled log lines with a component prefix, written to stderr or a
 * sink (tests capture lines to assert on them).
 *
 *   2026-03-04T08:12:00.123Z error [outbox:merchant=acme] message
 *
 * Identical consecutive lines within a few seconds are folded into one
 * "last message repeated N times" line. Never log secrets: log names of
 * secrets, not values.
 */
#ifndef CG_BASE_LOG_H
#define CG_BASE_LOG_H

enum cg_log_level {
  CG_LOG_ERROR = 0,
  CG_LOG_WARN = 1,
  CG_LOG_INFO = 2,
  CG_LOG_DEBUG = 3,
};

typedef void (*cg_log_sink_fn)(enum cg_log_level level, const char *line,
                               void *arg);

void cg_log_set_level(enum cg_log_level level);
enum cg_log_level cg_log_get_level(void);
/* Parses "error|warn|info|debug"; returns 0 or CG_EINVAL. */
int cg_log_parse_level(const char *name, enum cg_log_level *out);
/* Replaces stderr output with sink (NULL restores stderr). */
void cg_log_set_sink(cg_log_sink_fn sink, void *arg);
/* Counts of lines written per level since start (for tests and metrics). */
unsigned long cg_log_count(enum cg_log_level level);

void cg_log_write(enum cg_log_level level, const char *component,
                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define cg_log_error(comp, ...)                                                \
  do {                                                                         \
    cg_log_write(CG_LOG_ERROR, (comp), __VA_ARGS__);                           \
  } while (0)
#define cg_log_warn(comp, ...)                                                 \
  do {                                                                         \
    cg_log_write(CG_LOG_WARN, (comp), __VA_ARGS__);                            \
  } while (0)
#define cg_log_info(comp, ...)                                                 \
  do {                                                                         \
    if (cg_log_get_level() >= CG_LOG_INFO)                                     \
      cg_log_write(CG_LOG_INFO, (comp), __VA_ARGS__);                          \
  } while (0)
#define cg_log_debug(comp, ...)                                                \
  do {                                                                         \
    if (cg_log_get_level() >= CG_LOG_DEBUG)                                    \
      cg_log_write(CG_LOG_DEBUG, (comp), __VA_ARGS__);                         \
  } while (0)

#endif
