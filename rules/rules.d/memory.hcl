# SPDX-License-Identifier: Apache-2.0
#
# Memory: correctable-error storms on one DIMM, uncorrectable errors, and
# pages the kernel poisoned (memory failure). The same error is often seen by
# several sources at once (the ras:mc_event tracepoint, the EDAC counters in
# sysfs, the kernel log): each rule counts its own source, and the workflow
# configs' node-scoped concurrency limits turn the overlap into one action.
# The language is described in docs/rules.md.

# A healthy DIMM logs a handful of correctable errors a year. Ten within a
# day on one DIMM is a storm: the module is degrading, and a correctable
# error pattern is the best predictor of an uncorrectable one. The page hit
# last is the likeliest hot spot, so it is soft-offlined (no process is
# killed); a storm that goes on retires another page at most every 6 hours,
# and offline-memory-page's own limit (16 a day per node) hands a DIMM that
# keeps failing to a person. Only events that carry an address count: the
# ring-buffer reconciliation events of an extreme storm have none, and the
# remediation needs one.
rule "dimm-ce-storm" {
  description = "Correctable memory error storm on one DIMM (ras:mc_event)"
  source      = "bpf"
  match {
    kind = "mc_event"
    field "error_type" { equals = "Corrected" }
    field "address"    { present = true }
  }
  threshold { count = 10  window = "24h"  key = "{label}" }
  cooldown = "6h"
  workflow = "offline-memory-page"
  params = {
    address = "{address}"
    label   = "{label}"
    reason  = "{count} correctable memory errors on {label} within 24h"
  }
}

# The same storm seen through the EDAC counters (kernels or platforms where
# the tracepoint is not available). One error is counted by the controller,
# csrow, channel and DIMM counters alike: only the per-DIMM ones count here.
# sysfs events carry the counter's increase, so a poll that finds ten new
# errors fires at once. No address is known, so the action is a diagnostics
# snapshot for the replacement ticket.
rule "dimm-ce-storm-edac" {
  description = "Correctable memory error storm on one DIMM (EDAC counters)"
  source      = "sysfs"
  match {
    kind = "edac_ce"
    field "scope" { in = ["dimm", "rank"] }
  }
  threshold { count = 10  window = "24h"  key = "{label}" }
  cooldown = "24h"
  workflow = "collect-diagnostics"
  params = {
    label  = "{label}"
    reason = "{count} correctable memory errors on {label} within 24h"
  }
}

# Any uncorrectable memory error: the data in that memory is lost and more
# errors tend to follow. One is enough; the drain is limited to one per node
# a day by memory-uncorrectable.hcl, and the cooldown keeps one burst to one
# request. AMD reports uncorrectable errors it deferred (poisoned data not
# yet consumed) as "Deferred": the memory is just as bad.
rule "memory-ue" {
  description = "Uncorrectable memory error (ras:mc_event)"
  source      = "bpf"
  match {
    kind = "mc_event"
    field "error_type" { in = ["Uncorrected", "Fatal", "Deferred"] }
  }
  threshold { key = "mc{mc_index}" }
  cooldown = "1h"
  cooldown_group = "memory-ue"
  workflow = "memory-uncorrectable"
  params = {
    label   = "{label}"
    address = "{address}"
    reason  = "{error_type} memory error on {label}"
  }
}

rule "memory-ue-edac" {
  description = "Uncorrectable memory error (EDAC controller counter)"
  source      = "sysfs"
  match {
    kind = "edac_ue"
    field "scope" { equals = "mc" }
  }
  threshold { key = "mc{mc}" }
  cooldown = "1h"
  cooldown_group = "memory-ue"
  workflow = "memory-uncorrectable"
  params = {
    reason = "{delta} new uncorrectable memory error(s) on memory controller {mc}"
  }
}

# drivers/edac/edac_mc.c: "EDAC MC%d: %d UE %s%son %s (%s page:0x%lx ...)",
# e.g. "EDAC MC0: 1 UE memory read error on CPU_SrcID#0_MC#0_Chan#1_DIMM#0
# (channel:1 slot:0 page:0x4b2d3c offset:0x0 grain:32 ...)". The location
# part is optional in the pattern: some drivers log less. Correctable ("CE")
# lines and the driver's banners ("EDAC MC: Ver: 3.0.0", "EDAC MC0: Giving
# out device to module ...") do not match.
rule "memory-ue-kernel-log" {
  description = "Uncorrectable memory error (EDAC kernel log line)"
  source      = "journal"
  match {
    message = "^EDAC MC(?<mc>\\d+): (?<errors>\\d+) UE\\b(?:.*? on (?<label>.+?) \\(.*?\\bpage:(?<page>0x[0-9a-f]+))?"
  }
  threshold { key = "mc{mc}" }
  cooldown = "1h"
  cooldown_group = "memory-ue"
  workflow = "memory-uncorrectable"
  params = {
    label  = "{label}"
    reason = "{errors} uncorrectable memory error(s) on memory controller {mc} {label}"
  }
}

# Firmware-first platforms report memory errors through the extended error
# log (ras:extlog_mem_event) rather than EDAC.
rule "memory-ue-extlog" {
  description = "Uncorrectable memory error (ras:extlog_mem_event)"
  source      = "bpf"
  match {
    kind = "extlog_mem_event"
    field "sev" { in = ["recoverable", "fatal"] }
  }
  cooldown = "1h"
  workflow = "memory-uncorrectable"
  params = {
    address = "{pa}"
    reason  = "{sev} {etype} memory error on {fru_text}"
  }
}

# The kernel poisoned a page after an uncorrectable error was consumed or
# found by the patrol scrubber. Whatever the recovery result, the DIMM
# produced an uncorrectable error: same case as above. Soft offlining (what
# offline-memory-page does) never reports here.
rule "memory-failure" {
  description = "Page poisoned by the kernel (ras:memory_failure_event)"
  source      = "bpf"
  match {
    kind = "memory_failure_event"
  }
  cooldown = "1h"
  cooldown_group = "memory-failure"
  workflow = "memory-uncorrectable"
  params = {
    pfn    = "{pfn}"
    reason = "memory failure at pfn {pfn} ({type}): {result}"
  }
}

# mm/memory-failure.c: "Memory failure: %#lx: recovery action for %s: %s".
rule "memory-failure-kernel-log" {
  description = "Page poisoned by the kernel (kernel log line)"
  source      = "journal"
  match {
    message = "^Memory failure: (?<pfn>0x[0-9a-f]+): recovery action for (?<page_type>.+): (?<result>Ignored|Failed|Delayed|Recovered)$"
  }
  cooldown = "1h"
  cooldown_group = "memory-failure"
  workflow = "memory-uncorrectable"
  params = {
    pfn    = "{pfn}"
    reason = "memory failure at pfn {pfn} ({page_type}): {result}"
  }
}
