/*
 * batches: see batches.h.
 */
#include "flows/batches.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/flow.h"
#include "store/store.h"

#include <stdio.h>

#define LOG_EVERY_MS 10000

int cg_batch_put_row(struct cg_flow *f, const char *kind, const char *tag,
                     const cJSON *payload, int64_t now_ms, int64_t *id,
                     struct cg_err *err)
{
  static unsigned seq; /* tells apart rows made in the same ms */
  char *text = cg_json_print(payload);
  char key[200];
  int rc = text ? CG_EEXIST : cg_err_set(err, CG_ENOMEM, "out of memory");
  for (int tries = 0; rc == CG_EEXIST && tries < 8; tries++) {
    snprintf(key, sizeof(key), "cg-%s-%s-%lld-%u", f->merchant, tag,
             (long long)now_ms, ++seq);
    rc = cg_store_outbox_put(f->store, kind, tag, key, text, 0, id, err);
  }
  cg_free(text);
  return rc;
}

void cg_batch_log_failed(struct cg_flow *f, const char *comp, int64_t *last,
                         const char *what, const struct cg_err *err)
{
  int64_t now = cg_time_mono_ms();
  f->metrics.store_errors++;
  if (last != NULL && *last != 0 && now - *last < LOG_EVERY_MS)
    return;
  if (last != NULL)
    *last = now;
  cg_log_error(comp, "[merchant=%s] %s: %s; tried again later", f->merchant,
               what, err->msg);
}
