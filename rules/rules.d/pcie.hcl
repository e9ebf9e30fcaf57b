# SPDX-License-Identifier: Apache-2.0
#
# PCIe Advanced Error Reporting: uncorrected errors (non-fatal or fatal).
# Corrected ones are link noise the hardware handled and are left alone.
# An uncorrected error lost a transaction or needs the link recovered, and
# the driver of the device sees it: one is enough for the runbook to record
# it (and drain the node for a fatal one). pcie-aer.hcl allows 3 runs an
# hour per node; the cooldown keeps a burst from one device to one request.

rule "pcie-aer-uncorrected" {
  description = "PCIe AER uncorrected error (ras:aer_event)"
  source      = "bpf"
  match {
    kind = "aer_event"
    field "severity" { in = ["Uncorrected", "Fatal"] }
  }
  threshold { key = "{dev_name}" }
  cooldown = "1h"
  workflow = "pcie-aer"
  params = {
    device = "{dev_name}"
    reason = "PCIe AER {severity} error on {dev_name}: {errors}"
  }
}

# drivers/pci/pcie/aer.c, per kernel version:
#   pcieport 0000:00:1c.5: AER: Uncorrected (Non-Fatal) error received: 0000:03:00.0
#   pcieport 0000:00:1c.0: AER: Multiple Uncorrectable (Fatal) error message received from 0000:73:00.1
# "AER: Corrected error received", "AER: enabled with IRQ 122" and the
# detail lines of the same error ("PCIe Bus Error: severity=...") do not
# match, so one error is counted once.
rule "pcie-aer-uncorrected-kernel-log" {
  description = "PCIe AER uncorrected error (kernel log line)"
  source      = "journal"
  match {
    message = "^(?<driver>\\S+) (?<port>[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]): AER: (?:Multiple )?(?<severity>Uncorrect(?:ed|able) \\((?:Non-Fatal|Fatal)\\)) error (?:received: |message received from )(?<device>[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7])"
  }
  threshold { key = "{device}" }
  cooldown = "1h"
  workflow = "pcie-aer"
  params = {
    device = "{device}"
    reason = "PCIe AER {severity} error on {device} (reported by {port})"
  }
}
