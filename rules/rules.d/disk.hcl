# SPDX-License-Identifier: Apache-2.0
#
# Disk I/O errors, from the block layer tracepoint and from the kernel log
# of the block, SCSI and ATA layers. Each layer reports the same failing
# request in its own words; the rules keyed by disk share one cooldown group,
# so one bad disk asks for one remediation, whichever layer saw it first.
#
# Why 3 within 10 minutes, per disk: each of these is an I/O the driver
# already retried and gave up on, so it is never noise, but one lone error
# can be a transient path problem (a cable, a controller reset) that heals.
# Three in ten minutes on the same disk is a disk that keeps failing, and
# evicting it from the storage layer then beats letting it slow or corrupt
# the work on it. The hourly cooldown leaves the runbook time to act.

# Statuses that mean the device failed the I/O. Left out: NOTSUPP (discard
# on a device without it), NOSPC (thin provisioning), RESOURCE, AGAIN and
# DEV_RESOURCE (transient), RESV_CONFLICT (cluster reservations), INVAL (a
# malformed request, not the disk's fault), zone and duration-limit ones.
rule "disk-io-error" {
  description = "Failed block I/O (block:block_rq_error)"
  source      = "bpf"
  match {
    kind = "block_rq_error"
    field "error_name" {
      in = ["BLK_STS_IOERR", "BLK_STS_MEDIUM", "BLK_STS_TIMEOUT", "BLK_STS_TARGET",
            "BLK_STS_TRANSPORT", "BLK_STS_PROTECTION"]
    }
  }
  threshold { count = 3  window = "10m"  key = "{disk}" }
  cooldown = "1h"
  cooldown_group = "disk-io-error"
  workflow = "disk-io-error"
  params = {
    disk   = "{disk}"
    dev    = "{dev}"
    sector = "{sector}"
    reason = "{count} failed I/Os on {disk} within 10m, last {error_name} at sector {sector}"
  }
}

# block/blk-core.c (blk_print_req_error): "%s error, dev %s, sector %llu op
# 0x%x:(%s) flags 0x%x phys_seg %u prio class %u", older kernels with a
# "blk_update_request: " or "end_request: " prefix. The same statuses as
# above by their log names; "operation not supported error" (discard),
# "critical space allocation error" and "Buffer I/O error on dev sda1"
# (a consequence logged by the page cache) do not match.
rule "disk-io-error-kernel-log" {
  description = "Failed block I/O (block layer kernel log line)"
  source      = "journal"
  match {
    message = "^(?:(?:blk_update_request|end_request|print_req_error): )?(?<error>I/O|critical medium|critical target|critical nexus|timeout|recoverable transport|protection) error, dev (?<disk>[^,\\s]+), sector (?<sector>\\d+)"
  }
  threshold { count = 3  window = "10m"  key = "{disk}" }
  cooldown = "1h"
  cooldown_group = "disk-io-error"
  workflow = "disk-io-error"
  params = {
    disk   = "{disk}"
    sector = "{sector}"
    reason = "{count} {error} errors on {disk} within 10m, last at sector {sector}"
  }
}

# drivers/scsi/scsi_logging.c: "sd 0:0:0:0: [sda] tag#0 FAILED Result:
# hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=0s", once per command the
# SCSI layer gives up on. Capacity, cache and attach messages of the same
# disk do not match.
rule "scsi-command-failed" {
  description = "Failed SCSI disk command (kernel log line)"
  source      = "journal"
  match {
    message = "^sd (?<hctl>\\d+:\\d+:\\d+:\\d+): \\[(?<disk>[^\\]]+)\\] (?:tag#\\d+ )?FAILED Result: hostbyte=(?<hostbyte>\\w+) driverbyte=(?<driverbyte>\\w+)"
  }
  threshold { count = 3  window = "10m"  key = "{disk}" }
  cooldown = "1h"
  cooldown_group = "disk-io-error"
  workflow = "disk-io-error"
  params = {
    disk   = "{disk}"
    reason = "{count} failed SCSI commands on {disk} ({hctl}) within 10m: {hostbyte} {driverbyte}"
  }
}

# drivers/ata/libata-eh.c: one "ata1.00: exception Emask ..." line per
# error-handling round of a device, then one "ata1.00: failed command: ..."
# per command that failed in it, and libata retries a command up to three
# times before it fails the I/O. Ten lines are therefore about two failed
# I/Os, the same bar as above. Only device lines (ataN.MM) count: link
# messages ("ata1: SATA link up 6.0 Gbps", "ata1: hard resetting link",
# hotplug exceptions on "ata1:") do not.
rule "ata-device-error" {
  description = "ATA device error handling (kernel log lines)"
  source      = "journal"
  match {
    message = "^ata(?<port>\\d+)\\.(?<devno>\\d+): (?:exception Emask (?<emask>0x[0-9a-f]+)|failed command: (?<command>.+))"
  }
  threshold { count = 10  window = "10m"  key = "ata{port}.{devno}" }
  cooldown = "1h"
  workflow = "disk-io-error"
  params = {
    device = "ata{port}.{devno}"
    reason = "{count} ATA error lines for ata{port}.{devno} within 10m"
  }
}
