# SPDX-License-Identifier: Apache-2.0
#
# faultline-agent configuration: /etc/faultline/agent.hcl.
# docs/agent.md describes every key; `faultline-agent --check` validates this
# file and every rule file and prints each problem as FILE:LINE:COL: message.

# Who this node is. The name goes into every trigger and every journal entry;
# it must match the coordinator's agent_key binding and the worker's node.
node {
  # name     = "node-17"        # default: the hostname
  type       = "generic"
  datacenter = "dc1"
}

# Where triggers go (signed POST /v1/triggers over mutual TLS). Relative file
# names are relative to this file's directory.
coordinator {
  url              = "https://127.0.0.1:7443"
  ca_file          = "tls/ca.pem"
  cert_file        = "tls/agent.pem"
  key_file         = "tls/agent.key"
  signing_key_file = "keys/agent.ed25519"
  # key_id         = "node-17"  # default: the node's name
  timeout          = "10s"
  max_in_flight    = 8          # requests at once (kept-alive connections)
  idle_release     = "5m"       # nothing to send for this long: stop the sender process
  retry {
    initial  = "1s"             # first retry after a failed delivery
    max      = "5m"             # doubling up to this
    operator = "5m"             # answers an operator must fix (401, 403, 404...)
  }
  # Triggers waiting in state_dir/outbox.log (docs/delivery.md).
  outbox {
    soft_limit = 16777216       # bytes; above: firings of a pending rule+key are folded
    hard_limit = 67108864       # bytes; above: other firings are refused (and logged)
  }
}

rules_dir  = "/etc/faultline/rules.d"
state_dir  = "/var/lib/faultline"     # journal cursor, sysfs baselines, outbox
sysfs_root = "/sys"
# journal_directory = "/var/log/collected"   # follow these journal files instead of the system journal

# Which sources run; one that cannot start (no BPF, no journal) is reported
# and the others run, unless required = true.
sources {
  bpf      = true
  sysfs    = true
  journal  = true
  required = false
}

sysfs_interval        = "10s"   # EDAC counters, thermal zones, hwmon sensors
sysfs_rescan_interval = "60s"   # new, vanished and degraded sensors
bpf_ringbuf_size      = 65536   # bytes, a power of two; a storm past it is counted, not lost
reload_delay          = "200ms" # rules.d changes settle this long before a reload

# node_exporter's textfile collector (--collector.textfile.directory).
metrics_file     = "/var/lib/prometheus/node-exporter/faultline-agent.prom"
metrics_interval = "15s"

log_level = "info"
