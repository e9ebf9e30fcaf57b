zebra = 1
Zebra = 2
apple = 3
Apple = 4
_under = 5
a-dash = 6
a_under = 7
a0 = 8
b {
  z = 1
  a = 2
}
A {
  m = 1
}
