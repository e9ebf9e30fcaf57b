rule "a" {
  source = "bpf"
  match {
    kind = "mc_event"
    field "error_type" { in = ["Corrected", "fatal", "Bogus"] }
    field "label" { gte = 3 }
    field "mc_index" { lt = "3" }
    field "msg" { in = [] }
    field "syndrome" { equals = ["x"] }
  }
  workflow = "w"
}
