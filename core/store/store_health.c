/*
 * store_health: what /healthz needs to know about a merchant's store,
 * without trusting that a connection which opened fine still works.
 *
 *   at start   cg_store_health_create: device and inode of the file, and
 *              one PRAGMA quick_check (its failure is kept and reported)
 *   per probe  cg_store_health_check:
 *                the path still names the file that is open (a deleted or
 *                replaced file keeps working through the open descriptor,
 *                so nothing else would notice until restart)
 *                a write is possible: BEGIN IMMEDIATE, one upsert of a
 *                probe cursor, ROLLBACK (skipped inside a transaction,
 *                whose own writes are the probe); it does not wait for a
 *                lock another process holds, and a locked store counts
 *                as writable
 *
 * Everything runs on the store's loop thread. The probe costs a lock and
 * a page in the cache, never an fsync: a rolled-back WAL write is not
 * written out.
 */
#include "store/store.h"

#include "base/err.h"
#include "base/mem.h"
#include "store/store_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define PROBLEM_MAX 256

struct cg_store_health {
  dev_t dev;
  ino_t ino;
  bool identity_known;
  char start_problem[PROBLEM_MAX]; /* "" when quick_check said ok */
};

/* Runs PRAGMA quick_check(1) into h->start_problem. */
static void quick_check(struct cg_store *s, struct cg_store_health *h)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  const unsigned char *v = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
  if (rc != SQLITE_ROW)
    snprintf(h->start_problem, sizeof(h->start_problem),
             "quick_check at start failed: %s", sqlite3_errmsg(s->db));
  else if (v == NULL || strcmp((const char *)v, "ok") != 0)
    snprintf(h->start_problem, sizeof(h->start_problem),
             "quick_check at start found damage: %s",
             v ? (const char *)v : "(no answer)");
  sqlite3_finalize(st);
}

struct cg_store_health *cg_store_health_create(struct cg_store *s)
{
  struct cg_store_health *h = cg_calloc(1, sizeof(*h));
  if (h == NULL)
    return NULL;
  struct stat sb;
  if (stat(s->path, &sb) == 0) {
    h->dev = sb.st_dev;
    h->ino = sb.st_ino;
    h->identity_known = true;
  }
  quick_check(s, h);
  return h;
}

void cg_store_health_destroy(struct cg_store_health *h)
{
  cg_free(h);
}

static int check_identity(struct cg_store *s, const struct cg_store_health *h,
                          struct cg_err *err)
{
  struct stat sb;
  if (stat(s->path, &sb) == -1)
    return cg_err_set(err, CG_EIO,
                      "store file %s is missing (%s); the engine writes to a "
                      "file nobody can find: restore it and restart",
                      s->path, strerror(errno));
  if (h->identity_known && (sb.st_dev != h->dev || sb.st_ino != h->ino))
    return cg_err_set(err, CG_EIO,
                      "store file %s was replaced while running; the engine "
                      "still writes to the old one: restart it",
                      s->path);
  return 0;
}

static int write_probe(struct cg_store *s, struct cg_err *err)
{
  if (cg_store_in_any_tx(s))
    return 0; /* never touch a transaction someone else has open */
  char *msg = NULL;
  /* On the loop thread: never wait for a lock another process holds (the
   * CLI writing an operator's retry). A locked store is a busy one, not a
   * broken one. */
  sqlite3_busy_timeout(s->db, 0);
  int rc = sqlite3_exec(s->db,
                        "BEGIN IMMEDIATE;"
                        "INSERT OR REPLACE INTO cursors (name, value, "
                        "updated_at) VALUES ('cg.health.probe', '', 0);",
                        NULL, NULL, &msg);
  sqlite3_busy_timeout(s->db, s->busy_ms);
  int ret = rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY
                ? 0
                : cg_err_set(err, CG_EDB, "store %s cannot be written: %s",
                             s->path, msg ? msg : sqlite3_errstr(rc));
  sqlite3_free(msg);
  if (!sqlite3_get_autocommit(s->db))
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return ret;
}

int cg_store_health_check(struct cg_store *s, const struct cg_store_health *h,
                          struct cg_err *err)
{
  if (h != NULL && h->start_problem[0] != '\0')
    return cg_err_set(err, CG_EDB, "store %s: %s", s->path, h->start_problem);
  int rc = h != NULL ? check_identity(s, h, err) : 0;
  return rc == 0 ? write_probe(s, err) : rc;
}
