# SPDX-License-Identifier: Apache-2.0
#
# Machine checks (MCE) and firmware-first hardware errors ("[Hardware
# Error]" lines from arch/x86/kernel/cpu/mce and drivers/acpi/apei/ghes.c).
# Corrected ones are evidence, uncorrected ones a reason to take the node
# out of service. Memory errors among them are also caught by memory.hcl.

# Corrected machine checks and corrected firmware-first errors: the
# hardware fixed them, but the kernel log around the first one is what a
# person investigating will want, and it rolls away quickly. One read-only
# snapshot, then at most one every 6 hours (CMCI storms log for hours).
#   mce: [Hardware Error]: Machine check events logged
#   mce: [Hardware Error]: CPU 2: Machine Check: 0 Bank 7: cc00008000010090
#   {1}[Hardware Error]: event severity: corrected
# Benign look-alikes ("mce: CPU0: Thermal monitoring enabled (TM1)", "mce:
# CMCI storm detected", "RAS: Correctable Errors collector initialized.")
# do not match.
rule "machine-check-logged" {
  description = "Corrected machine check or firmware-first hardware error"
  source      = "journal"
  match {
    message = "^(?:mce: )?\\[Hardware Error\\]: (?:Machine check events logged$|CPU (?<cpu>\\d+): Machine Check: )|^\\{\\d+\\}\\[Hardware Error\\]: event severity: corrected$"
  }
  cooldown = "6h"
  workflow = "collect-diagnostics"
  params = {
    reason = "corrected hardware error: {MESSAGE}"
  }
}

# Uncorrected ones: a machine check exception (MCIP set), a firmware-first
# record of severity recoverable or fatal, or an uncorrected memory error
# consumed in a user access. The node's hardware can no longer be trusted
# with work: drain it (drain-node limits how many nodes that may take).
#   mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 4: b200000000000402
#   {2}[Hardware Error]: event severity: fatal
#   mce: Uncorrected hardware memory error in user-access at 3b116c400
rule "machine-check-uncorrected" {
  description = "Uncorrected machine check or firmware-first hardware error"
  source      = "journal"
  match {
    message = "^(?:mce: )?\\[Hardware Error\\]: CPU (?<cpu>\\d+): Machine Check Exception: |^\\{\\d+\\}\\[Hardware Error\\]: event severity: (?<severity>recoverable|fatal)$|^(?:mce: )?Uncorrected hardware memory error in user-access at (?<address>[0-9a-f]+)"
  }
  cooldown = "1h"
  workflow = "drain-node"
  params = {
    reason = "uncorrected hardware error: {MESSAGE}"
  }
}

# The same through the mce:mce_record tracepoint, which sees every machine
# check, logged or not.
rule "mce-record-uncorrected" {
  description = "Uncorrected machine check (mce:mce_record)"
  source      = "bpf"
  match {
    kind = "mce_record"
    field "uncorrected" { equals = "true" }
  }
  cooldown = "1h"
  workflow = "drain-node"
  params = {
    reason = "uncorrected machine check on CPU {cpu} bank {bank}: status {status}"
  }
}
