plain {
  a = 1
}
plain {
  a = 2
}
labelled "one" {
  x = true
}
labelled "two" {
  x = false
}
labelled "one" {
  x = null
}
two_labels "a" "b" {
  v = 1
}
two_labels "a" "c" {
  v = 2
}
two_labels "b" "b" {
  v = 3
}
bare label_one "label two" {
  w = 1
}
empty {}
empty_ml {
}
