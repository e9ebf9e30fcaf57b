# SPDX-License-Identifier: Apache-2.0
#
# faultline-worker configuration: /etc/faultline/worker.hcl.
# docs/workflows.md describes every key; flags (--node, --node-type,
# --datacenter, --temporal-address, --namespace, --runbooks-dir, ...) override
# the values here.

# The node's identity names the task queues the worker polls:
#   node/<name>, type/<datacenter>/<type>, general/<datacenter>.
# It must match the agent's node block and the coordinator's agent_key binding.
node {
  # name     = "node-17"        # default: the hostname
  type       = "generic"
  datacenter = "dc1"
}

temporal {
  address   = "127.0.0.1:7233"
  namespace = "default"
  # api_key_file = "/etc/faultline/temporal-api-key"
  # tls {
  #   ca_file   = "/etc/faultline/pki/temporal-ca.pem"
  #   cert_file = "/etc/faultline/pki/worker.pem"
  #   key_file  = "/etc/faultline/pki/worker.key"
  # }
}

# Executables RunRunbook, DrainNode and UndrainNode may run (plain file names).
runbooks_dir    = "/etc/faultline/runbooks"
# A runbook still running after this is killed (its process group, SIGTERM
# then SIGKILL 5s later) and its activity fails without retry.
runbook_timeout = "10m"

sysfs_root = "/sys"
# true: every action only reports what it would do (runbooks see
# FAULTLINE_DRY_RUN=true, pages are not offlined).
dry_run    = false

kernel_log_command        = ["journalctl", "-k", "-n", "200", "--no-pager", "-o", "short-iso"]
max_concurrent_activities = 4
log_level                 = "info"
