# agent.hcl
node { name = "node-17"  type = "storage"  datacenter = "ams01" }   # name defaults to the hostname
coordinator {
  url = "https://coordinator:7443"
  ca_file = "..."  cert_file = "..."  key_file = "..."               # mTLS
  signing_key_file = "..."  key_id = "node-17"                        # Ed25519, RFC 9421
}
rules_dir = "/etc/faultline/rules.d"
state_dir = "/var/lib/faultline"
sysfs_root = "/sys"
# journal_directory = "/var/log/collected"                          # optional
