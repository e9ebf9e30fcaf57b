# SPDX-License-Identifier: Apache-2.0
#
# offline-memory-page: a correctable memory error keeps hitting one page.
# Soft-offlining migrates the page's contents and retires it: no process is
# killed, so this is the safest remediation there is and it may run often.
# The address comes from the trigger (params.address or event.address);
# params.dry_run = "true" in a trigger only reports what would be written.
workflow_type     = "OfflineMemoryPage"
task_queue_target = "node"
execution_timeout = "10m"
input_fields      = ["node", "node_type", "datacenter", "workflow", "rule", "idempotency_key", "params", "event", "observed_at"]

# Offlining pages one at a time keeps the kernel's page migration from
# competing with itself.
constraint {
  kind   = "concurrency"
  value  = 1
  period = "15m"
  scope  = "node"
}

# More than 16 retired pages a day means the DIMM is failing: replace it
# instead of eating memory page by page.
constraint {
  kind   = "maxExecution"
  value  = 16
  period = "24h"
  scope  = "node"
}
