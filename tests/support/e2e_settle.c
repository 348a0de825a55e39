/*
 * e2e_settle: see e2e_settle.h.
 */
#include "e2e_settle.h"

#include "base/json.h"
#include "e2e_dispatch.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool settle_centra_line(struct e2e *t, const char *number, const char *line,
                        long *quantity, long *cancelled)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/centra/orders/%s", number);
  cJSON *o = e2e_get(t, 'c', path);
  const cJSON *l;
  bool found = false;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    if (cg_json_int(l, "id", -1) != atol(line))
      continue;
    *quantity = (long)cg_json_int(l, "quantity", -1);
    *cancelled = (long)cg_json_int(l, "cancelledQuantity", -1);
    found = true;
  }
  cJSON_Delete(o);
  return found;
}

void settle_centra_shipments(struct e2e *t, const char *number, long *all,
                             long *shipped, long *captured)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/shipments");
  const cJSON *s;
  *all = *shipped = *captured = 0;
  cJSON_ArrayForEach(s, doc)
  {
    if (cg_json_int(s, "order.number", -1) != atol(number))
      continue;
    (*all)++;
    *shipped += cg_json_bool(s, "isShipped", false);
    *captured += cg_json_bool(s, "isCaptured", false);
  }
  cJSON_Delete(doc);
}

cJSON *settle_exception(struct e2e *t, const char *type, const char *key)
{
  char path[256];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/exceptions?type=%s",
           type);
  cJSON *doc = e2e_get(t, 'a', path);
  const cJSON *x;
  cJSON *out = NULL;
  cJSON_ArrayForEach(x, doc)
  {
    const char *k = cg_json_str(x, "key");
    if (out == NULL && k != NULL && strcmp(k, key) == 0)
      out = cJSON_Duplicate(x, true);
  }
  cJSON_Delete(doc);
  return out;
}

void settle_retry(struct e2e *t, long id)
{
  char path[128];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/exceptions/%ld/retry",
           id);
  cJSON *r = e2e_post(t, 'a', path, "{}");
  assert_non_null(r);
  cJSON_Delete(r);
}

struct want {
  const char *number, *state;
};

static bool in_state(struct e2e *t, void *arg)
{
  const struct want *w = arg;
  char st[32];
  dispatch_order_state(t, w->number, st, sizeof(st));
  return strcmp(st, w->state) == 0;
}

bool settle_wait_state(struct e2e *t, const char *number, const char *state,
                       int timeout_s)
{
  struct want w = {number, state};
  return e2e_wait(t, timeout_s, in_state, &w);
}
