# SPDX-License-Identifier: Apache-2.0
#
# collect-diagnostics: read-only snapshot of the node (kernel log excerpt,
# EDAC counters, the faulty disk's counters, thermal zones), kept in the
# workflow result for whoever looks at the fault next.
workflow_type     = "CollectDiagnostics"
task_queue_target = "node"
execution_timeout = "10m"
input_fields      = ["node", "node_type", "datacenter", "workflow", "rule", "idempotency_key", "params", "event", "observed_at"]

# Read-only, but journalctl on a big journal is not free: one at a time per
# node, and at most one every 5 minutes on average.
constraint {
  kind   = "concurrency"
  value  = 1
  period = "5m"
  scope  = "node"
}

constraint {
  kind   = "maxExecution"
  value  = 12
  period = "1h"
  scope  = "node"
}
