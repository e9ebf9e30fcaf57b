# SPDX-License-Identifier: Apache-2.0
#
# /etc/faultline/coordinator.hcl: faultline-coordinator's configuration.
# Every key is described in docs/coordinator.md; `faultline-coordinator
# --check` validates this file, the files it names and every workflow config.

# Where the HTTPS API listens (numeric addresses; a list for several).
listen = "127.0.0.1:7443"

# The server's certificate and key, and the CA that signs client
# certificates (agents, operators, Alertmanager). Relative paths are
# relative to this file's directory.
tls {
  ca_file   = "/etc/faultline/tls/ca.pem"
  cert_file = "/etc/faultline/tls/coordinator.pem"
  key_file  = "/etc/faultline/tls/coordinator.key"
}

# Temporal's HTTP API (the frontend's --http-port / rpc.httpPort). For a
# real cluster add ca_file, cert_file + key_file (mTLS) or api_key_file.
temporal {
  url       = "http://127.0.0.1:7243"
  namespace = "default"
}

workflows_dir = "/etc/faultline/workflows.d"
state_dir     = "/var/lib/faultline/coordinator"   # pause state

# Signatures: how far `created` may be from this clock, and how many
# (keyid, nonce) pairs the replay cache holds (entries leave once their
# `created` is out of the window).
clock_skew       = "5m"
nonce_cache_size = 1000000

# Bad or slow clients.
body_limit      = 65536   # bytes; larger bodies get 413
header_timeout  = "10s"   # a request must arrive whole within this once started
idle_timeout    = "60s"   # keep-alive connections idle longer are closed
max_connections = 1024    # beyond this, new connections wait in the listen backlog

# One agent_key block per trusted signing key: the keyid the agent signs
# with (agent.hcl coordinator.key_id), its Ed25519 public key, and the node(s)
# it may ask remediation for. Node type and datacenter come from here, never
# from the trigger.
#
# agent_key "node-17" {
#   public_key_file = "/etc/faultline/keys/node-17.pub"
#   nodes           = ["node-17"]
#   node_type       = "storage"
#   datacenter      = "ams01"
# }

# Who may call what, by SPIFFE ID (the URI SAN of the client certificate).
# A request is allowed when ANY rule matching its method and path allows
# the caller; no matching rule means 403. Triggers are additionally signed
# (RFC 9421) even where a rule makes the route public.
server_config {
  enable_tls = true

  route_rule {
    name           = "agents"
    method         = "POST"
    route_patterns = ["/v1/triggers"]
    uris           = []
    allow_public   = true        # the signature is the agent's credential
  }

  route_rule {
    name           = "operators"
    method         = "*"
    route_patterns = ["/*"]
    uris           = ["spiffe://faultline.example/operator"]
  }

  route_rule {
    name           = "monitoring"
    method         = "GET"
    route_patterns = ["/metrics", "/healthz"]
    allow_public   = true
    skip_log_match = true
  }
}

# Alerts from Prometheus Alertmanager (webhook v4) as triggers: see
# docs/coordinator.md, "POST /v1/alertmanager". Give the route an ACL rule
# for Alertmanager's identity too.
#
# alertmanager {
#   callers    = ["spiffe://faultline.example/alertmanager"]
#   node_label = "instance"
#   route "NodeDiskErrors" {
#     workflow = "disk-io-error"
#     params   = ["device"]
#   }
# }
