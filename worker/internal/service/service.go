// SPDX-License-Identifier: Apache-2.0

// Package service runs faultline-worker: one Temporal client, one SDK worker
// per task queue (node, node type, datacenter) with identical registrations,
// and the systemd notify protocol around them.
package service

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/faultline/faultline/worker/internal/config"
	"github.com/faultline/faultline/worker/internal/remediation"
)

const (
	// stopTimeout is how long running activities get to finish on SIGTERM
	// before their contexts are cancelled (runbooks are then killed); it
	// stays well inside systemd's default TimeoutStopSec of 90s.
	stopTimeout = 30 * time.Second
	// healthEvery is how often Temporal reachability is checked for STATUS=.
	healthEvery   = 30 * time.Second
	healthTimeout = 5 * time.Second
	dialBackoff   = time.Second
	dialBackoffMx = 30 * time.Second
	maxAPIKey     = 64 << 10
)

// Service is a running worker. Create with New, then Run.
type Service struct {
	cfg     config.Config
	version string
	log     *slog.Logger
	counts  counters
	// temporalOK is the last health check's outcome.
	temporalOK atomic.Bool
}

// New prepares a service for a validated configuration.
func New(cfg config.Config, version string, log *slog.Logger) *Service {
	return &Service{cfg: cfg, version: version, log: log}
}

// Run connects (retrying until ctx ends), polls the three queues, sends
// READY=1 and serves until ctx is cancelled (SIGTERM) or a worker fails
// fatally. A stop through ctx returns nil.
func (s *Service) Run(ctx context.Context) error {
	opts, err := s.clientOptions()
	if err != nil {
		return err
	}
	notify(fmt.Sprintf("STATUS=%s: connecting to Temporal at %s", s.cfg.Node.Name, s.cfg.Temporal.Address))
	c, err := s.dial(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			notify(daemon.SdNotifyStopping)
			return nil
		}
		return err
	}
	defer c.Close()
	s.temporalOK.Store(true)

	fatal := make(chan error, len(s.cfg.Queues()))
	workers, err := s.startWorkers(c, fatal)
	if err != nil {
		return err
	}
	s.log.Info("worker ready", "version", s.version, "queues", strings.Join(s.cfg.Queues(), ","),
		"temporal", s.cfg.Temporal.Address, "namespace", s.cfg.Temporal.Namespace,
		"runbooks_dir", s.cfg.RunbooksDir, "dry_run", s.cfg.DryRun)
	notify(daemon.SdNotifyReady + "\n" + s.status())

	runErr := s.serve(ctx, c, fatal)

	notify(daemon.SdNotifyStopping + "\nSTATUS=" + s.cfg.Node.Name + ": stopping")
	s.log.Info("worker stopping", "reason", stopReason(runErr))
	stopAll(workers)
	s.log.Info("worker stopped")
	return runErr
}

func stopReason(err error) string {
	if err == nil {
		return "signal"
	}
	return err.Error()
}

// serve pings the watchdog and refreshes STATUS= until ctx ends or a worker
// reports a fatal error.
func (s *Service) serve(ctx context.Context, c client.Client, fatal <-chan error) error {
	var watchdog <-chan time.Time
	// WATCHDOG=1 means "this process is alive and its workers run": it is
	// not withheld while Temporal is unreachable, because a restart cannot
	// fix the server and the SDK reconnects by itself (STATUS= says so).
	if every, err := daemon.SdWatchdogEnabled(false); err == nil && every > 0 {
		t := time.NewTicker(every / 2)
		defer t.Stop()
		watchdog = t.C
		notify(daemon.SdNotifyWatchdog)
	}
	health := time.NewTicker(healthEvery)
	defer health.Stop()
	var checking sync.WaitGroup
	defer checking.Wait()
	var inFlight atomic.Bool
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-fatal:
			s.log.Error("worker failed", "error", err)
			return err
		case <-watchdog:
			notify(daemon.SdNotifyWatchdog)
		case <-health.C:
			// The check runs aside so a slow frontend never delays the
			// watchdog ping.
			if inFlight.Swap(true) {
				continue
			}
			checking.Add(1)
			go func() {
				defer checking.Done()
				defer inFlight.Store(false)
				s.checkHealth(ctx, c)
				notify(s.status())
			}()
		}
	}
}

func (s *Service) checkHealth(ctx context.Context, c client.Client) {
	hctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	_, err := c.CheckHealth(hctx, &client.CheckHealthRequest{})
	was := s.temporalOK.Swap(err == nil)
	switch {
	case err != nil && was:
		s.log.Warn("temporal unreachable", "address", s.cfg.Temporal.Address, "error", err)
	case err == nil && !was:
		s.log.Info("temporal reachable again", "address", s.cfg.Temporal.Address)
	}
}

// status is the one-line STATUS= summary.
func (s *Service) status() string {
	reach := "temporal ok"
	if !s.temporalOK.Load() {
		reach = "temporal UNREACHABLE"
	}
	return fmt.Sprintf("STATUS=%s: polling %s at %s/%s; %s; workflows %d ok %d failed; activities %d ok %d failed",
		s.cfg.Node.Name, strings.Join(s.cfg.Queues(), " "), s.cfg.Temporal.Address, s.cfg.Temporal.Namespace,
		reach, s.counts.workflowsOK.Load(), s.counts.workflowsFailed.Load(),
		s.counts.activitiesOK.Load(), s.counts.activitiesFailed.Load())
}

func (s *Service) startWorkers(c client.Client, fatal chan<- error) ([]worker.Worker, error) {
	wf := &remediation.Workflows{RunbookTimeout: s.cfg.RunbookTimeout}
	acts := &remediation.Activities{
		Node:             s.cfg.Node.Name,
		RunbooksDir:      s.cfg.RunbooksDir,
		RunbookTimeout:   s.cfg.RunbookTimeout,
		SysfsRoot:        s.cfg.SysfsRoot,
		DryRun:           s.cfg.DryRun,
		KernelLogCommand: s.cfg.KernelLogCommand,
	}
	var started []worker.Worker
	for _, q := range s.cfg.Queues() {
		w := worker.New(c, q, worker.Options{
			MaxConcurrentActivityExecutionSize: s.cfg.MaxActivities,
			WorkerStopTimeout:                  stopTimeout,
			Interceptors:                       []interceptor.WorkerInterceptor{&logInterceptor{counts: &s.counts}},
			OnFatalError: func(err error) {
				select {
				case fatal <- fmt.Errorf("task queue %s: %w", q, err):
				default:
				}
			},
		})
		remediation.Register(w, wf, acts)
		if err := w.Start(); err != nil {
			stopAll(started)
			return nil, fmt.Errorf("starting worker on task queue %s: %w", q, err)
		}
		started = append(started, w)
	}
	return started, nil
}

// stopAll stops the workers in parallel: each waits up to stopTimeout for
// its running activities.
func stopAll(ws []worker.Worker) {
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.Stop()
		}()
	}
	wg.Wait()
}

func (s *Service) dial(ctx context.Context, opts client.Options) (client.Client, error) {
	wait := dialBackoff
	for {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.log.Warn("temporal not reachable, retrying", "address", opts.HostPort, "retry_in", wait, "error", err)
		notify(fmt.Sprintf("STATUS=%s: waiting for Temporal at %s: %v", s.cfg.Node.Name, opts.HostPort, oneLine(err)))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, dialBackoffMx)
	}
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

func (s *Service) clientOptions() (client.Options, error) {
	t := s.cfg.Temporal
	opts := client.Options{
		HostPort:  t.Address,
		Namespace: t.Namespace,
		Identity:  fmt.Sprintf("faultline-worker@%s:%d", s.cfg.Node.Name, os.Getpid()),
		Logger:    tlog.NewStructuredLogger(s.log),
	}
	if t.TLS != nil {
		tc, err := tlsConfig(t.TLS)
		if err != nil {
			return client.Options{}, err
		}
		opts.ConnectionOptions.TLS = tc
	}
	key := t.APIKey
	if t.APIKeyFile != "" {
		b, err := readSmall(t.APIKeyFile, maxAPIKey)
		if err != nil {
			return client.Options{}, fmt.Errorf("temporal.api_key_file: %w", err)
		}
		key = strings.TrimSpace(string(b))
	}
	if key != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(key)
	}
	return opts, nil
}

func tlsConfig(t *config.TLS) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := readSmall(t.CAFile, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("temporal.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("temporal.tls.ca_file %s: no PEM certificate in it", t.CAFile)
		}
		tc.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("temporal.tls cert_file/key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func readSmall(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New(path + ": empty")
	}
	return b, nil
}

// notify sends one sd_notify message; outside systemd (no NOTIFY_SOCKET) it
// does nothing. A failed send is not fatal: the service still works, and
// systemd will report the missing READY=1 itself.
func notify(state string) {
	_, _ = daemon.SdNotify(false, state)
}
