/*
 * centra_cli: `centra-gxo centra documents|check`, the operator's view of
 * what the engine sends to Centra (core/centra/centra_docs.c).
 *
 *   centra documents            every GraphQL document, as JSON
 *   centra check -c FILE        introspect the merchant's Centra with its
 *                               token and validate every document against
 *                               what the shop really serves
 *   centra check --introspection SAVED.json   the same, offline
 *
 * The validation is graphql-js's (tools/graphql/centra-check.js, run with
 * node): the engine writes no GraphQL validation of its own. The token
 * reaches the child through its environment only, never argv or output.
 */
#include "app/cli.h"

#include "app/config.h"
#include "base/json.h"
#include "base/mem.h"
#include "centra/centra.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The engine's documents as [{"name", "query"}] text; NULL on ENOMEM. */
static char *documents_json(void)
{
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr != NULL && i < cg_centra_document_count(); i++) {
    const char *name, *query;
    cg_centra_document(i, &name, &query);
    cJSON *d = cJSON_CreateObject();
    if (d == NULL || !cJSON_AddItemToArray(arr, d) ||
        cg_json_add_str(d, "name", name) == NULL ||
        cg_json_add_str(d, "query", query) == NULL) {
      cJSON_Delete(arr);
      return NULL;
    }
  }
  char *text = arr ? cg_json_print(arr) : NULL;
  cJSON_Delete(arr);
  return text;
}

static int cmd_documents(void)
{
  char *text = documents_json();
  if (text == NULL) {
    fprintf(stderr, "centra-gxo: out of memory\n");
    return 1;
  }
  printf("%s\n", text);
  cg_free(text);
  return 0;
}

/* tools/graphql/centra-check.js, or $CG_TOOLS_DIR/centra-check.js. */
static const char *check_script(char *buf, size_t size)
{
  const char *dir = getenv("CG_TOOLS_DIR");
  if (dir == NULL || dir[0] == '\0')
    dir = CG_SOURCE_DIR "/tools/graphql";
  snprintf(buf, size, "%s/centra-check.js", dir);
  return buf;
}

/* Child side: stdin from the pipe, the token in the environment. */
static void exec_check(int in_fd, const char *script, const char *saved,
                       const struct cg_config_merchant *mc)
{
  if (dup2(in_fd, STDIN_FILENO) == -1)
    _exit(2);
  close(in_fd);
  if (mc != NULL && (setenv("CG_CENTRA_URL", mc->centra_url, 1) == -1 ||
                     setenv("CG_CENTRA_TOKEN", mc->centra_token, 1) == -1))
    _exit(2);
  if (saved != NULL)
    execlp("node", "node", script, "--introspection", saved, (char *)NULL);
  else
    execlp("node", "node", script, (char *)NULL);
  fprintf(stderr,
          "centra-gxo: cannot run node (%s); install the Debian "
          "packages nodejs and node-graphql\n",
          strerror(errno));
  _exit(2);
}

/* Writes all of text to fd; false on a write error. */
static bool write_all(int fd, const char *text)
{
  size_t len = strlen(text), off = 0;
  while (off < len) {
    ssize_t n = write(fd, text + off, len - off);
    if (n == -1 && errno == EINTR)
      continue;
    if (n == -1)
      return false;
    off += (size_t)n;
  }
  return true;
}

/* Runs the check script with the documents on its stdin; returns its exit
 * status (0 valid, 1 mismatch, 2 could not run). */
static int run_check(const char *saved, const struct cg_config_merchant *mc)
{
  char script[1024];
  char *docs = documents_json();
  int fds[2];
  if (docs == NULL || pipe(fds) == -1) {
    cg_free(docs);
    fprintf(stderr, "centra-gxo: cannot start the check\n");
    return 2;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[1]);
    exec_check(fds[0], check_script(script, sizeof(script)), saved, mc);
  }
  close(fds[0]);
  void (*old)(int) = signal(SIGPIPE, SIG_IGN);
  bool sent = pid > 0 && write_all(fds[1], docs);
  close(fds[1]);
  signal(SIGPIPE, old);
  cg_free(docs);
  int status = 0;
  if (pid <= 0 || waitpid(pid, &status, 0) == -1 || !sent)
    return 2;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

static int cmd_check(const struct cg_cli *c)
{
  if (c->introspection != NULL)
    return run_check(c->introspection, NULL);
  struct cg_config *cfg = NULL;
  const struct cg_config_merchant *mc = NULL;
  int rc = cg_cli_pick_merchant(c, &cfg, &mc);
  if (rc != 0)
    return rc;
  printf("checking %zu documents against %s (merchant %s)\n",
         cg_centra_document_count(), mc->centra_url, mc->id);
  rc = run_check(NULL, mc);
  cg_config_free(cfg);
  return rc;
}

int cg_cli_centra(const struct cg_cli *c)
{
  const char *verb = c->nargs > 0 ? c->args[0] : "";
  if (strcmp(verb, "documents") == 0)
    return cmd_documents();
  if (strcmp(verb, "check") == 0)
    return cmd_check(c);
  fprintf(stderr, "centra-gxo: centra documents | centra check -c CONFIG "
                  "[--merchant ID] | centra check --introspection FILE\n");
  return 2;
}
