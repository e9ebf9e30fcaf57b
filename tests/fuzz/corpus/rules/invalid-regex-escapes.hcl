rule "a" {
  source = "journal"
  match { message = "\\d+ \"q\" \u00e9 (?<x>\\w+) [z" }
  workflow = "w"
}
