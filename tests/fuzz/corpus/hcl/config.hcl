rules_dir = "/etc/faultline/rules.d"
rule "disk" {
  description = "disk errors"
  enabled = false
  threshold = 3
  ratio = 0.5
  period = "1h30m"
  devices = ["sda", "sdb"]
  value = 3
  kind = "tow"
  raw = { a = [1, 2] }
  params = { queue: "general", n = 1.5e3, list = [true, null] }
  even = 4
  limits { max = 3 }
  source "mce" { tracepoint = "ras/mce" }
  source "edac" {
    tracepoint = "ras/mc_event"
    weight = -0.25
  }
}
rule "disk" { threshold = 60 }
other "a" "b" { max = 1000 }
