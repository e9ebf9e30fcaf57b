greeting = "héllo wörld ✓ 漢字 😀"
obj = { "ключ" = "значение", "😀" = 1, "é" = 2, e = 3 }
labelled "ünïcode" "label" {
  x = "ÿ"
}
