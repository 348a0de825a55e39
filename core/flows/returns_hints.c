/*
 * returns_hints: the hinted return ids, kept durably (docs/internals/
 * returns.md "Configuration"). A Centra Return event is confirmed to
 * Centra once the intake's transaction commits; with poll_s = 0 nothing
 * else would ever find that return again, so the id is written in that
 * same transaction to the store cursor CG_RETURNS_HINTED (space-separated
 * decimal ids, each once), and leaves it only in the transaction of the
 * read by ids that applied it (returns_read.c). The flow loads the list
 * at start (returns.c): a crash between the two loses nothing.
 *
 *   intake.c hint_return ─▶ cg_returns_note (in the intake transaction)
 *   returns_retry.c      ─▶ cg__returns_reread (returns_read.c) ─▶ here
 *   returns_read.c page  ─▶ cg__returns_hints_remove (its transaction)
 *   returns.c start      ─▶ cg__returns_hints_load
 */
#include "flows/returns_read.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "flows/flow.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP "returns"
#define ID_TEXT_MAX 21 /* an int64 in decimal and a space */

/* The ids in the cursor (none when it is absent). */
static int hints_read(struct cg_store *s, int64_t **ids, size_t *n,
                      struct cg_err *err)
{
  char *text = NULL;
  *ids = NULL;
  *n = 0;
  int rc = cg_store_cursor_get(s, CG_RETURNS_HINTED, &text, err);
  if (rc == CG_ENOTFOUND) {
    memset(err, 0, sizeof(*err));
    return 0;
  }
  size_t cap = rc == 0 ? strlen(text) / 2 + 1 : 0;
  *ids = rc == 0 ? cg_calloc(cap, sizeof(**ids)) : NULL;
  if (rc == 0 && *ids == NULL)
    rc = cg_err_set(err, CG_ENOMEM, "out of memory");
  for (char *p = text, *end = NULL; rc == 0 && *p != '\0'; p = end) {
    long long id = strtoll(p, &end, 10);
    if (end == p)
      break;
    if (id > 0 && *n < cap)
      (*ids)[(*n)++] = id;
  }
  cg_free(text);
  return rc;
}

static int hints_write(struct cg_store *s, const int64_t *ids, size_t n,
                       struct cg_err *err)
{
  char *text = cg_malloc(n * ID_TEXT_MAX + 1);
  if (text == NULL)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  size_t len = 0;
  text[0] = '\0';
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(text + len, ID_TEXT_MAX + 1, "%s%" PRId64,
                            i ? " " : "", ids[i]);
  int rc = cg_store_cursor_set(s, CG_RETURNS_HINTED, text, err);
  cg_free(text);
  return rc;
}

static bool has(const int64_t *ids, size_t n, int64_t id)
{
  for (size_t i = 0; i < n; i++)
    if (ids[i] == id)
      return true;
  return false;
}

int cg__returns_hints_add(struct cg_flow *f, int64_t id, struct cg_err *err)
{
  int64_t *ids = NULL;
  size_t n = 0;
  if (id <= 0)
    return 0;
  int rc = hints_read(f->store, &ids, &n, err);
  if (rc == 0 && !has(ids, n, id) && n >= CG_RETURNS_HINTS_MAX)
    cg_log_warn(COMP,
                "[merchant=%s] return %lld: %d returns wait to be read "
                "already; this one is read by the poll only",
                f->merchant, (long long)id, CG_RETURNS_HINTS_MAX);
  else if (rc == 0 && !has(ids, n, id)) {
    int64_t *more = cg_realloc(ids, (n + 1) * sizeof(*more));
    rc = more ? 0 : cg_err_set(err, CG_ENOMEM, "out of memory");
    ids = more ? more : ids;
    if (rc == 0) {
      ids[n++] = id;
      rc = hints_write(f->store, ids, n, err);
    }
  }
  cg_free(ids);
  return rc;
}

int cg__returns_hints_remove(struct cg_flow *f, const int64_t *done,
                             size_t ndone, struct cg_err *err)
{
  int64_t *ids = NULL;
  size_t n = 0, kept = 0;
  int rc = ndone > 0 ? hints_read(f->store, &ids, &n, err) : 0;
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (!has(done, ndone, ids[i]))
      ids[kept++] = ids[i];
  if (rc == 0 && kept < n)
    rc = hints_write(f->store, ids, kept, err);
  cg_free(ids);
  return rc;
}

int cg__returns_hints_load(struct cg_flow *f, int64_t **ids, size_t *n,
                           struct cg_err *err)
{
  return hints_read(f->store, ids, n, err);
}

int cg_returns_note(struct cg_flow *f, int64_t return_id, struct cg_err *err)
{
  if (f->returns == NULL || return_id <= 0)
    return 0; /* the flow is off: nothing reads returns */
  int rc = cg__returns_hints_add(f, return_id, err);
  if (rc == 0)
    cg_returns_hint(f->returns, return_id);
  return rc;
}
