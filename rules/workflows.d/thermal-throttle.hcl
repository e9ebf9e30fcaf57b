# SPDX-License-Identifier: Apache-2.0
#
# thermal-throttle: a thermal zone tripped or the CPU throttles. The runbook
# lowers the node's power cap and moves batch work away.
workflow_type     = "RunRunbook"
task_queue_target = "node"
execution_timeout = "15m"
input_fields      = ["node", "node_type", "datacenter", "workflow", "rule", "idempotency_key", "params", "event", "observed_at"]
params = {
  runbook = "thermal.sh"
}

# Thermal events come in bursts as a zone oscillates around its trip point:
# one run per node covers the burst.
constraint {
  kind   = "concurrency"
  value  = 1
  period = "15m"
  scope  = "node"
}

constraint {
  kind   = "maxExecution"
  value  = 4
  period = "1h"
  scope  = "node"
}

# A whole datacenter running hot is a cooling failure: capping every node's
# power would hide it and cost the whole room its capacity. Stop at 20.
constraint {
  kind   = "maxExecution"
  value  = 20
  period = "1h"
  scope  = "datacenter"
}
