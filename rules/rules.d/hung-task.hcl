# SPDX-License-Identifier: Apache-2.0
#
# kernel/hung_task.c: "INFO: task %s:%d blocked for more than %ld seconds."
# A task stuck in uninterruptible sleep for two minutes is most often
# waiting for storage that stopped answering. The kernel reports at most 10
# of these per boot (hung_task_warnings), so each one counts: take a
# diagnostics snapshot (stacks and the kernel log around it), then at most
# one every 6 hours. The hint that follows ('"echo 0 >
# /proc/sys/kernel/hung_task_timeout_secs" disables this message.') and the
# task dump lines ("task:kworker/u16:2 state:D ...") do not match.
rule "hung-task" {
  description = "Task blocked for more than the hung task timeout"
  source      = "journal"
  match {
    message = "^INFO: task (?<comm>.+):(?<pid>\\d+) blocked for more than (?<seconds>\\d+) seconds\\."
  }
  cooldown = "6h"
  workflow = "collect-diagnostics"
  params = {
    reason = "task {comm} ({pid}) blocked for more than {seconds} s"
  }
}
