plain = <<EOT
first line
  indented line
	and a tab
EOT
flush = <<-EOT
    four spaces
      six spaces
    back to four
    EOT
empty = <<EOT
EOT
blank_lines = <<-EOT
    a

      b
   
    c
    EOT
markers = <<END_OF_TEXT
EOT is not the marker here
  END_OF_TEXT_NOT
END_OF_TEXT
escapes = <<EOT
no \n escapes in heredocs, but $${this} and %%{that} are literal
EOT
