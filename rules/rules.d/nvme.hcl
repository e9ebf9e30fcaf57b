# SPDX-License-Identifier: Apache-2.0
#
# NVMe timeouts and controller resets (drivers/nvme/host/pci.c, core.c).
# The driver recovers from a stuck command by aborting it and, if that does
# not help, by resetting the controller: single events are usually survived,
# repeated ones are a drive (or slot) on its way out. Benign lines of the
# same driver ("nvme nvme0: 8/0/0 default/read/poll queues", "nvme nvme0:
# pci function 0000:01:00.0", "nvme nvme0: Shutdown timeout set to 8
# seconds") do not match.

# A command timed out and the driver aborts it:
#   nvme nvme0: I/O 123 QID 4 timeout, aborting                       (< 6.4)
#   nvme nvme0: I/O tag 123 (007b) opcode 0x2 (Read) QID 4 timeout, aborting req_op:READ(0) size:4096
# Three within ten minutes on one controller, as for other disk errors.
rule "nvme-io-timeout" {
  description = "NVMe command timeouts"
  source      = "journal"
  match {
    message = "^nvme (?<ctrl>nvme\\d+): I/O (?:tag )?(?<tag>\\d+) (?:\\([0-9a-f]+\\) )?(?:opcode \\S+ \\([^)]*\\) )?QID (?<qid>\\d+) timeout, aborting"
  }
  threshold { count = 3  window = "10m"  key = "{ctrl}" }
  cooldown = "1h"
  workflow = "disk-io-error"
  params = {
    disk   = "{ctrl}"
    reason = "{count} NVMe command timeouts on {ctrl} within 10m"
  }
}

# The controller is reset: the abort did not help, the controller reports
# a fatal status, or an operator asked for it.
#   nvme nvme0: I/O 17 QID 0 timeout, reset controller
#   nvme nvme0: controller is down; will reset: CSTS=0x3, PCI_STATUS=0x10
#   nvme nvme0: resetting controller
# One reset is a hiccup the driver handles; a second within the hour means
# the recovery does not hold.
rule "nvme-controller-reset" {
  description = "NVMe controller resets"
  source      = "journal"
  match {
    message = "^nvme (?<ctrl>nvme\\d+): (?:I/O (?:tag )?\\d+ (?:\\([0-9a-f]+\\) )?(?:opcode \\S+ \\([^)]*\\) )?QID \\d+ timeout, (?:reset|disable) controller|controller is down; will reset|resetting controller)"
  }
  threshold { count = 2  window = "1h"  key = "{ctrl}" }
  cooldown = "1h"
  workflow = "disk-io-error"
  params = {
    disk   = "{ctrl}"
    reason = "{count} NVMe controller resets on {ctrl} within 1h"
  }
}

# The reset failed and the driver gave the controller up: the disk is gone.
#   nvme nvme0: Disabling device after reset failure: -19
#   nvme nvme0: Removing after probe failure status: -19
#   nvme nvme0: Device not ready; aborting reset, CSTS=0x1
rule "nvme-controller-failed" {
  description = "NVMe controller given up after a failed reset"
  source      = "journal"
  match {
    message = "^nvme (?<ctrl>nvme\\d+): (?:Disabling device after reset failure|Removing after probe failure|Device not ready; aborting reset)"
  }
  threshold { key = "{ctrl}" }
  cooldown = "1h"
  workflow = "disk-io-error"
  params = {
    disk   = "{ctrl}"
    reason = "NVMe controller {ctrl} failed: {MESSAGE}"
  }
}
