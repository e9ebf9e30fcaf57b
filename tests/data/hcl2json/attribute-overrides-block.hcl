thing {
  from_block = true
}
thing = "attribute wins"
other "x" {
  y = 1
}
other = [1, 2]
