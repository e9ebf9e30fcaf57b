rules_dir = "/x"
rules "a" {
}
rule {
  source = "bpf"
}
