/*
 * centra-gxo-sim: one process serving the simulated Centra Integration API
 * and the simulated GXO warehouse (warehouse-api-v1.md) on two loopback
 * ports, with the /_sim/... control API on each (docs/simulator.md).
 *
 *   main -> options (table below) -> sim_ctx_init -> ports + partners
 *        -> scenario file -> listen -> uv_run
 *   SIGINT/SIGTERM -> close ports -> destroy partners -> sim_ctx_fini
 *        -> drain the loop -> exit 0
 */
#include "sim_ctx.h"
#include "sim_faults.h"
#include "sim_port.h"
#include "sim_wms.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"

#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO_MAX_BYTES (64 * 1024 * 1024)

enum opt_type { OPT_STR, OPT_U64, OPT_INT, OPT_BOOL };

struct opt_def {
  const char *name;
  enum opt_type type;
  size_t offset; /* into struct sim_opts */
  const char *help;
};

#define OPT(n, t, f, h)                                                        \
  {                                                                            \
    n, t, offsetof(struct sim_opts, f), h                                      \
  }
static const struct opt_def opt_defs[] = {
    OPT("centra-listen", OPT_STR, centra_listen, "Centra side host:port"),
    OPT("gxo-listen", OPT_STR, gxo_listen, "warehouse side host:port"),
    OPT("seed", OPT_U64, seed, "PRNG seed (0 = random)"),
    OPT("scenario", OPT_STR, scenario, "JSON scenario file"),
    OPT("centra-token", OPT_STR, centra_token, "Centra bearer token"),
    OPT("gxo-client-id", OPT_STR, gxo_client_id, "warehouse OAuth client"),
    OPT("gxo-client-secret", OPT_STR, gxo_client_secret,
        "warehouse OAuth secret"),
    OPT("gxo-webhook-secret", OPT_STR, gxo_webhook_secret,
        "X-Wms-Signature secret when a subscription gives none"),
    OPT("centra-webhook-secret", OPT_STR, centra_webhook_secret,
        "X-Centra-Signature secret"),
    OPT("centra-webhook-url", OPT_STR, centra_webhook_url,
        "Centra webhook-plugin callback URL"),
    OPT("centra-mutation-budget", OPT_INT, centra_mutation_budget,
        "Centra mutations per 10 s"),
    OPT("centra-request-budget", OPT_INT, centra_request_budget,
        "Centra requests per 10 s (every query and mutation)"),
    OPT("centra-complexity-budget", OPT_INT, centra_complexity_budget,
        "Centra query complexity per 10 s (x 400/3 per hour)"),
    OPT("centra-node", OPT_STR, centra_node,
        "node binary for the Centra GraphQL layer (default: node on PATH)"),
    OPT("centra-gql-script", OPT_STR, centra_gql_script,
        "centra_gql.js (default: under the source tree)"),
    OPT("centra-schema", OPT_STR, centra_schema,
        "Centra SDL (default: core/centra/centra-integration.graphql)"),
    OPT("gxo-token-ttl", OPT_INT, gxo_token_ttl_s,
        "warehouse token lifetime, seconds"),
    OPT("centra-autoconfirm", OPT_BOOL, centra_autoconfirm,
        "store setting Autoconfirm orders: on = new orders CONFIRMED, "
        "off = PENDING until confirmed"),
    OPT("centra-direct-to-shipment", OPT_BOOL, centra_direct_to_shipment,
        "store setting Direct to Shipment: new orders PROCESSING with a "
        "good-to-go shipment"),
};
#undef OPT

struct sim_proc {
  uv_loop_t loop;
  struct sim_ctx ctx;
  struct sim_port *ports[2];
  uv_signal_t sigint, sigterm;
  int open_ports;
  bool stopping;
};

static void usage(FILE *out)
{
  struct sim_opts d;
  sim_opts_defaults(&d);
  fprintf(out, "usage: centra-gxo-sim [options]\n");
  for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++) {
    const struct opt_def *o = &opt_defs[i];
    const char *base = (const char *)&d + o->offset;
    char def[64] = "";
    if (o->type == OPT_STR && *(const char *const *)base)
      snprintf(def, sizeof(def), " (default %s)", *(const char *const *)base);
    else if (o->type == OPT_INT)
      snprintf(def, sizeof(def), " (default %d)", *(const int *)base);
    else if (o->type == OPT_BOOL)
      snprintf(def, sizeof(def), " on|off (default %s)",
               *(const bool *)base ? "on" : "off");
    fprintf(out, "  --%-24s %s%s\n", o->name, o->help, def);
  }
  fprintf(out, "  --%-24s %s\n", "log-level L", "error|warn|info|debug");
}

static int set_opt(struct sim_opts *opts, const struct opt_def *o,
                   const char *v)
{
  char *base = (char *)opts + o->offset, *end;
  if (o->type == OPT_STR) {
    *(const char **)base = v;
    return 0;
  }
  if (o->type == OPT_BOOL) {
    bool on = strcmp(v, "on") == 0 || strcmp(v, "true") == 0;
    if (!on && strcmp(v, "off") != 0 && strcmp(v, "false") != 0)
      return CG_EINVAL;
    *(bool *)base = on;
    return 0;
  }
  long long n = strtoll(v, &end, 10);
  if (*v == '\0' || *end != '\0' || n < 0)
    return CG_EINVAL;
  if (o->type == OPT_U64)
    *(uint64_t *)base = (uint64_t)n;
  else
    *(int *)base = (int)n;
  return 0;
}

static int parse_args(int argc, char **argv, struct sim_opts *opts)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    }
    if (i + 1 >= argc || strncmp(a, "--", 2) != 0)
      goto bad;
    const char *v = argv[++i];
    if (strcmp(a, "--log-level") == 0) {
      enum cg_log_level lv;
      if (cg_log_parse_level(v, &lv) != 0)
        goto bad;
      cg_log_set_level(lv);
      continue;
    }
    size_t k = 0, n = sizeof(opt_defs) / sizeof(opt_defs[0]);
    while (k < n && strcmp(opt_defs[k].name, a + 2) != 0)
      k++;
    if (k == n || set_opt(opts, &opt_defs[k], v) != 0)
      goto bad;
  }
  return 0;
bad:
  usage(stderr);
  return CG_EINVAL;
}

/* --- scenario --------------------------------------------------------------
 */

static char *read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *data = NULL;
  long size;
  if (f == NULL)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
      size <= SCENARIO_MAX_BYTES && fseek(f, 0, SEEK_SET) == 0 &&
      (data = cg_malloc((size_t)size + 1)) != NULL) {
    *len = fread(data, 1, (size_t)size, f);
    data[*len] = '\0';
  }
  fclose(f);
  return data;
}

static int apply_scenario_faults(struct sim_ctx *ctx, const cJSON *doc)
{
  static const char *const names[2] = {"centra", "gxo"};
  char msg[256];
  for (int s = 0; s < 2; s++) {
    const cJSON *f = cg_json_get(doc, names[s]);
    if (f != NULL && sim_faults_apply(ctx->faults, (enum sim_side)s, f, msg,
                                      sizeof(msg)) != 0) {
      fprintf(stderr, "centra-gxo-sim: scenario faults.%s: %s\n", names[s],
              msg);
      return CG_EINVAL;
    }
  }
  return 0;
}

static int load_scenario(struct sim_ctx *ctx, const char *path)
{
  struct cg_err err = {0};
  size_t len = 0;
  char *text = read_file(path, &len);
  if (text == NULL) {
    fprintf(stderr, "centra-gxo-sim: cannot read scenario %s\n", path);
    return CG_EIO;
  }
  cJSON *doc = cg_json_parse(text, len, &err);
  cg_free(text);
  if (!cJSON_IsObject(doc)) {
    fprintf(stderr, "centra-gxo-sim: scenario %s: %s\n", path,
            doc ? "not a JSON object" : err.msg);
    cJSON_Delete(doc);
    return CG_EINVAL;
  }
  int rc = sim_wms_load_scenario(ctx->wms, doc);
  if (rc == 0)
    rc = sim_centra_load_scenario(ctx->centra, doc);
  if (rc == 0)
    rc = apply_scenario_faults(ctx, cg_json_get(doc, "faults"));
  cJSON_Delete(doc);
  return rc;
}

/* --- start and stop ------------------------------------------------------- */

static void on_port_closed(void *arg)
{
  struct sim_proc *sp = arg;
  if (--sp->open_ports > 0)
    return;
  sim_centra_destroy(sp->ctx.centra);
  sp->ctx.centra = NULL;
  sim_wms_destroy(sp->ctx.wms);
  sp->ctx.wms = NULL;
  sim_ctx_fini(&sp->ctx);
}

static void stop(struct sim_proc *sp)
{
  if (sp->stopping)
    return;
  sp->stopping = true;
  uv_close((uv_handle_t *)&sp->sigint, NULL);
  uv_close((uv_handle_t *)&sp->sigterm, NULL);
  sp->open_ports = 0;
  for (int s = 0; s < 2; s++)
    if (sp->ports[s] != NULL)
      sp->open_ports++;
  if (sp->open_ports == 0) {
    sp->open_ports = 1;
    on_port_closed(sp);
    return;
  }
  for (int s = 0; s < 2; s++)
    if (sp->ports[s] != NULL)
      sim_port_close(sp->ports[s], on_port_closed, sp);
}

static void on_signal(uv_signal_t *h, int signum)
{
  struct sim_proc *sp = h->data;
  cg_log_info("sim", "signal %d: closing ports, then exiting", signum);
  stop(sp);
}

static int make_ports(struct sim_proc *sp)
{
  struct sim_ctx *ctx = &sp->ctx;
  for (int s = 0; s < 2; s++) {
    sp->ports[s] = sim_port_create(ctx, (enum sim_side)s);
    if (sp->ports[s] == NULL || sim_port_common_routes(sp->ports[s]) != 0)
      return CG_ENOMEM;
  }
  ctx->centra = sim_centra_create(ctx);
  ctx->wms = sim_wms_create(ctx);
  if (ctx->centra == NULL || ctx->wms == NULL)
    return CG_ENOMEM;
  if (sim_centra_routes(ctx->centra, sim_port_router(sp->ports[0])) != 0 ||
      sim_wms_routes(ctx->wms, sim_port_router(sp->ports[1])) != 0)
    return CG_ENOMEM;
  sim_wms_port_hooks(ctx->wms, sp->ports[1]);
  return 0;
}

static void host_of(const char *addr, char *out, size_t size)
{
  const char *colon = strrchr(addr, ':');
  size_t n = colon ? (size_t)(colon - addr) : strlen(addr);
  snprintf(out, size, "%.*s", (int)n, addr);
}

static int listen_ports(struct sim_proc *sp)
{
  const char *addrs[2] = {sp->ctx.opts.centra_listen, sp->ctx.opts.gxo_listen};
  char hosts[2][128];
  for (int s = 0; s < 2; s++) {
    struct cg_err err = {0};
    if (sim_port_listen(sp->ports[s], addrs[s], &err) != 0) {
      fprintf(stderr, "centra-gxo-sim: cannot listen on %s: %s\n", addrs[s],
              err.msg);
      return CG_EIO;
    }
    host_of(addrs[s], hosts[s], sizeof(hosts[s]));
  }
  printf("centra-gxo-sim: centra on http://%s:%d, gxo on http://%s:%d\n",
         hosts[0], sim_port_number(sp->ports[0]), hosts[1],
         sim_port_number(sp->ports[1]));
  fflush(stdout);
  return 0;
}

static int start(struct sim_proc *sp, const struct sim_opts *opts)
{
  int rc = sim_ctx_init(&sp->ctx, &sp->loop, opts);
  if (rc == 0)
    rc = make_ports(sp);
  if (rc == 0 && opts->scenario != NULL)
    rc = load_scenario(&sp->ctx, opts->scenario);
  if (rc == 0)
    rc = listen_ports(sp);
  uv_signal_init(&sp->loop, &sp->sigint);
  uv_signal_init(&sp->loop, &sp->sigterm);
  sp->sigint.data = sp->sigterm.data = sp;
  if (rc == 0) {
    uv_signal_start(&sp->sigint, on_signal, SIGINT);
    uv_signal_start(&sp->sigterm, on_signal, SIGTERM);
  }
  return rc;
}

static void drain(uv_loop_t *loop)
{
  uv_run(loop, UV_RUN_DEFAULT);
  for (int i = 0; i < 100 && uv_loop_close(loop) == UV_EBUSY; i++)
    uv_run(loop, UV_RUN_NOWAIT);
}

/* A page of orders is printed into buffers of hundreds of KiB several
 * times per request: glibc would map each from the kernel and unmap it
 * again (page faults every time); these stay in the heap instead. No
 * fastbins: each large buffer would otherwise consolidate the thousands
 * of small cJSON nodes just freed (a quarter of a products page's CPU in
 * a profile of the stock reconcile bench); tcache still serves them. */
static void keep_heap(void)
{
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MXFAST, 0);
}

int main(int argc, char **argv)
{
  static struct sim_proc sp;
  struct sim_opts opts;
  cg_mem_init();
  keep_heap();
  signal(SIGPIPE, SIG_IGN);
  sim_opts_defaults(&opts);
  if (parse_args(argc, argv, &opts) != 0)
    return 2;
  uv_loop_init(&sp.loop);
  int rc = start(&sp, &opts);
  if (rc != 0)
    stop(&sp);
  drain(&sp.loop);
  return rc == 0 ? 0 : 1;
}
