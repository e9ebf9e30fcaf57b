a = <<EOT
windows
line endings
EOT
b = 1
