rule "memory-disk-0" {
  description = "Detect repeated psu errors on \"memory-disk-0\""
  enabled     = true
  severity    = 5
  threshold   = 433
  ratio       = 0.0318
  period      = "15m"
  devices     = ["sdi", "sdh", "sdh", "sde", "sdx", "sdd"]
  workflow    = "replace-disk"
  // where the event comes from
  source "edac_ce" {
    tracepoint = "ras/thermal_trip"
    min_count  = 39
    match {
      field = "severity"
      op    = "ge"
      value = 8
    }
  }
  params = {
    queue   = "type/ams04/storage"
    retries = 5
    "labels" = { team: "storage", oncall: "psu-oncall" }
    limits  = [7, 38, 559.5, -1e3]
  }
  /* nested limits */
  limits { max = 1 }
}

rule "cpu-link-1" {
  description = "Detect repeated pcie errors on \"cpu-link-1\""
  enabled     = true
  severity    = 1
  threshold   = 390
  ratio       = 0.0967
  period      = "24h"
  devices     = ["sdi", "sde", "sdg"]
  workflow    = "open-ticket"
  // where the event comes from
  source "edac_ue" {
    tracepoint = "ras/pcie_aer"
    min_count  = 3
    match {
      field = "severity"
      op    = "lt"
      value = 7
    }
  }
  params = {
    queue   = "type/ams09/storage"
    retries = 0
    "labels" = { team: "storage", oncall: "link-oncall" }
    limits  = [2, 80, 400.5, -1e3]
  }
  /* nested limits */
  limits { max = 10 }
}

# pcie-raid-2: fires when the thermal reports errors
rule "pcie-raid-2" {
  description = "Detect repeated nvme errors on \"pcie-raid-2\""
  enabled     = true
  severity    = 2
  threshold   = 888
  ratio       = 0.1010
  period      = "24h"
  devices     = ["sdw", "sdc"]
  workflow    = "reboot-node"
  // where the event comes from
  source "nvme_smart" {
    tracepoint = "ras/pcie_aer"
    min_count  = 24
    match {
      field = "severity"
      op    = "ge"
      value = 5
    }
  }
  params = {
    queue   = "type/ams06/storage"
    retries = 1
    "labels" = { team: "storage", oncall: "nvme-oncall" }
    limits  = [2, 87, 750.5, -1e3]
  }
  runbook = <<-EOT
    Step: check the cpu of node $${node} and drain it.
    Step: check the fan of node $${node} and drain it.
    Step: check the link of node $${node} and drain it.
    EOT
  /* nested limits */
  limits { max = 5 }
}

rule "psu-thermal-3" {
  description = "Detect repeated link errors on \"psu-thermal-3\""
  enabled     = false
  severity    = 1
  threshold   = 217
  ratio       = 0.9131
  period      = "500ms"
  devices     = ["sdk", "sdy", "sdy", "sdb", "sdh", "sdb"]
  workflow    = "reseat-dimm"
  // where the event comes from
  source "edac_ce" {
    tracepoint = "ras/nvme_smart"
    min_count  = 32
    match {
      field = "severity"
      op    = "eq"
      value = 7
    }
  }
  params = {
    queue   = "type/ams03/storage"
    retries = 2
    "labels" = { team: "storage", oncall: "cpu-oncall" }
    limits  = [4, 81, 651.5, -1e3]
  }
  runbook = <<-EOT
    Step: check the link of node $${node} and drain it.
    Step: check the raid of node $${node} and drain it.
    Step: check the link of node $${node} and drain it.
    Step: check the pcie of node $${node} and drain it.
    Step: check the thermal of node $${node} and drain it.
    Step: check the cpu of node $${node} and drain it.
    EOT
  /* nested limits */
  limits { max = 9 }
}

