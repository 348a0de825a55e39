/*
 * store_stock_ops: the stock table's reads for operations (store_stock.h
 * cg_store_stock_held: the admin API's `stock?state=held`). Kept apart
 * from store_stock.c, whose statements serve the flows' hot paths: this
 * one walks the primary key and is asked only by a person.
 */
#include "store/store_int.h"
#include "store/store_stock.h"

#include <string.h>

int cg_store_stock_held(struct cg_store *s, const char *after, size_t limit,
                        struct cg_store_count_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_STOCK_HELD];
  int ret =
      cg__store_bind(s, st, err, "sI", after ? after : "", (int64_t)limit);
  return ret ? ret : cg__store_count_list(s, st, out, "stock: held", err);
}
