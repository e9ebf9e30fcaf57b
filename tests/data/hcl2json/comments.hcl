# leading comment
// another
/* block */ a = 1 # trailing
b = [ # inside tuple
  1, // item
  /* before */ 2,
]
c = { // inside object
  d = 1 # after
}
/*
multi
line
*/
blk { # after brace
  e = 1 // in block
}
f = "/* not a comment */"
