a = 1 b = 2
c = foo
d = "${x}"
e = [1 2]
f = {a b}
g = "\q"
h = "unterminated
x {
