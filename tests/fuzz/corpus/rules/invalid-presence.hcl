rule "a" {
  source = "bpf"
  match {
    kind = "mc_event"
    field "label" {
      present = true
      absent = true
    }
    field "msg" {}
    field "address" {
      present = "yes"
      inner { x = 1 }
    }
  }
  workflow = "w"
}
