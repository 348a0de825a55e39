/*
 * e2e_pack: see e2e_pack.h.
 */
#include "e2e_pack.h"

#include "base/mem.h"
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool write_file(const char *dir, const char *name, const char *text)
{
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return false;
  bool ok = fputs(text, f) >= 0;
  return fclose(f) == 0 && ok;
}

static bool copy_module(const char *dir, const char *name)
{
  char path[1024], buf[65536];
  snprintf(path, sizeof(path), "%s/rules/default/%s", tu_source_dir(), name);
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return false;
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  bool whole = feof(f) != 0;
  fclose(f);
  buf[n] = '\0';
  return whole && write_file(dir, name, buf);
}

char *e2e_pack_with(const char *module, const char *text)
{
  static const char *const modules[] = {"pack.lua", "carriers.lua",
                                        "orders.lua"};
  char *dir = tu_tmpdir("pack");
  bool ok = dir != NULL;
  for (size_t i = 0; ok && i < sizeof(modules) / sizeof(*modules); i++)
    ok = strcmp(modules[i], module) == 0 || copy_module(dir, modules[i]);
  if (ok)
    ok = write_file(dir, module, text);
  if (!ok && dir != NULL) {
    tu_rmtree(dir);
    cg_free(dir);
    dir = NULL;
  }
  return dir;
}

void e2e_pack_remove(const char *dir)
{
  if (dir != NULL)
    tu_rmtree(dir);
}
