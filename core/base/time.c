/*
 * time: see time.h.
 */
#include "base/time.h"

#include "base/err.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t wall_offset_ms;

void cg_time_set_offset_ms(int64_t offset)
{
  wall_offset_ms = offset;
}

int64_t cg_time_offset_ms(void)
{
  return wall_offset_ms;
}

int64_t cg_time_real_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cg_time_now_ms(void)
{
  return cg_time_real_ms() + wall_offset_ms;
}

int64_t cg_time_mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void to_tm(int64_t ms, struct tm *tm)
{
  time_t secs = (time_t)(ms / 1000);
  gmtime_r(&secs, tm);
}

char *cg_time_format_iso8601(int64_t ms, char *buf, size_t size)
{
  struct tm tm;
  to_tm(ms, &tm);
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (int)(ms % 1000));
  return buf;
}

char *cg_time_format_iso8601_s(int64_t ms, char *buf, size_t size)
{
  struct tm tm;
  to_tm(ms, &tm);
  strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int cg_time_parse_iso8601(const char *s, int64_t *ms)
{
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  if (s == NULL)
    return CG_EINVAL;
  const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == NULL)
    return CG_EINVAL;
  int64_t frac = 0;
  if (*rest == '.') {
    int digits = 0;
    for (rest++; *rest >= '0' && *rest <= '9'; rest++, digits++)
      if (digits < 3)
        frac = frac * 10 + (*rest - '0');
    for (; digits < 3; digits++)
      frac *= 10;
  }
  int64_t offset_s = 0;
  if (*rest == '+' || *rest == '-') {
    int hh = 0, mm = 0;
    if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2)
      return CG_EINVAL;
    offset_s = (hh * 3600 + mm * 60) * (*rest == '-' ? -1 : 1);
  } else if (*rest != 'Z' || rest[1] != '\0') {
    return CG_EINVAL;
  }
  *ms = ((int64_t)timegm(&tm) - offset_s) * 1000 + frac;
  return 0;
}

char *cg_time_format_http(int64_t ms, char *buf, size_t size)
{
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
  struct tm tm;
  to_tm(ms, &tm);
  snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
           tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
           tm.tm_min, tm.tm_sec);
  return buf;
}

int cg_time_parse_http(const char *s, int64_t *ms)
{
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  if (s == NULL)
    return CG_EINVAL;
  const char *rest = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (rest == NULL || *rest != '\0')
    return CG_EINVAL;
  *ms = (int64_t)timegm(&tm) * 1000;
  return 0;
}
