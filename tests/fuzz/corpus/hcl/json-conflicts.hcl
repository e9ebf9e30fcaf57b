a {}
a "x" {}
b = 1
b {}
c "x" "y" {}
c "x" {}
