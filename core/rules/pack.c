/*
 * pack: the files of a rule pack and of scripts/, their content hash, the
 * sandbox's `require`, and the load step that builds the effective modules.
 *
 * Files are read once, when a generation is built, into memory: the hash
 * then covers exactly what runs, and a `require` at call time never sees a
 * half-edited file. Names are '/'-separated relative paths, sorted.
 *
 *   require "<m>"      -> <pack>/<m>.lua        chunk "@<merchant>/<m>.lua"
 *   require "lib.util" -> <pack>/lib/util.lua
 *   require "cg.<m>"   -> scripts/cg/<m>.lua    chunk "@scripts/cg/<m>.lua"
 *
 * Text chunks only; results cached per state (registry cg__key_loaded).
 *
 * The modules are the module names of the registered hooks (registry.c).
 * Effective module m = copy of scripts/cg/<m>.lua's table, overlaid key by
 * key with the pack's <m>.lua table (when the pack has one). The effective
 * modules are reachable from rule code as `rules.<m>`, which is how the
 * default hooks read the pack's data (`rules.<m>.<table>`).
 */
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/mem.h"

#include <dirent.h>
#include <lauxlib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- files ------------------------------------------------------------- */

static int read_file(const char *path, char **data, size_t *len,
                     struct cg_err *err)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return cg_err_set(err, CG_EIO, "cannot open %s", path);
  char *buf = cg_malloc(CG__MAX_FILE_BYTES + 1);
  size_t n = buf ? fread(buf, 1, CG__MAX_FILE_BYTES + 1, f) : 0;
  fclose(f);
  if (buf == NULL)
    return cg_err_set(err, CG_ENOMEM, "reading %s", path);
  if (n > CG__MAX_FILE_BYTES) {
    cg_free(buf);
    return cg_err_set(err, CG_ELIMIT, "%s is larger than %u bytes", path,
                      CG__MAX_FILE_BYTES);
  }
  buf[n] = '\0';
  *data = buf;
  *len = n;
  return 0;
}

/* Appends (name, data) to f, taking both (freed on failure). */
static int push_file(struct cg__files *f, char *name, char *data, size_t len,
                     struct cg_err *err)
{
  int rc = 0;
  if (name == NULL || data == NULL)
    rc = cg_err_set(err, CG_ENOMEM, "no memory for a pack file");
  else if (f->n == CG__MAX_FILES)
    rc = cg_err_set(err, CG_ELIMIT, "more than %d .lua files", CG__MAX_FILES);
  if (rc == 0 && f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 16;
    struct cg__file *v = cg_realloc(f->v, cap * sizeof(*v));
    if (v == NULL)
      rc = cg_err_set(err, CG_ENOMEM, "no memory for %s", name);
    else {
      f->v = v;
      f->cap = cap;
    }
  }
  if (rc != 0) {
    cg_free(name);
    cg_free(data);
    return rc;
  }
  f->v[f->n++] = (struct cg__file){.name = name, .data = data, .len = len};
  return 0;
}

static int add_file(struct cg__files *f, const char *path, const char *rel,
                    struct cg_err *err)
{
  char *data = NULL;
  size_t len = 0;
  int rc = read_file(path, &data, &len, err);
  if (rc != 0)
    return rc;
  return push_file(f, cg_strdup(rel), data, len, err);
}

int cg__files_add(struct cg__files *f, const char *name, const char *data,
                  size_t len, struct cg_err *err)
{
  if (len > CG__MAX_FILE_BYTES)
    return cg_err_set(err, CG_ELIMIT, "%s is larger than %u bytes", name,
                      CG__MAX_FILE_BYTES);
  char *copy = cg_malloc(len + 1);
  if (copy != NULL) {
    memcpy(copy, data, len);
    copy[len] = '\0';
  }
  return push_file(f, cg_strdup(name), copy, len, err);
}

static bool is_lua(const char *name)
{
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".lua") == 0;
}

static int walk(const char *dir, const char *rel, int depth,
                struct cg__files *out, struct cg_err *err)
{
  DIR *d = opendir(dir);
  if (d == NULL)
    return cg_err_set(err, CG_EIO, "cannot open folder %s", dir);
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    char path[1024], sub[512];
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
    struct stat st;
    if (stat(path, &st) == -1)
      continue;
    if (S_ISDIR(st.st_mode) && depth < 4)
      rc = walk(path, sub, depth + 1, out, err);
    else if (S_ISREG(st.st_mode) && is_lua(de->d_name))
      rc = add_file(out, path, sub, err);
  }
  closedir(d);
  return rc;
}

static int cmp_files(const void *a, const void *b)
{
  return strcmp(((const struct cg__file *)a)->name,
                ((const struct cg__file *)b)->name);
}

void cg__files_sort(struct cg__files *f)
{
  if (f->n > 1)
    qsort(f->v, f->n, sizeof(*f->v), cmp_files);
}

int cg__files_read(const char *dir, struct cg__files *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  int rc = walk(dir, "", 0, out, err);
  if (rc != 0) {
    cg__files_free(out);
    return rc;
  }
  cg__files_sort(out);
  return 0;
}

void cg__files_free(struct cg__files *f)
{
  for (size_t i = 0; i < f->n; i++) {
    cg_free(f->v[i].name);
    cg_free(f->v[i].data);
  }
  cg_free(f->v);
  memset(f, 0, sizeof(*f));
}

const struct cg__file *cg__files_find(const struct cg__files *f,
                                      const char *name)
{
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->v[i].name, name) == 0)
      return &f->v[i];
  return NULL;
}

/* ---- content hash ------------------------------------------------------ */

static void hash_set(EVP_MD_CTX *md, const char *prefix,
                     const struct cg__files *f)
{
  for (size_t i = 0; i < f->n; i++) {
    char head[600];
    int n = snprintf(head, sizeof(head), "%s%s%c%zu\n", prefix, f->v[i].name,
                     '\0', f->v[i].len);
    EVP_DigestUpdate(md, head, (size_t)n);
    EVP_DigestUpdate(md, f->v[i].data, f->v[i].len);
  }
}

int cg__pack_hash(struct cg_rules_gen *g, struct cg_err *err)
{
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(md);
    return cg_err_set(err, CG_ENOMEM, "cannot start SHA-256");
  }
  hash_set(md, "pack/", &g->pack);
  hash_set(md, "scripts/", &g->scripts);
  EVP_DigestFinal_ex(md, out, &n);
  EVP_MD_CTX_free(md);
  for (unsigned i = 0; i < n && i < 32; i++)
    snprintf(g->hash + 2 * i, 3, "%02x", out[i]);
  return 0;
}

/* ---- require ----------------------------------------------------------- */

static bool valid_module_name(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > 100 || s[0] == '.' || s[n - 1] == '.')
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' ||
              (c == '.' && s[i + 1] != '.');
    if (!ok)
      return false;
  }
  return true;
}

/* Finds the file behind a module name and its chunk name. */
static const struct cg__file *resolve(struct cg_rules_gen *g, const char *name,
                                      char *chunk, size_t size)
{
  char rel[128];
  snprintf(rel, sizeof(rel), "%s.lua", name);
  for (char *p = rel; *p != '\0' && strcmp(p, ".lua") != 0; p++)
    if (*p == '.')
      *p = '/';
  bool scripts = strncmp(name, "cg.", 3) == 0;
  const struct cg__file *f =
      cg__files_find(scripts ? &g->scripts : &g->pack, rel);
  if (f != NULL)
    snprintf(chunk, size, "@%s/%s", scripts ? "scripts" : g->merchant, rel);
  return f;
}

/* require(name) -> module value. [name] -> [name, value] */
int cg__require(lua_State *L)
{
  struct cg_rules_gen *g = cg__gen_of(L);
  const char *name = luaL_checkstring(L, 1);
  if (!valid_module_name(name))
    return luaL_error(L, "bad module name '%s'", name);
  lua_settop(L, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &cg__key_loaded); /* [name, loaded] */
  int t = lua_getfield(L, 2, name);                   /* [name, loaded, v] */
  if (t == LUA_TBOOLEAN && !lua_toboolean(L, 3))
    return luaL_error(L, "require loop: '%s' is still loading", name);
  if (t != LUA_TNIL)
    return 1;
  char chunk[256];
  const struct cg__file *f = resolve(g, name, chunk, sizeof(chunk));
  if (f == NULL)
    return luaL_error(L, "module '%s' not found (%s)", name,
                      strncmp(name, "cg.", 3) == 0
                          ? "looked in scripts/"
                          : "looked in the pack; defaults are cg.<name>");
  cg__load_chunk(L, f->data, f->len, chunk); /* [name, loaded, nil, fn] */
  lua_pushboolean(L, 0);
  lua_setfield(L, 2, name); /* mark as loading */
  lua_pushvalue(L, 1);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) { /* [name, loaded, nil, err] */
    lua_pushnil(L);
    lua_setfield(L, 2, name); /* a later require may try again */
    return lua_error(L);
  }
  if (lua_isnil(L, -1)) { /* [name, loaded, nil, value] */
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, 2, name);
  return 1;
}

/* ---- load -------------------------------------------------------------- */

/* [..] -> [.., value of require(name)] */
static void require_value(lua_State *L, const char *name)
{
  lua_pushcfunction(L, cg__require);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
}

/* Copies every raw key of the table at src into the table at dst. */
static void copy_raw(lua_State *L, int src, int dst)
{
  src = lua_absindex(L, src);
  dst = lua_absindex(L, dst);
  lua_pushnil(L);
  while (lua_next(L, src)) { /* [.., k, v] */
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, dst);
  }
}

static void copy_field(lua_State *L, int idx, const char *field, char *dst,
                       size_t size, const char *allowed)
{
  lua_getfield(L, idx, field);
  const char *s = lua_tostring(L, -1);
  if (lua_type(L, -1) != LUA_TSTRING || *s == '\0' || strlen(s) >= size ||
      strspn(s, allowed) != strlen(s))
    luaL_error(L,
               "%s/pack.lua: '%s' must be a non-empty string of at most "
               "%d characters from [%s]",
               cg__gen_of(L)->merchant, field, (int)size - 1, allowed);
  strcpy(dst, s);
  lua_pop(L, 1);
}

#define NAME_CHARS                                                             \
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."

/* [..] -> [..]: reads and checks pack.lua. */
static void load_manifest(lua_State *L, struct cg_rules_gen *g)
{
  if (cg__files_find(&g->pack, "pack.lua") == NULL)
    luaL_error(L, "%s: the pack has no pack.lua manifest", g->pack_dir);
  require_value(L, "pack");
  if (!lua_istable(L, -1))
    luaL_error(L, "%s/pack.lua must return a table", g->merchant);
  copy_field(L, -1, "name", g->name, sizeof(g->name), NAME_CHARS);
  copy_field(L, -1, "version", g->version, sizeof(g->version), NAME_CHARS "+");
  lua_getfield(L, -1, "api");
  if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) != CG_RULES_API_VERSION)
    luaL_error(L, "%s/pack.lua: api must be %d (this engine's rule API)",
               g->merchant, CG_RULES_API_VERSION);
  lua_pop(L, 2);
}

/* [modules] -> [modules]: builds modules[m] from default + pack. */
static void load_module(lua_State *L, struct cg_rules_gen *g, const char *m)
{
  char name[64], file[64];
  lua_newtable(L); /* [modules, eff] */
  snprintf(name, sizeof(name), "cg.%s", m);
  require_value(L, name);
  if (!lua_istable(L, -1))
    luaL_error(L, "scripts/cg/%s.lua must return a table", m);
  copy_raw(L, -1, -2);
  lua_pop(L, 1);
  snprintf(file, sizeof(file), "%s.lua", m);
  if (cg__files_find(&g->pack, file) != NULL) {
    require_value(L, m);
    if (!lua_istable(L, -1))
      luaL_error(L, "%s/%s must return a table (got %s)", g->merchant, file,
                 luaL_typename(L, -1));
    copy_raw(L, -1, -2);
    lua_pop(L, 1);
  }
  lua_setfield(L, -2, m);
}

/* [modules] -> [modules]: every registered hook must be a function. */
static void check_hooks(lua_State *L, struct cg_rules_gen *g)
{
  const struct cg__hook *h;
  for (size_t i = 0; (h = cg__hook_at(i)) != NULL; i++) {
    lua_pushstring(L, h->module);
    lua_rawget(L, -2);
    lua_pushstring(L, h->name);
    int t = lua_type(L, -2) == LUA_TTABLE ? lua_rawget(L, -2) : LUA_TNIL;
    if (t != LUA_TFUNCTION)
      luaL_error(L, "%s/%s.lua: hook %s must be a function (got %s)",
                 g->merchant, h->module, h->spec->hook, lua_typename(L, t));
    lua_pop(L, 2);
  }
}

/* [modules] -> [modules]: calls each module's validate(self) if any. */
static void run_validators(lua_State *L)
{
  const char *m;
  for (size_t i = 0; (m = cg__module_at(i)) != NULL; i++) {
    lua_getfield(L, -1, m);
    if (lua_getfield(L, -1, "validate") == LUA_TFUNCTION) {
      lua_pushvalue(L, -2);
      lua_call(L, 1, 0);
    } else {
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
}

int cg__pack_load(lua_State *L)
{
  struct cg_rules_gen *g = cg__gen_of(L);
  load_manifest(L, g);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &cg__key_modules); /* [arg, modules] */
  const char *m;
  for (size_t i = 0; (m = cg__module_at(i)) != NULL; i++)
    load_module(L, g, m);
  check_hooks(L, g);
  run_validators(L);
  return 0;
}
