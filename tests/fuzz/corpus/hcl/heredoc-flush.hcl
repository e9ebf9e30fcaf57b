a = <<-EOT
	  x
  　y

   
  EOT
b = <<EOT
$${a}%%{b}${c}
EOT