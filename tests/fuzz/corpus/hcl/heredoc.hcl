a = <<EOT
  keep
    indent
EOT
b = <<-EOF
    strip
      this $${x}

    EOF
c = [<<X
x
X
, 1]
