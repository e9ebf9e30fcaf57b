a = <<EOT
x
    EOT
b = <<-EOT
		x
	  y
  EOT
