/*
 * time: wall and monotonic clocks in milliseconds, ISO 8601 and HTTP-date
 * formatting and parsing. Wall time can be overridden by tests.
 */
#ifndef CG_BASE_TIME_H
#define CG_BASE_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (wall clock). */
int64_t cg_time_now_ms(void);
/* Milliseconds from an arbitrary origin; never goes backwards. */
int64_t cg_time_mono_ms(void);
/* Test clock: a non-zero offset is added to cg_time_now_ms(). Set only
 * by tests, the demo, and the admin API's /api/v1/test/clock when the
 * config says test_clock = true (docs/operations.md "Test clock"). */
void cg_time_set_offset_ms(int64_t offset);
int64_t cg_time_offset_ms(void);
/* The wall clock without the test offset: for what a partner checks
 * against its own clock (webhook signature times). */
int64_t cg_time_real_ms(void);

/* "2026-03-04T08:12:00.123Z" (with millis) into buf; returns buf. */
char *cg_time_format_iso8601(int64_t ms, char *buf, size_t size);
/* "2026-03-04T08:12:00Z" (whole seconds) into buf; returns buf. */
char *cg_time_format_iso8601_s(int64_t ms, char *buf, size_t size);
/* Parses ISO 8601 UTC ("...Z" or "+00:00"-style offsets, optional
 * fraction). Returns 0 and sets *ms, or CG_EINVAL. */
int cg_time_parse_iso8601(const char *s, int64_t *ms);
/* "Wed, 21 Oct 2015 07:28:00 GMT" into buf; returns buf. */
char *cg_time_format_http(int64_t ms, char *buf, size_t size);
/* Parses an IMF-fixdate. Returns 0 and sets *ms, or CG_EINVAL. */
int cg_time_parse_http(const char *s, int64_t *ms);

#endif
