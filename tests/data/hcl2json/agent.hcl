# faultline agent configuration
node {
  name = "node-17"
  type = "storage"
  datacenter = "ams01"
}
coordinator {
  url = "https://coordinator:7443"
  ca_file = "/etc/faultline/tls/ca.pem"
  cert_file = "/etc/faultline/tls/agent.pem"
  key_file = "/etc/faultline/tls/agent.key"
  signing_key_file = "/etc/faultline/keys/node-17.key"
  key_id = "node-17"
}
rules_dir = "/etc/faultline/rules.d"
state_dir = "/var/lib/faultline"
sysfs_root = "/sys"
