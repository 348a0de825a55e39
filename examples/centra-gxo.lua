-- centra-gxo configuration: an example for one merchant.
-- Every key, its type and default: `centra-gxo config-help`.
-- Secrets are never written here: env "NAME" reads an environment
-- variable, file "PATH" the first line of a file (relative paths are
-- relative to this file).

admin = {
  listen = "127.0.0.1:8090",          -- keep the admin API on loopback
  token = env "CENTRA_GXO_ADMIN_TOKEN",
}
webhooks = { listen = "0.0.0.0:8091" } -- behind your TLS proxy
log_level = "info"

merchants = {
  {
    id = "acme",
    store = "/var/lib/centra-gxo/acme.db",
    rules = "/etc/centra-gxo/rules/acme",
    centra = {
      url = "https://acme.centra.com/graphql",
      token = env "ACME_CENTRA_TOKEN",
      warehouse = 3,                  -- the Centra warehouse that is GXO
      webhook_secret = file "/etc/centra-gxo/secrets/acme-centra-webhook",
    },
    gxo = {
      url = "https://wms.gxo.example/wms/v1",
      client_id = "acme-centra-gxo",
      client_secret = file "/etc/centra-gxo/secrets/acme-gxo-client",
      site = "SE-GOT-01",
      webhook_secret = file "/etc/centra-gxo/secrets/acme-gxo-webhook",
      webhook_url = "https://integrations.acme.example/webhooks/gxo/acme",
    },
    schedules = { poll_orders = 60, centra_events = 10, gxo_events = 10 },
  },
}
