x {
  a {}
  a b {}
}
