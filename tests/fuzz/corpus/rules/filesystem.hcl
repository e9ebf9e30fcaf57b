# SPDX-License-Identifier: Apache-2.0
#
# File system corruption. Whether the disk, the memory or a kernel bug
# caused it, a person has to look (fsck, restore), so the action is a
# read-only diagnostics snapshot of the node and the device, taken while the
# kernel log still holds the context. Once per device every 6 hours: a
# corrupt file system keeps logging as long as it is used.

# fs/ext4/super.c: "EXT4-fs error (device %s): %s:%d: comm %s: ..." and
# "EXT4-fs error (device %s) in %s:%d: ...". The daily reminders of old
# errors ("EXT4-fs (sda1): error count since last fsck: 3", "initial error
# at time ...") and mount messages do not match.
rule "fs-corruption-ext4" {
  description = "ext4 file system error"
  source      = "journal"
  match {
    message = "^EXT4-fs error \\(device (?<device>[^)]+)\\)"
  }
  threshold { key = "{device}" }
  cooldown = "6h"
  workflow = "collect-diagnostics"
  params = {
    disk   = "{device}"
    reason = "{MESSAGE}"
  }
}

# fs/xfs: "XFS (sda1): Corruption detected. Unmount and run xfs_repair",
# "Metadata corruption detected at ...", "Metadata CRC error detected at
# ...", "Corruption of in-memory data (0x8) detected at ...", "Internal
# error XFS_WANT_CORRUPTED_GOTO ...". Mount and unmount messages do not match.
rule "fs-corruption-xfs" {
  description = "XFS corruption"
  source      = "journal"
  match {
    message = "^XFS \\((?<device>[^)]+)\\): (?:Metadata corruption detected|Corruption detected|Corruption of in-memory data|Metadata CRC error detected|Internal error XFS_WANT_CORRUPTED)"
  }
  threshold { key = "{device}" }
  cooldown = "6h"
  workflow = "collect-diagnostics"
  params = {
    disk   = "{device}"
    reason = "{MESSAGE}"
  }
}

# fs/btrfs: checksum failures, corrupt leaves and nodes, bad tree blocks,
# and the device error counters when a new corruption is counted
# ("BTRFS error (device sda1): bdev /dev/sda1 errs: wr 0, rd 0, flush 0,
# corrupt 1, gen 0"). The same counters printed at mount time ("BTRFS info
# ... errs: ... corrupt 3") are history and do not match; newer kernels add
# the file system state to the device ("(device sda1: state EA)").
rule "fs-corruption-btrfs" {
  description = "Btrfs corruption"
  source      = "journal"
  match {
    message = "^BTRFS (?:error|critical|warning) \\(device (?<device>[^):]+)(?:: state [A-Za-z]+)?\\): (?:.*\\b(?:csum failed|corrupt (?:leaf|node)|bad tree block|checksum verify failed)|bdev \\S+ errs: .*\\bcorrupt [1-9])"
  }
  threshold { key = "{device}" }
  cooldown = "6h"
  workflow = "collect-diagnostics"
  params = {
    disk   = "{device}"
    reason = "{MESSAGE}"
  }
}
