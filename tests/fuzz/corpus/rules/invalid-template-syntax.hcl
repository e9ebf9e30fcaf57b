rule "a" {
  source = "bpf"
  match { kind = "block_rq_error" }
  workflow = "w"
  params = { d = "/dev/{disk" , e = "x}" }
}
