listen = "127.0.0.1:7443"
tls {
  ca_file = "/etc/faultline/tls/ca.pem"
  cert_file = "/etc/faultline/tls/coordinator.pem"
  key_file = "/etc/faultline/tls/coordinator.key"
}
temporal {
  url = "http://127.0.0.1:7243"
  namespace = "default"
}
workflows_dir = "/etc/faultline/workflows.d"
agent_key "node-17" {
  public_key_file = "/etc/faultline/keys/node-17.pub"
  nodes = ["node-17"]
  node_type = "storage"
  datacenter = "ams01"
}
agent_key "node-18" {
  public_key_file = "/etc/faultline/keys/node-18.pub"
  nodes = ["node-18", "node-19"]
  node_type = "compute"
  datacenter = "ams01"
}
server_config {
  enable_tls = true
  route_rule {
    name = "triggers"
    method = "POST"
    route_patterns = ["/v1/triggers"]
    uris = ["spiffe://example.com/agent"]
  }
}
