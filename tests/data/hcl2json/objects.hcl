empty = {}
equals = { a = 1, b = 2 }
colons = { a: 1, b: 2 }
mixed_sep = {
  a = 1,
  b: 2
  c = 3,
}
quoted = { "with space" = 1, "dotted.key" = 2, "slash/key" = 3 }
nested = { a = { b = { c = { d = "deep" } } } }
values = { s = "x", n = -1.5e2, t = true, f = false, z = null, l = [1] }
template_keys = { "$${x}" = 1, "%%{y}" = 2, "plain" = 3 }
keyword_keys = { true = 1, false = 2, null = 3, if = 4 }
dash_keys = { a-b = 1, a_b = 2, A = 3, a = 4, B = 5 }
