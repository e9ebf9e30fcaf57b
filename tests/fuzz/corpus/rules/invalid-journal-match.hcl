rule "a" {
  source = "journal"
  match {
    journal_match = ["SYSLOG_IDENTIFIER=smartd", "syslog_identifier=x", "=x", "1A=b", "_EXE=/usr/sbin/smartd"]
  }
  workflow = "w"
}
