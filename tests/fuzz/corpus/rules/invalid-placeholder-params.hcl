rule "a" {
  source = "journal"
  match { message = "dev (?<disk>\\w+)" }
  workflow = "w"
  params = { d = "/dev/{disk}", e = "{\"}{nothing_like_it}" }
}
