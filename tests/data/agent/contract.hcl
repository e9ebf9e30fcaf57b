# agent.hcl: the example of /work/shared/CONTRACT.md with one attribute per
# line inside the coordinator block (HCL allows several attributes on one line
# only in a one-line block; contract-literal.hcl is the text exactly as the
# contract prints it, and the test expects those two diagnostics).
node { name = "node-17"  type = "storage"  datacenter = "ams01" }   # name defaults to the hostname
coordinator {
  url = "https://coordinator:7443"
  ca_file = "..."
  cert_file = "..."
  key_file = "..."
  signing_key_file = "..."
  key_id = "node-17"
}
rules_dir = "/etc/faultline/rules.d"
state_dir = "/var/lib/faultline"
sysfs_root = "/sys"
# journal_directory = "/var/log/collected"                          # optional
