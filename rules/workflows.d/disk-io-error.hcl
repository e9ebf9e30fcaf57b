# SPDX-License-Identifier: Apache-2.0
#
# disk-io-error: a block device returned I/O errors. The runbook takes the
# disk out of the storage layer on the failing node itself.
workflow_type     = "RunRunbook"
task_queue_target = "node"
execution_timeout = "30m"
input_fields      = ["node", "node_type", "datacenter", "workflow", "rule", "idempotency_key", "params", "event", "observed_at"]
params = {
  runbook = "disk-io-error.sh"
}

# One disk action per node at a time: two runs would fight over the same
# disk, and the first one usually fixes what the second was triggered by.
constraint {
  kind   = "concurrency"
  value  = 1
  period = "15m"
  scope  = "node"
}

# A node whose disks fail more than 4 times a day needs a person (backplane,
# HBA, cabling), not a fifth automatic disk eviction.
constraint {
  kind   = "maxExecution"
  value  = 4
  period = "24h"
  scope  = "node"
}

# Many nodes failing disks in one datacenter within the hour is a correlated
# cause (firmware rollout, SAN or power event): stop and let humans look
# before the storage layer loses too many replicas at once.
constraint {
  kind   = "maxExecution"
  value  = 10
  period = "1h"
  scope  = "datacenter"
}
