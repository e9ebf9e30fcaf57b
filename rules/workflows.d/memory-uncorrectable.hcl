# SPDX-License-Identifier: Apache-2.0
#
# memory-uncorrectable: an uncorrectable memory error. The data in that
# memory is gone and more errors tend to follow, so the node is drained
# (drain-node hook) before it corrupts or crashes the work it runs.
workflow_type     = "DrainNode"
task_queue_target = "node"
execution_timeout = "30m"
input_fields      = ["node", "node_type", "datacenter", "workflow", "rule", "idempotency_key", "params", "event", "observed_at"]
params = {
  runbook = "drain-node"
}

# One drain per node: later errors on a draining node change nothing.
constraint {
  kind   = "concurrency"
  value  = 1
  period = "1h"
  scope  = "node"
}

constraint {
  kind   = "maxExecution"
  value  = 1
  period = "24h"
  scope  = "node"
}

# Uncorrectable errors on many nodes at once point at a common cause (a bad
# BIOS/microcode rollout, a reporting bug): cap the capacity lost to it.
constraint {
  kind   = "maxExecution"
  value  = 3
  period = "24h"
  scope  = "datacenter"
}
