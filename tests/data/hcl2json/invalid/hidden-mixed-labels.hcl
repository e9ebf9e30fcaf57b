x {
  a {}
  a b {}
}
x = 1
