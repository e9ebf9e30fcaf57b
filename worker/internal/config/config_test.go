// SPDX-License-Identifier: Apache-2.0

package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "worker.hcl")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.hcl")
	cfg, err := Load(missing, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("missing default file: %+v, want defaults", cfg)
	}
	if _, err := Load(missing, true); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing --config file: %v", err)
	}
}

func TestLoadFull(t *testing.T) {
	p := write(t, `
node {
  name       = "node-17"
  type       = "storage"
  datacenter = "ams01"
}
temporal {
  address      = "temporal:7233"
  namespace    = "prod"
  api_key_file = "/etc/faultline/key"
  tls {
    ca_file   = "ca.pem"
    cert_file = "c.pem"
    key_file  = "k.pem"
  }
}
runbooks_dir              = "/srv/runbooks"
runbook_timeout           = "90s"
sysfs_root                = "/fake/sys"
dry_run                   = true
kernel_log_command        = ["dmesg"]
max_concurrent_activities = 2
log_level                 = "debug"
`)
	cfg, err := Load(p, true)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Node: Node{Name: "node-17", Type: "storage", Datacenter: "ams01"},
		Temporal: Temporal{Address: "temporal:7233", Namespace: "prod", APIKeyFile: "/etc/faultline/key",
			TLS: &TLS{CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem"}},
		RunbooksDir: "/srv/runbooks", RunbookTimeout: 90 * time.Second, SysfsRoot: "/fake/sys", DryRun: true,
		KernelLogCommand: []string{"dmesg"}, MaxActivities: 2, LogLevel: "debug",
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
	wantQ := []string{"node/node-17", "type/ams01/storage", "general/ams01"}
	if !reflect.DeepEqual(cfg.Queues(), wantQ) {
		t.Errorf("queues %v, want %v", cfg.Queues(), wantQ)
	}
}

// The packaged default must load and be valid as shipped.
func TestLoadPackagedDefault(t *testing.T) {
	root := os.Getenv("FL_SOURCE_DIR")
	if root == "" {
		root = "../../.."
	}
	cfg, err := Load(filepath.Join(root, "rules/worker.hcl"), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.RunbooksDir != DefaultRunbooksDir || cfg.Temporal.Address != DefaultTemporalAddress ||
		cfg.RunbookTimeout != DefaultRunbookTimeout || !reflect.DeepEqual(cfg.KernelLogCommand, DefaultKernelLogCommand) {
		t.Errorf("packaged default drifted from the built-in defaults: %+v", cfg)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"syntax", "node {\n", "worker.hcl:1:6: Unclosed configuration block"},
		{"unknown key", "bogus = 1\n", `worker.hcl:1:1: Unsupported argument: An argument named "bogus" is not expected here.`},
		{"bad duration", `runbook_timeout = "10x"`, `worker.hcl:1:19: runbook_timeout: not a duration (e.g. "10m"): "10x"`},
		{"duration too long", `runbook_timeout = "2h"`, `worker.hcl:1:19: runbook_timeout: must be within (0, 1h0m0s]`},
		{"activities", `max_concurrent_activities = 0`, `worker.hcl:1:29: max_concurrent_activities: must be within [1, 64]`},
		{"log level", `log_level = "loud"`, `worker.hcl:1:13: log_level: unknown log level "loud" (debug, info, warn, error)`},
		{"wrong type", `dry_run = "maybe"`, `worker.hcl:1:12: Unsuitable value type: Unsuitable value: a bool is required`},
		{"all problems at once", "runbook_timeout = \"x\"\nlog_level = \"loud\"\n",
			"worker.hcl:1:19: runbook_timeout: not a duration (e.g. \"10m\"): \"x\"\n" +
				"worker.hcl:2:13: log_level: unknown log level \"loud\" (debug, info, warn, error)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(t, c.src)
			_, err := Load(p, true)
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.ReplaceAll(err.Error(), filepath.Dir(p)+"/", "")
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("error\n%s\nwant prefix\n%s", got, c.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	good := func() Config {
		c := Default()
		c.Node = Node{Name: "node-a", Type: "storage", Datacenter: "dc1"}
		return c
	}
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"valid", func(*Config) {}, ""},
		{"no type", func(c *Config) { c.Node.Type = "" }, "node.type is required (it names a task queue)"},
		{"no datacenter", func(c *Config) { c.Node.Datacenter = "" }, "node.datacenter is required (it names a task queue)"},
		{"slash in name", func(c *Config) { c.Node.Name = "a/b" }, `node.name "a/b" must not contain '/' or spaces`},
		{"no address", func(c *Config) { c.Temporal.Address = "" }, "temporal.address is empty"},
		{"both keys", func(c *Config) { c.Temporal.APIKey, c.Temporal.APIKeyFile = "k", "f" }, "set api_key or api_key_file, not both"},
		{"cert without key", func(c *Config) { c.Temporal.TLS = &TLS{CertFile: "c"} }, "cert_file and key_file go together"},
		{"timeout", func(c *Config) { c.RunbookTimeout = 0 }, "runbook_timeout 0s: must be within (0, 1h0m0s]"},
		{"no kernel log command", func(c *Config) { c.KernelLogCommand = nil }, "kernel_log_command is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := good()
			c.mod(&cfg)
			err := cfg.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
