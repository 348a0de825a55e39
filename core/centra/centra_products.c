/*
 * centra_products: a page of Centra products read for a flow, flattened
 * to the sizes the flow works on. The stock reconcile's read
 * (centra_stock_read.c) and the item master's (centra_items_read.c) ask
 * for different fields but share this: the call, the check that the
 * answer is a list, and the page object {products: n, sizes: [...]}.
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

struct products_read {
  cg__centra_product_fn each;
  cg__centra_page_fn more;
  cg_call_done_fn done;
  void *arg;
};

static cJSON *flatten(const struct products_read *r, const cJSON *products)
{
  cJSON *out = cJSON_CreateObject();
  cJSON *sizes = out ? cJSON_AddArrayToObject(out, "sizes") : NULL;
  bool ok =
      sizes != NULL &&
      cg_json_add_int(out, "products", cJSON_GetArraySize(products)) != NULL &&
      (r->more == NULL || r->more(products, out));
  const cJSON *p;
  cJSON_ArrayForEach(p, products)
  {
    if (ok)
      ok = r->each(p, sizes);
  }
  if (!ok) {
    cJSON_Delete(out);
    return NULL;
  }
  return out;
}

static void on_page(struct cg_call_result *res, void *arg)
{
  struct products_read *r = arg;
  if (res->outcome == CG_OUTCOME_OK) {
    cJSON *flat = cJSON_IsArray(res->data) ? flatten(r, res->data) : NULL;
    cJSON_Delete(res->data);
    res->data = flat;
    if (flat == NULL)
      cg_call_result_set(res, CG_OUTCOME_RETRY, "bad-response",
                         "products answer is not a list (or out of memory)");
  }
  r->done(res, r->arg);
  cg_free(r);
}

int cg__centra_products_send(struct cg__centra_vars *v, struct cg_centra *c,
                             enum cg__centra_doc doc,
                             cg__centra_product_fn each,
                             cg__centra_page_fn more, cg_call_done_fn done,
                             void *arg)
{
  struct products_read *r = cg_calloc(1, sizeof(*r));
  if (r == NULL) {
    cJSON_Delete(v->obj);
    return CG_ENOMEM;
  }
  *r = (struct products_read){
      .each = each, .more = more, .done = done, .arg = arg};
  int rc = cg__centra_vars_send(v, c, doc, on_page, r);
  if (rc != 0)
    cg_free(r);
  return rc;
}
