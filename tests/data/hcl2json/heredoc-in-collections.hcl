list = [<<EOT
one
EOT
, <<-EOT
    two
    EOT
]
obj = {
  k = <<EOT
three
EOT
}
