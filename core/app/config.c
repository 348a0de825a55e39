/*
 * config: see config.h. The file runs once in a bare Lua state (base,
 * string, table, math; no io/os/load/require) and every key is then read
 * through the option table below, so defaults, checks, error messages and
 * `config-help` share one source.
 *
 * Every touch of the config's lua_State happens inside one protected call
 * of a C function (load_protected) through the rules sandbox's cg__pcall:
 * a C message handler, and the budget hook that re-arms itself once the
 * instruction or time budget is spent so a `pcall` in the config cannot
 * swallow it. Reading keys can run metamethods of the config's tables
 * (`__index`), so the reading is inside the same call and budget as the
 * file itself. The state has its own byte ceiling (CONFIG_MEM_LIMIT), the
 * string and table functions the hook cannot interrupt are capped as for
 * rules (cg__strlib_wrap), `setmetatable` refuses `__gc` (finalizers run
 * with hooks off) and `xpcall` is left out (its handler can run with hooks
 * off). The whole file is read; one over CONFIG_FILE_MAX is refused.
 */
#include "app/config.h"

#include "base/err.h"
#include "base/mem.h"
#include "rules/rules_int.h"

#include <errno.h>
#include <lauxlib.h>
#include <libgen.h>
#include <lualib.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MEM_LIMIT (16u << 20)
#define CONFIG_INSTR_LIMIT 10000000
#define CONFIG_TIME_MS 3000
#define CONFIG_FILE_MAX (4u << 20)
#define SECRET_TAG "__cg_secret"

enum opt_type { OPT_STR, OPT_SECRET, OPT_INT, OPT_BOOL };

struct opt {
  const char *key; /* dotted path inside the owning table */
  enum opt_type type;
  const char *def; /* NULL = no default */
  bool required;
  size_t offset;
  const char *desc;
};

#define M(field) offsetof(struct cg_config_merchant, field)
#define G(field) offsetof(struct cg_config, field)

static const struct opt global_opts[] = {
    {"admin.listen", OPT_STR, "127.0.0.1:8090", false, G(admin_listen),
     "admin API (healthz, metrics, /api/v1); keep it on loopback"},
    {"admin.token", OPT_SECRET, NULL, false, G(admin_token),
     "bearer token for /api/v1 (env or file)"},
    {"webhooks.listen", OPT_STR, "127.0.0.1:8091", false, G(webhooks_listen),
     "where partner webhooks arrive (/webhooks/{centra|gxo}/<merchant>)"},
    {"log_level", OPT_STR, "info", false, G(log_level),
     "error | warn | info | debug"},
    {"drain_grace_s", OPT_INT, "10", false, G(drain_grace_s),
     "on SIGTERM, seconds the calls in flight may take to finish before "
     "they are cancelled (intake stops at once)"},
    {"test_clock", OPT_BOOL, "false", false, G(test_clock),
     "TESTS AND DEMOS ONLY: POST /api/v1/test/clock may move this engine's "
     "wall clock forward (SLA deadlines, retries); never in production"},
};

static const struct opt merchant_opts[] = {
    {"id", OPT_STR, NULL, true, M(id), "merchant id: [a-z0-9-], unique"},
    {"centra.url", OPT_STR, NULL, true, M(centra_url),
     "Centra Integration API endpoint, https://<brand>.centra.com/graphql"},
    {"centra.token", OPT_SECRET, NULL, true, M(centra_token),
     "Integration API token (env or file)"},
    {"centra.warehouse", OPT_INT, "1", false, M(centra_warehouse),
     "Centra warehouse id that represents GXO"},
    {"centra.webhook_secret", OPT_SECRET, NULL, false, M(centra_webhook_secret),
     "Centra webhook plugin secret (env or file)"},
    {"centra.events", OPT_BOOL, "true", false, M(centra_events),
     "the shop has Centra's events system on; false: say so at start and "
     "rely on the poll"},
    {"centra.direct_to_shipment", OPT_BOOL, "false", false,
     M(centra_direct_to_shipment),
     "store setting 'Direct to Shipment': Centra makes the shipment and "
     "moves orders to PROCESSING; those are exported too"},
    {"centra.autoconfirm", OPT_BOOL, "true", false, M(centra_autoconfirm),
     "store setting 'Autoconfirm orders'; false: orders wait in PENDING "
     "until confirmed in Centra (the engine never confirms them)"},
    {"gxo.url", OPT_STR, NULL, true, M(gxo_url),
     "warehouse API base, e.g. https://wms.example/wms/v1"},
    {"gxo.client_id", OPT_STR, NULL, true, M(gxo_client_id), "OAuth client id"},
    {"gxo.client_secret", OPT_SECRET, NULL, true, M(gxo_client_secret),
     "OAuth client secret (env or file)"},
    {"gxo.site", OPT_STR, NULL, true, M(gxo_site), "GXO site id"},
    {"gxo.webhook_secret", OPT_SECRET, NULL, false, M(gxo_webhook_secret),
     "secret of the warehouse webhook subscription (env or file)"},
    {"gxo.webhook_url", OPT_STR, NULL, false, M(gxo_webhook_url),
     "public URL of /webhooks/gxo/<id>; when set the merchant subscribes "
     "at start (the event feed pull runs either way)"},
    {"rules", OPT_STR, "rules/default", false, M(rules),
     "rule pack folder (relative to the config file)"},
    {"store", OPT_STR, NULL, true, M(store),
     "SQLite file (relative to the config file)"},
    {"store_sync_full", OPT_BOOL, "true", false, M(store_sync_full),
     "synchronous=FULL (durable commits); false only for throwaway runs"},
    {"schedules.poll_orders", OPT_INT, "60", false, M(poll_orders_s),
     "seconds between safety-net polls of confirmed orders; 0 = no poll"},
    {"schedules.centra_events", OPT_INT, "10", false, M(centra_events_s),
     "seconds between Centra events queue pulls"},
    {"schedules.gxo_events", OPT_INT, "10", false, M(gxo_events_s),
     "seconds between warehouse event feed pulls"},
    {"schedules.limits_refresh", OPT_INT, "300", false, M(limits_refresh_s),
     "seconds between Centra rateLimits reads"},
    {"limits.lua_memory_mb", OPT_INT, "32", false, M(lua_memory_mb),
     "memory ceiling of the merchant's rule state"},
    {"limits.lua_instructions", OPT_INT, "1000000", false, M(lua_instructions),
     "instruction budget per hook call"},
    {"stock.window_ms", OPT_INT, "2000", false, M(stock_window_ms),
     "ms a changed SKU waits for more changes before its push to Centra"},
    {"stock.batch_max", OPT_INT, "500", false, M(stock_batch_max),
     "SKUs per setStock call; a full batch goes without waiting"},
    {"stock.reconcile_s", OPT_INT, "21600", false, M(stock_reconcile_s),
     "seconds between scheduled stock reconciles (warehouse snapshot and "
     "Centra's figures compared); 0 = only on snapshot events and gaps"},
    {"stock.gap_grace_s", OPT_INT, "60", false, M(stock_gap_grace_s),
     "seconds a hole in the warehouse event sequence may stay open before "
     "a snapshot heals it"},
    {"stock.snapshot_page", OPT_INT, "1000", false, M(stock_snapshot_page),
     "SKU rows per GET /stock page (the warehouse allows 1000)"},
    {"items.enabled", OPT_BOOL, "true", false, M(items_enabled),
     "whether the engine keeps GXO's item master from Centra's catalogue; "
     "false = items are made outside the engine and each order's SKUs are "
     "looked up at the warehouse"},
    {"items.poll_s", OPT_INT, "300", false, M(items_poll_s),
     "seconds between reads of the Centra products changed lately (events "
     "and held orders read at once too); 0 = only on those"},
    {"items.sweep_s", OPT_INT, "86400", false, M(items_sweep_s),
     "seconds between full reads of Centra's catalogue (the safety net); "
     "0 = only the first, at the merchant's first start"},
    {"items.batch_max", OPT_INT, "500", false, M(items_batch_max),
     "items per POST /items:batch (1 to 500, the warehouse's limit)"},
    {"items.page", OPT_INT, "50", false, M(items_page),
     "Centra products per page read (1 to 200)"},
    {"items.window_ms", OPT_INT, "1000", false, M(items_window_ms),
     "ms a changed item waits for company before it is sent (an item an "
     "order waits on goes at once)"},
    {"returns.enabled", OPT_BOOL, "true", false, M(returns_enabled),
     "whether the engine advises Centra returns to the warehouse and "
     "settles them in Centra from its receipts; false = returns are handled "
     "outside the engine"},
    {"returns.poll_s", OPT_INT, "300", false, M(returns_poll_s),
     "seconds between reads of the Centra returns created lately (Return "
     "events read one at once too); 0 = only on events"},
    {"returns.page", OPT_INT, "50", false, M(returns_page),
     "Centra returns per page read (1 to 100)"},
};

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

struct lstate {
  size_t used;
};

/* Byte ceiling; a shrink never fails; osize is a type tag when ptr is NULL. */
static void *cb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  struct lstate *ls = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    cg_free(ptr);
    ls->used -= old;
    return NULL;
  }
  if (nsize > old && ls->used - old + nsize > CONFIG_MEM_LIMIT)
    return NULL;
  void *p = cg_realloc(ptr, nsize);
  if (p == NULL)
    return nsize <= old ? ptr : NULL;
  ls->used = ls->used - old + nsize;
  return p;
}

static int cb_panic(lua_State *L)
{
  /* Unreachable by design: every use of the state is protected. */
  fprintf(stderr, "config: lua panic: %s\n", lua_tostring(L, -1));
  return 0;
}

/* env "NAME" / file "PATH": [name] -> [{__cg_secret=kind, ref=name}] */
static int secret_marker(lua_State *L, const char *kind)
{
  const char *ref = luaL_checkstring(L, 1);
  lua_createtable(L, 0, 2);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, SECRET_TAG);
  lua_pushstring(L, ref);
  lua_setfield(L, -2, "ref");
  return 1;
}

static int l_env(lua_State *L)
{
  return secret_marker(L, "env");
}

static int l_file(lua_State *L)
{
  return secret_marker(L, "file");
}

/* setmetatable(t, mt) refusing __gc: finalizers run with hooks off, so a
 * looping one would hang lua_close. [t, mt] -> [t] */
static int cb_setmetatable(lua_State *L)
{
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL)
      return luaL_error(L, "__gc metamethods are not allowed in the config");
    lua_pop(L, 1);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* Runs protected. [..] -> [..] */
static void open_sandbox(lua_State *L)
{
  static const char *const drop[] = {"dofile",  "loadfile",       "load",
                                     "require", "collectgarbage", "xpcall",
                                     NULL};
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
  cg__strlib_wrap(L, -1); /* also what ("x"):rep reaches */
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
  cg__tablib_wrap(L, -1);
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
  lua_pop(L, 4);
  for (int i = 0; drop[i] != NULL; i++) {
    lua_pushnil(L);
    lua_setglobal(L, drop[i]);
  }
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, cb_setmetatable, 1);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, l_env);
  lua_setglobal(L, "env");
  lua_pushcfunction(L, l_file);
  lua_setglobal(L, "file");
}

/* Reads the whole file into *src (cg_free); refuses one over
 * CONFIG_FILE_MAX rather than cutting it. */
static int read_source(const char *path, char **src, size_t *len,
                       struct cg_err *err)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return cg_err_set(err, CG_ECONFIG, "%s: cannot open: %s", path,
                      strerror(errno));
  size_t cap = 0, n = 0;
  char *buf = NULL;
  int rc = 0;
  /* Stops one byte past the limit: enough to know the file is too big. */
  while (rc == 0 && n <= CONFIG_FILE_MAX && !feof(f) && !ferror(f)) {
    if (n == cap) {
      cap = cap ? cap * 2 : 64 * 1024;
      char *p = cg_realloc(buf, cap);
      if (p == NULL)
        rc = cg_err_set(err, CG_ENOMEM, "%s: out of memory reading", path);
      buf = p ? p : buf;
    }
    if (rc == 0)
      n += fread(buf + n, 1, cap - n, f);
  }
  if (rc == 0 && ferror(f))
    rc = cg_err_set(err, CG_ECONFIG, "%s: read error", path);
  else if (rc == 0 && n > CONFIG_FILE_MAX)
    rc = cg_err_set(err, CG_ECONFIG,
                    "%s: file is larger than %u MiB, too big for a config",
                    path, CONFIG_FILE_MAX >> 20);
  fclose(f);
  if (rc != 0)
    cg_free(buf);
  *src = rc == 0 ? buf : NULL;
  *len = n;
  return rc;
}

/* Pushes the value at a dotted key below the table at idx (or nil). */
static void push_path(lua_State *L, int idx, const char *key)
{
  char part[64];
  lua_pushvalue(L, idx);
  while (*key) {
    const char *dot = strchr(key, '.');
    size_t n = dot ? (size_t)(dot - key) : strlen(key);
    snprintf(part, sizeof(part), "%.*s", (int)n, key);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      lua_pushnil(L);
      return;
    }
    lua_getfield(L, -1, part);
    lua_remove(L, -2);
    key = dot ? dot + 1 : key + n;
  }
}

static int read_secret_file(const char *path, char **out, struct cg_err *err)
{
  FILE *f = fopen(path, "r");
  char line[4096];
  if (f == NULL)
    return cg_err_set(err, CG_ECONFIG, "secret file %s cannot be read", path);
  char *got = fgets(line, sizeof(line), f);
  fclose(f);
  if (got == NULL)
    return cg_err_set(err, CG_ECONFIG, "secret file %s is empty", path);
  line[strcspn(line, "\r\n")] = '\0';
  *out = cg_strdup(line);
  return *out ? 0 : CG_ENOMEM;
}

/* [.., marker] -> resolves env/file into *out; pops nothing. */
static int resolve_secret(lua_State *L, const struct cg_config *cfg, char **out,
                          struct cg_err *err)
{
  lua_getfield(L, -1, SECRET_TAG);
  lua_getfield(L, -2, "ref");
  const char *kind = lua_tostring(L, -2);
  const char *ref = lua_tostring(L, -1);
  int rc = 0;
  if (kind == NULL || ref == NULL) {
    rc = cg_err_set(err, CG_ECONFIG,
                    "is a table; use env \"NAME\" or "
                    "file \"PATH\"");
  } else if (strcmp(kind, "env") == 0) {
    const char *v = getenv(ref);
    if (v == NULL || *v == '\0')
      rc = cg_err_set(err, CG_ECONFIG, "environment variable %s is not set",
                      ref);
    else if ((*out = cg_strdup(v)) == NULL)
      rc = CG_ENOMEM;
  } else {
    char p[1024];
    rc = read_secret_file(cg_config_path(cfg, ref, p, sizeof(p)), out, err);
  }
  lua_pop(L, 2);
  return rc;
}

static int parse_default(const struct opt *o, void *base, struct cg_err *err)
{
  char *dst = (char *)base + o->offset;
  switch (o->type) {
  case OPT_STR:
  case OPT_SECRET:
    *(char **)dst = o->def ? cg_strdup(o->def) : NULL;
    return (o->def && *(char **)dst == NULL) ? CG_ENOMEM : 0;
  case OPT_INT:
    *(int64_t *)dst = o->def ? strtoll(o->def, NULL, 10) : 0;
    return 0;
  case OPT_BOOL:
    *(bool *)dst = o->def && strcmp(o->def, "true") == 0;
    return 0;
  }
  return cg_err_set(err, CG_EINVAL, "bad option type");
}

/* [.., value] -> stores it per o->type; the value stays on the stack. */
static int store_value(lua_State *L, const struct opt *o, void *base,
                       const struct cg_config *cfg, struct cg_err *err)
{
  char *dst = (char *)base + o->offset;
  int t = lua_type(L, -1);
  if (o->type == OPT_SECRET && t == LUA_TTABLE)
    return resolve_secret(L, cfg, (char **)dst, err);
  if (o->type == OPT_SECRET)
    return cg_err_set(err, CG_ECONFIG,
                      "secrets must come from env \"NAME\" "
                      "or file \"PATH\", not a literal");
  if (o->type == OPT_STR && t == LUA_TSTRING) {
    *(char **)dst = cg_strdup(lua_tostring(L, -1));
    return *(char **)dst ? 0 : CG_ENOMEM;
  }
  if (o->type == OPT_INT && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0) {
    *(int64_t *)dst = lua_tointeger(L, -1);
    return 0;
  }
  if (o->type == OPT_BOOL && t == LUA_TBOOLEAN) {
    *(bool *)dst = lua_toboolean(L, -1);
    return 0;
  }
  static const char *const want[] = {"a string", "a secret",
                                     "a non-negative integer", "a boolean"};
  return cg_err_set(err, CG_ECONFIG, "must be %s, got %s", want[o->type],
                    luaL_typename(L, -1));
}

static int read_opts(lua_State *L, int idx, const struct opt *opts, size_t n,
                     void *base, const struct cg_config *cfg,
                     struct cg_err *err)
{
  for (size_t i = 0; i < n; i++) {
    const struct opt *o = &opts[i];
    push_path(L, idx, o->key);
    int rc;
    if (lua_isnil(L, -1))
      rc = o->required ? cg_err_set(err, CG_ECONFIG, "is required")
                       : parse_default(o, base, err);
    else
      rc = store_value(L, o, base, cfg, err);
    lua_pop(L, 1);
    if (rc != 0) {
      if (rc == CG_ENOMEM)
        cg_err_set(err, CG_ENOMEM, "out of memory");
      return cg_err_prefix(err, "%s", o->key);
    }
  }
  return 0;
}

static int check_merchant_id(const char *id, struct cg_err *err)
{
  if (*id == '\0' ||
      strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(id))
    return cg_err_set(err, CG_ECONFIG,
                      "id: must be lowercase letters, digits and '-'");
  return 0;
}

/* A Centra warehouse id is a GraphQL Int above 0: 0 would make every
 * stock write and read fail at Centra for ever. */
static int check_warehouse(int64_t id, struct cg_err *err)
{
  if (id < 1 || id > INT32_MAX)
    return cg_err_set(err, CG_ECONFIG,
                      "centra.warehouse: must be a Centra warehouse id "
                      "(1 to %d), got %lld",
                      INT32_MAX, (long long)id);
  return 0;
}

/* One <table>.<key> within lo..hi. */
static int check_range(const char *key, int64_t v, int64_t lo, int64_t hi,
                       struct cg_err *err)
{
  if (v < lo || v > hi)
    return cg_err_set(err, CG_ECONFIG, "%s: must be %lld to %lld, got %lld",
                      key, (long long)lo, (long long)hi, (long long)v);
  return 0;
}

/* The items flow's periods are never negative; the batch and the page
 * are the partners' limits (a larger one is refused by them for ever). */
static int check_items(const struct cg_config_merchant *m, struct cg_err *err)
{
  int rc = check_range("items.poll_s", m->items_poll_s, 0, INT32_MAX, err);
  rc = rc ? rc
          : check_range("items.sweep_s", m->items_sweep_s, 0, INT32_MAX, err);
  rc =
      rc ? rc : check_range("items.batch_max", m->items_batch_max, 1, 500, err);
  rc = rc ? rc : check_range("items.page", m->items_page, 1, 200, err);
  return rc ? rc
            : check_range("items.window_ms", m->items_window_ms, 0, 3600000,
                          err);
}

/* The returns poll's period is never negative; the page is Centra's
 * limit (CG_CENTRA_RETURNS_PAGE_MAX). */
static int check_returns(const struct cg_config_merchant *m, struct cg_err *err)
{
  int rc = check_range("returns.poll_s", m->returns_poll_s, 0, INT32_MAX, err);
  return rc ? rc : check_range("returns.page", m->returns_page, 1, 100, err);
}

static int check_unique_ids(const struct cg_config *cfg, size_t upto,
                            struct cg_err *err)
{
  for (size_t j = 0; j < upto; j++)
    if (strcmp(cfg->merchants[j].id, cfg->merchants[upto].id) == 0)
      return cg_err_set(err, CG_ECONFIG, "id: duplicate merchant id");
  return 0;
}

/* [.., merchants] -> fills cfg->merchants. */
static int read_merchants(lua_State *L, struct cg_config *cfg,
                          struct cg_err *err)
{
  if (!lua_istable(L, -1) || luaL_len(L, -1) < 1)
    return cg_err_set(err, CG_ECONFIG,
                      "merchants: must be a list with at least one merchant");
  size_t n = (size_t)luaL_len(L, -1);
  cfg->merchants = cg_calloc(n, sizeof(*cfg->merchants));
  if (cfg->merchants == NULL)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    struct cg_config_merchant *m = &cfg->merchants[i];
    cfg->nmerchants = i + 1;
    lua_rawgeti(L, -1, (lua_Integer)i + 1);
    int rc = lua_istable(L, -1)
                 ? read_opts(L, lua_gettop(L), merchant_opts,
                             NOPTS(merchant_opts), m, cfg, err)
                 : cg_err_set(err, CG_ECONFIG, "must be a table");
    lua_pop(L, 1);
    if (rc == 0)
      rc = check_merchant_id(m->id, err);
    if (rc == 0)
      rc = check_warehouse(m->centra_warehouse, err);
    if (rc == 0)
      rc = check_items(m, err);
    if (rc == 0)
      rc = check_returns(m, err);
    if (rc == 0)
      rc = check_unique_ids(cfg, i, err);
    if (rc != 0)
      return m->id ? cg_err_prefix(err, "merchant '%s'", m->id)
                   : cg_err_prefix(err, "merchants[%zu]", i + 1);
  }
  return 0;
}

static int set_paths(struct cg_config *cfg, const char *path)
{
  cfg->path = cg_strdup(path);
  char *copy = cg_strdup(path);
  cfg->base_dir = copy ? cg_strdup(dirname(copy)) : NULL;
  cg_free(copy);
  return (cfg->path && cfg->base_dir) ? 0 : CG_ENOMEM;
}

struct load_ctx {
  const char *path;
  const char *src;
  size_t len;
  struct cg_config *cfg;
  struct cg_err *err; /* failures of the C-side checks */
  int rc;
};

/* The one protected entry into the config's state: opens the libraries,
 * runs the file and reads every key, so metamethods the config set on its
 * tables run under the same budget. [ctx] -> [ctx, ...]; cg__pcall
 * restores the stack. */
static int load_protected(lua_State *L)
{
  struct load_ctx *c = lua_touserdata(L, 1);
  open_sandbox(L);
  char name[300];
  snprintf(name, sizeof(name), "@%s", c->path);
  if (luaL_loadbufferx(L, c->src, c->len, name, "t") != LUA_OK)
    lua_error(L);
  lua_call(L, 0, 0);
  lua_pushglobaltable(L);
  c->rc = read_opts(L, lua_gettop(L), global_opts, NOPTS(global_opts), c->cfg,
                    c->cfg, c->err);
  if (c->rc == 0) {
    lua_getglobal(L, "merchants");
    c->rc = read_merchants(L, c->cfg, c->err);
  }
  return 0;
}

/* One line naming the file and the problem from a Lua failure (the
 * message handler appends a traceback, which is dropped here). */
static int lua_failure(const struct cg_rules_gen *g, struct cg_err *lerr,
                       const char *path, struct cg_err *err)
{
  lerr->msg[strcspn(lerr->msg, "\n")] = '\0';
  if (g->killed)
    return cg_err_set(err, CG_ECONFIG,
                      "config takes too long to evaluate (a loop?): %s",
                      lerr->msg);
  if (strncmp(lerr->msg, path, strlen(path)) == 0)
    return cg_err_set(err, CG_ECONFIG, "%s", lerr->msg);
  return cg_err_set(err, CG_ECONFIG, "%s: %s", path, lerr->msg);
}

/* Runs load_protected through the rules sandbox's cg__pcall (C message
 * handler, pcall-proof instruction and time budget). */
static int run_config(lua_State *L, struct load_ctx *c)
{
  struct cg_rules_gen g = {.L = L, .mem_limit = CONFIG_MEM_LIMIT};
  snprintf(g.merchant, sizeof(g.merchant), "config");
  struct cg_rules_gen *gp = &g;
  memcpy(lua_getextraspace(L), &gp, sizeof(gp)); /* read by the hook */
  struct cg_err lerr = {0};
  int rc = cg__pcall(&g, load_protected, c, CONFIG_INSTR_LIMIT, CONFIG_TIME_MS,
                     &lerr);
  memset(lua_getextraspace(L), 0, sizeof(gp)); /* g dies here */
  if (rc != 0)
    return lua_failure(&g, &lerr, c->path, c->err);
  return c->rc;
}

struct cg_config *cg_config_load(const char *path, struct cg_err *err)
{
  struct lstate ls = {0};
  struct load_ctx c = {.path = path, .err = err};
  char *src = NULL;
  lua_State *L = NULL;
  int rc = read_source(path, &src, &c.len, err);
  if (rc != 0)
    goto fail;
  c.src = src;
  c.cfg = cg_calloc(1, sizeof(*c.cfg));
  L = lua_newstate(cb_alloc, &ls);
  rc = (c.cfg && L) ? set_paths(c.cfg, path) : CG_ENOMEM;
  if (rc != 0) {
    cg_err_set(err, CG_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  lua_atpanic(L, cb_panic);
  if ((rc = run_config(L, &c)) != 0)
    goto fail;
  lua_close(L);
  cg_free(src);
  return c.cfg;
fail:
  if (err != NULL)
    err->code = CG_ECONFIG;
  if (L != NULL)
    lua_close(L);
  cg_free(src);
  cg_config_free(c.cfg);
  return NULL;
}

static void free_opts(const struct opt *opts, size_t n, void *base)
{
  for (size_t i = 0; i < n; i++)
    if (opts[i].type == OPT_STR || opts[i].type == OPT_SECRET) {
      char **p = (char **)((char *)base + opts[i].offset);
      if (opts[i].type == OPT_SECRET && *p != NULL)
        memset(*p, 0, strlen(*p));
      cg_free(*p);
      *p = NULL;
    }
}

void cg_config_free(struct cg_config *cfg)
{
  if (cfg == NULL)
    return;
  for (size_t i = 0; i < cfg->nmerchants; i++)
    free_opts(merchant_opts, NOPTS(merchant_opts), &cfg->merchants[i]);
  free_opts(global_opts, NOPTS(global_opts), cfg);
  cg_free(cfg->merchants);
  cg_free(cfg->path);
  cg_free(cfg->base_dir);
  cg_free(cfg);
}

char *cg_config_path(const struct cg_config *cfg, const char *p, char *out,
                     size_t size)
{
  if (p[0] == '/' || cfg->base_dir == NULL)
    snprintf(out, size, "%s", p);
  else
    snprintf(out, size, "%s/%s", cfg->base_dir, p);
  return out;
}

static void help_table(FILE *out, const char *title, const struct opt *opts,
                       size_t n)
{
  static const char *const tn[] = {"string", "secret", "integer", "boolean"};
  fprintf(out, "%s\n", title);
  for (size_t i = 0; i < n; i++)
    fprintf(out, "  %-24s %-8s %-10s %s%s\n", opts[i].key, tn[opts[i].type],
            opts[i].def ? opts[i].def : "-", opts[i].desc,
            opts[i].required ? " (required)" : "");
}

void cg_config_help(FILE *out)
{
  help_table(out, "global keys:", global_opts, NOPTS(global_opts));
  help_table(out, "\nper merchant (merchants = { {...}, ... }):", merchant_opts,
             NOPTS(merchant_opts));
}
