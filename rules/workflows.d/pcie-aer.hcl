# SPDX-License-Identifier: Apache-2.0
#
# pcie-aer: PCIe Advanced Error Reporting (AER) errors from a device. The
# runbook records the error and, for fatal ones, drains the node.
workflow_type     = "RunRunbook"
task_queue_target = "node"
execution_timeout = "30m"
input_fields      = ["node", "node_type", "datacenter", "workflow", "rule", "idempotency_key", "params", "event", "observed_at"]
params = {
  runbook = "pcie-aer.sh"
}

# Corrected AER errors arrive in storms from one flaky link: one run per
# node per 15 minutes is enough to record the storm.
constraint {
  kind   = "concurrency"
  value  = 1
  period = "15m"
  scope  = "node"
}

constraint {
  kind   = "maxExecution"
  value  = 3
  period = "1h"
  scope  = "node"
}
