rule "a b" {
  source = "bpf"
  match { kind = "mc_event" }
  workflow = "../w"
  params = { "a b" = "x", ok = 3, list = ["x"] }
}
