// SPDX-License-Identifier: Apache-2.0

// Package config reads the worker's HCL configuration, /etc/faultline/worker.hcl.
//
// Every key is optional except what the task queue names need (node type and
// datacenter, from the file or from flags). Example, with the defaults spelled out:
//
//	node {
//	  name       = "node-17"        # default: the hostname
//	  type       = "storage"
//	  datacenter = "ams01"
//	}
//	temporal {
//	  address   = "127.0.0.1:7233"
//	  namespace = "default"
//	  # api_key_file = "/etc/faultline/temporal-api-key"
//	  # tls {
//	  #   ca_file = "..."  cert_file = "..."  key_file = "..."  server_name = "..."
//	  # }
//	}
//	runbooks_dir       = "/etc/faultline/runbooks"
//	runbook_timeout    = "10m"
//	sysfs_root         = "/sys"
//	dry_run            = false
//	kernel_log_command = ["journalctl", "-k", "-n", "200", "--no-pager", "-o", "short-iso"]
//	max_concurrent_activities = 4
//	log_level          = "info"
package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// DefaultPath is read when no --config is given; a missing file there is not
// an error (flags alone can configure a worker), a missing --config file is.
const DefaultPath = "/etc/faultline/worker.hcl"

// Defaults for keys the file leaves out.
const (
	DefaultTemporalAddress = "127.0.0.1:7233"
	DefaultNamespace       = "default"
	DefaultRunbooksDir     = "/etc/faultline/runbooks"
	DefaultRunbookTimeout  = 10 * time.Minute
	DefaultSysfsRoot       = "/sys"
	DefaultMaxActivities   = 4
	DefaultLogLevel        = "info"

	// MaxRunbookTimeout caps runbook_timeout: a remediation that needs more
	// than an hour is a change, not a runbook, and a stuck one must not hold
	// an activity slot for days.
	MaxRunbookTimeout = time.Hour
	// maxConfigBytes caps the file: it is a handful of keys.
	maxConfigBytes = 1 << 20
)

// DefaultKernelLogCommand prints a bounded kernel log excerpt without
// reading /dev/kmsg (which would consume records other readers expect).
var DefaultKernelLogCommand = []string{"journalctl", "-k", "-n", "200", "--no-pager", "-o", "short-iso"}

// TLS holds the client certificate files for a Temporal frontend with TLS.
type TLS struct {
	CAFile     string `hcl:"ca_file,optional"`
	CertFile   string `hcl:"cert_file,optional"`
	KeyFile    string `hcl:"key_file,optional"`
	ServerName string `hcl:"server_name,optional"`
}

// Temporal is where and as whom the worker connects.
type Temporal struct {
	Address    string `hcl:"address,optional"`
	Namespace  string `hcl:"namespace,optional"`
	APIKey     string `hcl:"api_key,optional"`
	APIKeyFile string `hcl:"api_key_file,optional"`
	TLS        *TLS   `hcl:"tls,block"`
}

// Node is the identity that names the task queues.
type Node struct {
	Name       string `hcl:"name,optional"`
	Type       string `hcl:"type,optional"`
	Datacenter string `hcl:"datacenter,optional"`
}

// Config is the worker configuration after defaults and overrides.
type Config struct {
	Node             Node
	Temporal         Temporal
	RunbooksDir      string
	RunbookTimeout   time.Duration
	SysfsRoot        string
	DryRun           bool
	KernelLogCommand []string
	MaxActivities    int
	LogLevel         string
}

// file mirrors the HCL layout; pointers tell "absent" from "zero".
type file struct {
	Node                *Node     `hcl:"node,block"`
	Temporal            *Temporal `hcl:"temporal,block"`
	RunbooksDir         *string   `hcl:"runbooks_dir,optional"`
	RunbookTimeout      *string   `hcl:"runbook_timeout,optional"`
	RunbookTimeoutRange hcl.Range `hcl:"runbook_timeout,attr_value_range"`
	SysfsRoot           *string   `hcl:"sysfs_root,optional"`
	DryRun              *bool     `hcl:"dry_run,optional"`
	KernelLogCommand    []string  `hcl:"kernel_log_command,optional"`
	MaxActivities       *int      `hcl:"max_concurrent_activities,optional"`
	MaxActivitiesRange  hcl.Range `hcl:"max_concurrent_activities,attr_value_range"`
	LogLevel            *string   `hcl:"log_level,optional"`
	LogLevelRange       hcl.Range `hcl:"log_level,attr_value_range"`
}

// Default returns the configuration used when no file is given.
func Default() Config {
	host, _ := os.Hostname()
	return Config{
		Node:             Node{Name: host},
		Temporal:         Temporal{Address: DefaultTemporalAddress, Namespace: DefaultNamespace},
		RunbooksDir:      DefaultRunbooksDir,
		RunbookTimeout:   DefaultRunbookTimeout,
		SysfsRoot:        DefaultSysfsRoot,
		KernelLogCommand: append([]string(nil), DefaultKernelLogCommand...),
		MaxActivities:    DefaultMaxActivities,
		LogLevel:         DefaultLogLevel,
	}
}

// Load reads path over the defaults. With mustExist false a missing file
// yields the defaults. Problems come back as one error listing every one as
// "FILE:LINE:COL: message".
func Load(path string, mustExist bool) (Config, error) {
	cfg := Default()
	src, err := readCapped(path)
	if errors.Is(err, os.ErrNotExist) && !mustExist {
		return cfg, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("reading config: %w", err)
	}
	f, diags := hclparse.NewParser().ParseHCL(src, path)
	if diags.HasErrors() {
		return Config{}, diagError(diags)
	}
	var raw file
	diags = gohcl.DecodeBody(f.Body, nil, &raw)
	diags = append(diags, raw.apply(&cfg)...)
	if diags.HasErrors() {
		return Config{}, diagError(diags)
	}
	return cfg, nil
}

func readCapped(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	src, err := io.ReadAll(io.LimitReader(fh, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(src) > maxConfigBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxConfigBytes)
	}
	return src, nil
}

// ParseLogLevel maps "debug", "info", "warn" or "error" to a slog level.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("unknown log level %q (debug, info, warn, error)", s)
	}
	return l, nil
}

func (raw *file) apply(cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if n := raw.Node; n != nil {
		setIf(&cfg.Node.Name, n.Name)
		setIf(&cfg.Node.Type, n.Type)
		setIf(&cfg.Node.Datacenter, n.Datacenter)
	}
	if t := raw.Temporal; t != nil {
		setIf(&cfg.Temporal.Address, t.Address)
		setIf(&cfg.Temporal.Namespace, t.Namespace)
		cfg.Temporal.APIKey = t.APIKey
		cfg.Temporal.APIKeyFile = t.APIKeyFile
		cfg.Temporal.TLS = t.TLS
	}
	if raw.RunbooksDir != nil {
		cfg.RunbooksDir = *raw.RunbooksDir
	}
	if raw.RunbookTimeout != nil {
		d, err := time.ParseDuration(*raw.RunbookTimeout)
		switch {
		case err != nil:
			diags = append(diags, errAt(raw.RunbookTimeoutRange, "runbook_timeout: not a duration (e.g. \"10m\"): %q", *raw.RunbookTimeout))
		case !validRunbookTimeout(d):
			diags = append(diags, errAt(raw.RunbookTimeoutRange, "runbook_timeout: must be within (0, %s]", MaxRunbookTimeout))
		default:
			cfg.RunbookTimeout = d
		}
	}
	if raw.SysfsRoot != nil {
		cfg.SysfsRoot = *raw.SysfsRoot
	}
	if raw.DryRun != nil {
		cfg.DryRun = *raw.DryRun
	}
	if raw.KernelLogCommand != nil {
		cfg.KernelLogCommand = raw.KernelLogCommand
	}
	if raw.MaxActivities != nil {
		if *raw.MaxActivities < 1 || *raw.MaxActivities > 64 {
			diags = append(diags, errAt(raw.MaxActivitiesRange, "max_concurrent_activities: must be within [1, 64]"))
		} else {
			cfg.MaxActivities = *raw.MaxActivities
		}
	}
	if raw.LogLevel != nil {
		if _, err := ParseLogLevel(*raw.LogLevel); err != nil {
			diags = append(diags, errAt(raw.LogLevelRange, "log_level: %v", err))
		} else {
			cfg.LogLevel = *raw.LogLevel
		}
	}
	return diags
}

func validRunbookTimeout(d time.Duration) bool { return d > 0 && d <= MaxRunbookTimeout }

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func errAt(r hcl.Range, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf(format, args...), Subject: r.Ptr()}
}

// diagError renders diagnostics as "FILE:LINE:COL: message" lines, the form
// every faultline daemon uses.
func diagError(diags hcl.Diagnostics) error {
	var lines []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		if d.Subject != nil {
			lines = append(lines, fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, msg))
		} else {
			lines = append(lines, msg)
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// Validate checks what only the merged result (file plus flags) can tell.
func (c *Config) Validate() error {
	var errs []error
	for _, f := range []struct{ key, val string }{
		{"node.name", c.Node.Name},
		{"node.type", c.Node.Type},
		{"node.datacenter", c.Node.Datacenter},
	} {
		switch {
		case f.val == "":
			errs = append(errs, fmt.Errorf("%s is required (it names a task queue)", f.key))
		case strings.ContainsAny(f.val, "/ \t\n"):
			errs = append(errs, fmt.Errorf("%s %q must not contain '/' or spaces (it is part of a task queue name)", f.key, f.val))
		}
	}
	if c.Temporal.Address == "" {
		errs = append(errs, errors.New("temporal.address is empty"))
	}
	if c.Temporal.Namespace == "" {
		errs = append(errs, errors.New("temporal.namespace is empty"))
	}
	if c.Temporal.APIKey != "" && c.Temporal.APIKeyFile != "" {
		errs = append(errs, errors.New("temporal: set api_key or api_key_file, not both"))
	}
	if t := c.Temporal.TLS; t != nil && (t.CertFile == "") != (t.KeyFile == "") {
		errs = append(errs, errors.New("temporal.tls: cert_file and key_file go together"))
	}
	if !validRunbookTimeout(c.RunbookTimeout) {
		errs = append(errs, fmt.Errorf("runbook_timeout %s: must be within (0, %s]", c.RunbookTimeout, MaxRunbookTimeout))
	}
	if c.RunbooksDir == "" {
		errs = append(errs, errors.New("runbooks_dir is empty"))
	}
	if c.SysfsRoot == "" {
		errs = append(errs, errors.New("sysfs_root is empty"))
	}
	if len(c.KernelLogCommand) == 0 || c.KernelLogCommand[0] == "" {
		errs = append(errs, errors.New("kernel_log_command is empty"))
	}
	return errors.Join(errs...)
}

// Queue names, exactly as in the contract.
func (c *Config) NodeQueue() string { return "node/" + c.Node.Name }

// NodeTypeQueue is shared by every node of this type in this datacenter.
func (c *Config) NodeTypeQueue() string {
	return "type/" + c.Node.Datacenter + "/" + c.Node.Type
}

// GeneralQueue is shared by every node in this datacenter.
func (c *Config) GeneralQueue() string { return "general/" + c.Node.Datacenter }

// Queues lists the three task queues the worker polls, node queue first.
func (c *Config) Queues() []string {
	return []string{c.NodeQueue(), c.NodeTypeQueue(), c.GeneralQueue()}
}
