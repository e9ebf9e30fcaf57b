empty = []
empty_ml = [
]
simple = [1, 2, 3]
mixed = ["a", 1, true, null, 1.5]
trailing = [1, 2, 3,]
multiline = [
  "one",
  "two",
  "three",
]
odd_commas = [
  1
  , 2
  , 3
]
nested = [[1, 2], [3, [4, [5, []]]]]
with_objects = [{ a = 1 }, { b = [2] }, {}]
