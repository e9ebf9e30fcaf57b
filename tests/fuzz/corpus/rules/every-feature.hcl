rule "disk-io" {
  description = "Disk errors"
  source   = "bpf"
  match {
    kind = "block_rq_error"
    field "error_name" { in = ["BLK_STS_IOERR", "BLK_STS_MEDIUM"] }
    field "sector"     {
      gte = 8
      lt  = 1e6
    }
    field "disk"       { not_regex = "^loop" }
    field "rwbs"       { present = false }
    field "reconciled" { not_equals = true }
  }
  threshold { count = 3  window = "10m"  key = "{disk}" }
  cooldown = "1h"
  workflow = "disk-io-error"
  params   = { device = "/dev/{disk}", sector = "{sector}", who = "{node}/{rule}/{count}/{key}" }
}
rule "smartd" {
  source = "journal"
  match {
    message = "Device: /dev/(?<disk>\\w+) \\[SAT\\], (?<n>\\d+) Currently unreadable"
    exclude = "ignored"
    journal_match = ["SYSLOG_IDENTIFIER=smartd", "_TRANSPORT=kernel"]
    field "n" { gte = 1 }
  }
  workflow = "disk-io-error"
  params = { disk = "{disk}", literal = "{{not a placeholder}}" }
}
rule "temp" {
  source = "bpf"
  match {
    kind = "thermal_temperature"
    field "temp" { gt = 90000 }
  }
  workflow = "thermal-throttle"
}
