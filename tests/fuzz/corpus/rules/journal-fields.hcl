rule "a" {
  source = "journal"
  match {
    kind = "journal"
    field "PRIORITY" { lte = 3 }
    field "SYSLOG_IDENTIFIER" { equals = "kernel" }
  }
  workflow = "w"
}
