rule "disk-io-errors" {
  description = "Repeated I/O errors on one block device"
  source "block_rq_error" {
    min_errors = 3
  }
  threshold = 3
  period = "15m"
  workflow = "replace-disk"
  params = {
    queue = "general"
    retries = 2
    labels = { team = "storage" }
  }
  runbook = <<-EOT
    1. Drain the node.
    2. Replace the disk $${device}.
    EOT
}
rule "memory-ce-storm" {
  description = "Corrected memory errors above the storm threshold"
  source "edac" {
    kind = "ce"
  }
  threshold = 100
  period = "1h"
  workflow = "reseat-dimm"
  enabled = false
}
