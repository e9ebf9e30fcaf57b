// SPDX-License-Identifier: Apache-2.0

package service

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/faultline/faultline/worker/internal/config"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogInterceptor(t *testing.T) {
	var out syncBuffer
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	env := suite.NewTestWorkflowEnvironment()
	counts := &counters{}
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&logInterceptor{counts: counts}}})
	env.RegisterActivityWithOptions(func(ctx context.Context, fail bool) error {
		if fail {
			return errors.New("boom")
		}
		return nil
	}, activity.RegisterOptions{Name: "Act"})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, fail bool) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
			RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
		return workflow.ExecuteActivity(ctx, "Act", fail).Get(ctx, nil)
	}, workflow.RegisterOptions{Name: "Flow"})
	env.ExecuteWorkflow("Flow", true)
	if env.GetWorkflowError() == nil {
		t.Fatal("workflow should fail")
	}
	text := out.String()
	for _, want := range []string{
		`level=INFO msg="workflow started"`, `level=INFO msg="activity started"`,
		`level=WARN msg="activity failed"`, `error=boom`, `level=WARN msg="workflow failed"`, `ActivityType=Act`, `WorkflowType=Flow`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	if counts.activitiesFailed.Load() != 1 || counts.workflowsFailed.Load() != 1 ||
		counts.activitiesOK.Load() != 0 || counts.workflowsOK.Load() != 0 {
		t.Errorf("counts %+v", counts)
	}
}

func TestStatusLine(t *testing.T) {
	cfg := config.Default()
	cfg.Node = config.Node{Name: "node-a", Type: "storage", Datacenter: "dc1"}
	s := New(cfg, "test", slog.New(slog.DiscardHandler))
	s.temporalOK.Store(true)
	s.counts.workflowsOK.Add(2)
	s.counts.activitiesFailed.Add(1)
	want := "STATUS=node-a: polling node/node-a type/dc1/storage general/dc1 at 127.0.0.1:7233/default; " +
		"temporal ok; workflows 2 ok 0 failed; activities 0 ok 1 failed"
	if got := s.status(); got != want {
		t.Errorf("status\n%s\nwant\n%s", got, want)
	}
	s.temporalOK.Store(false)
	if got := s.status(); !strings.Contains(got, "; temporal UNREACHABLE;") || strings.Contains(got, "\n") {
		t.Errorf("status %q", got)
	}
}

func TestClientOptions(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("  the-key\n"), 0o600)
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)
	cases := []struct {
		name string
		mod  func(*config.Temporal)
		want string
	}{
		{"plain", func(*config.Temporal) {}, ""},
		{"api key file", func(c *config.Temporal) { c.APIKeyFile = keyFile }, ""},
		{"missing api key file", func(c *config.Temporal) { c.APIKeyFile = filepath.Join(dir, "nope") }, "temporal.api_key_file: stat "},
		{"bad CA", func(c *config.Temporal) { c.TLS = &config.TLS{CAFile: notPEM} }, "no PEM certificate in it"},
		{"missing cert", func(c *config.Temporal) { c.TLS = &config.TLS{CertFile: "/nonexistent/c", KeyFile: "/nonexistent/k"} },
			"temporal.tls cert_file/key_file: open /nonexistent/c"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Node = config.Node{Name: "node-a", Type: "t", Datacenter: "d"}
			c.mod(&cfg.Temporal)
			opts, err := New(cfg, "test", slog.New(slog.DiscardHandler)).clientOptions()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if opts.HostPort != "127.0.0.1:7233" || opts.Namespace != "default" ||
					!strings.HasPrefix(opts.Identity, "faultline-worker@node-a:") {
					t.Errorf("options %+v", opts)
				}
				if (cfg.Temporal.APIKeyFile != "") != (opts.Credentials != nil) {
					t.Errorf("credentials %v", opts.Credentials)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestNotify checks the sd_notify datagrams reach NOTIFY_SOCKET.
func TestNotify(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	notify("READY=1\nSTATUS=hello")
	buf := make([]byte, 256)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != "READY=1\nSTATUS=hello" {
		t.Errorf("datagram %q", got)
	}
}

// TestRunWaitsForTemporal: with no server, Run keeps retrying, says so in
// STATUS=, and a stop request (SIGTERM's context) ends it cleanly.
func TestRunWaitsForTemporal(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)

	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	cfg := config.Default()
	cfg.Node = config.Node{Name: "node-a", Type: "t", Datacenter: "d"}
	cfg.Temporal.Address = addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(cfg, "test", slog.New(slog.DiscardHandler)).Run(ctx) }()

	var msgs []string
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for !strings.Contains(strings.Join(msgs, "|"), "waiting for Temporal at "+addr) {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no waiting STATUS: %v (got %q)", err, msgs)
		}
		msgs = append(msgs, string(buf[:n]))
	}
	if !strings.HasPrefix(msgs[0], "STATUS=node-a: connecting to Temporal at "+addr) {
		t.Errorf("first message %q", msgs[0])
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after a stop request", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	for _, m := range msgs {
		if strings.Contains(m, "READY=1") {
			t.Errorf("READY=1 without a server: %q", m)
		}
	}
}
