text = <<EOT
no newline after the marker
EOT