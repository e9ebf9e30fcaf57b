rule "a" {
  source = "bpf"
  match { kind = "mc_event" }
  threshold { count = 5  window = "500ms" }
  cooldown = "31d"
  workflow = "w"
}
