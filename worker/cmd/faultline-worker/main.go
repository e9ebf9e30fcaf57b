// SPDX-License-Identifier: Apache-2.0

// Command faultline-worker runs faultline's remediation workflows for one
// node: it polls the node's own Temporal task queue, its node type's queue
// and its datacenter's general queue.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/faultline/faultline/worker/internal/config"
	"github.com/faultline/faultline/worker/internal/service"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

const usage = `usage: faultline-worker [--config FILE] [--check] [--version] [overrides]

Runs faultline's remediation workflows on the task queues node/<node>,
type/<datacenter>/<node_type> and general/<datacenter>.

  --config FILE                HCL configuration (default %s;
                               a missing default file means built-in defaults)
  --check                      validate the configuration and exit (0 valid, 1 not)
  --version                    print the version and exit

Overrides (win over the file):
`

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

type overrides struct {
	node, nodeType, datacenter, address, namespace string
	runbooksDir, sysfsRoot, logLevel               string
	runbookTimeout                                 time.Duration
	dryRun                                         bool
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("faultline-worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfgPath     = fs.String("config", "", "")
		check       = fs.Bool("check", false, "")
		showVersion = fs.Bool("version", false, "")
		o           overrides
	)
	fs.StringVar(&o.node, "node", "", "node name (node.name)")
	fs.StringVar(&o.nodeType, "node-type", "", "node type (node.type)")
	fs.StringVar(&o.datacenter, "datacenter", "", "datacenter (node.datacenter)")
	fs.StringVar(&o.address, "temporal-address", "", "Temporal frontend host:port (temporal.address)")
	fs.StringVar(&o.namespace, "namespace", "", "Temporal namespace (temporal.namespace)")
	fs.StringVar(&o.runbooksDir, "runbooks-dir", "", "runbooks directory (runbooks_dir)")
	fs.StringVar(&o.sysfsRoot, "sysfs-root", "", "sysfs root (sysfs_root)")
	fs.DurationVar(&o.runbookTimeout, "runbook-timeout", 0, "runbook timeout (runbook_timeout)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "report actions instead of taking them (dry_run = true)")
	fs.StringVar(&o.logLevel, "log-level", "", "debug, info, warn or error (log_level)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, usage, config.DefaultPath)
		fs.VisitAll(func(f *flag.Flag) {
			if f.Usage != "" {
				fmt.Fprintf(stderr, "  --%-26s %s\n", f.Name+" "+flagArg(f), f.Usage)
			}
		})
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "faultline-worker: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *showVersion {
		fmt.Printf("faultline-worker %s\n", version)
		return 0
	}

	path, explicit := *cfgPath, *cfgPath != ""
	if !explicit {
		path = config.DefaultPath
	}
	cfg, err := config.Load(path, explicit)
	if err != nil {
		// Already "FILE:LINE:COL: message" lines.
		fmt.Fprintln(stderr, err)
		return 1
	}
	fs.Visit(func(f *flag.Flag) { o.apply(f.Name, &cfg) })
	if err := cfg.Validate(); err != nil {
		prefix := "faultline-worker"
		if _, serr := os.Stat(path); serr == nil {
			prefix = path
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "%s: %s\n", prefix, line)
		}
		return 1
	}
	if *check {
		return 0
	}

	level, _ := config.ParseLogLevel(cfg.LogLevel)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})).
		With("node", cfg.Node.Name)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := service.New(cfg, version, log).Run(ctx); err != nil {
		log.Error("worker exiting", "error", err)
		return 1
	}
	return 0
}

func flagArg(f *flag.Flag) string {
	switch f.Name {
	case "dry-run":
		return ""
	case "runbook-timeout":
		return "DURATION"
	default:
		return "VALUE"
	}
}

// apply copies one explicitly given flag over the configuration.
func (o *overrides) apply(name string, cfg *config.Config) {
	switch name {
	case "node":
		cfg.Node.Name = o.node
	case "node-type":
		cfg.Node.Type = o.nodeType
	case "datacenter":
		cfg.Node.Datacenter = o.datacenter
	case "temporal-address":
		cfg.Temporal.Address = o.address
	case "namespace":
		cfg.Temporal.Namespace = o.namespace
	case "runbooks-dir":
		cfg.RunbooksDir = o.runbooksDir
	case "sysfs-root":
		cfg.SysfsRoot = o.sysfsRoot
	case "runbook-timeout":
		cfg.RunbookTimeout = o.runbookTimeout
	case "dry-run":
		cfg.DryRun = o.dryRun
	case "log-level":
		cfg.LogLevel = o.logLevel
	}
}
