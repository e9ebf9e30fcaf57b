node { name = "n"  type = "storage"  datacenter = "ams01" }
tls { ca_file = "a" }
# c
// c
/* c
 */
