limits { max = 3 }
tls { ca_file = "/etc/faultline/ca.pem" }
labelled "x" { enabled = true }
obj { value = { a = 1, b = [1, 2] } }
empty {}
