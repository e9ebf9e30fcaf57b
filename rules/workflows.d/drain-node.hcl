# SPDX-License-Identifier: Apache-2.0
#
# drain-node: take a node out of service through the drain-node runbook hook.
# Draining costs capacity, so it is the most tightly limited workflow.
workflow_type     = "DrainNode"
task_queue_target = "node"
execution_timeout = "30m"
input_fields      = ["node", "node_type", "datacenter", "workflow", "rule", "idempotency_key", "params", "event", "observed_at"]
params = {
  runbook = "drain-node"
}

# A node is drained once; repeated triggers while it drains are noise.
constraint {
  kind   = "concurrency"
  value  = 1
  period = "1h"
  scope  = "node"
}

# Never drain more than 2 nodes of one type per hour: the rest of the pool
# must be able to absorb the work.
constraint {
  kind   = "maxExecution"
  value  = 2
  period = "1h"
  scope  = "node_type"
}

# Five drains a day across the fleet is already an incident; beyond that a
# bug (in a rule, the agent or the kernel) is likelier than five bad nodes.
constraint {
  kind   = "maxExecution"
  value  = 5
  period = "24h"
  scope  = "global"
}
