// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

const (
	datacenter = "dc1"
	nodeType   = "storage"
)

// require skips a test whose prerequisite is missing, but fails it under
// CI=true: CI must never pass by skipping (the C tests' fl_test_require).
func require(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (required under CI=true)", what)
	}
	t.Skip(what)
}

func sourceDir(t *testing.T) string {
	if d := os.Getenv("FL_SOURCE_DIR"); d != "" {
		return d
	}
	d, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// proc is a child process this test started; stop ends it by its PID.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func startProc(t *testing.T, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(20 * time.Second)
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("--- %s log (last 4 KiB) ---\n%s", name, tail(b, 4096))
		}
	})
	return p
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// stop sends SIGTERM, then SIGKILL after grace; it reports whether the
// process exited on its own within grace.
func (p *proc) stop(grace time.Duration) bool {
	select {
	case <-p.done:
		return true
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return false
	}
}

func (p *proc) logText() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// notifySocket collects the sd_notify datagrams of one worker.
type notifySocket struct {
	path string
	mu   sync.Mutex
	msgs []string
}

func newNotifySocket(t *testing.T, name string) *notifySocket {
	t.Helper()
	// Short path: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "flnotify")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ns := &notifySocket{path: filepath.Join(dir, name)}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: ns.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			ns.mu.Lock()
			ns.msgs = append(ns.msgs, string(buf[:n]))
			ns.mu.Unlock()
		}
	}()
	return ns
}

// waitFor waits for a datagram with a line that starts with prefix and
// contains substr.
func (ns *notifySocket) waitFor(t *testing.T, prefix, substr string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ns.mu.Lock()
		for _, m := range ns.msgs {
			for _, line := range strings.Split(m, "\n") {
				if strings.HasPrefix(line, prefix) && strings.Contains(line, substr) {
					ns.mu.Unlock()
					return line
				}
			}
		}
		ns.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	t.Fatalf("no %q...%q from %s within %s; got %q", prefix, substr, ns.path, timeout, ns.msgs)
	return ""
}

type env struct {
	grpc, http string
	client     client.Client
}

func startTemporal(t *testing.T) *env {
	t.Helper()
	bin, err := exec.LookPath("temporal")
	require(t, err == nil, "the temporal CLI (dev server) is not installed: run scripts/setup.sh")
	grpcPort, httpPort, uiPort, metricsPort := freePort(t), freePort(t), freePort(t), freePort(t)
	e := &env{grpc: fmt.Sprintf("127.0.0.1:%d", grpcPort), http: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	startProc(t, "temporal", nil, bin, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
		"--port", fmt.Sprint(grpcPort), "--http-port", fmt.Sprint(httpPort), "--ui-port", fmt.Sprint(uiPort),
		"--metrics-port", fmt.Sprint(metricsPort), "--db-filename", filepath.Join(t.TempDir(), "temporal.db"),
		"--log-level", "warn",
		"--search-attribute", "FaultlineNode=Keyword", "--search-attribute", "FaultlineNodeType=Keyword",
		"--search-attribute", "FaultlineDatacenter=Keyword", "--search-attribute", "FaultlineRule=Keyword",
		"--search-attribute", "FaultlineWorkflow=Keyword")
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := client.DialContext(ctx, client.Options{HostPort: e.grpc, Logger: quietLogger{}})
		cancel()
		if err == nil {
			e.client = c
			t.Cleanup(c.Close)
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("temporal dev server not up at %s: %v", e.grpc, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func workerBinary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("FAULTLINE_WORKER_BIN"); b != "" {
		if _, err := os.Stat(b); err != nil {
			t.Fatalf("FAULTLINE_WORKER_BIN: %v", err)
		}
		return b
	}
	out := filepath.Join(t.TempDir(), "faultline-worker")
	cmd := exec.Command("go", "build", "-o", out, "../cmd/faultline-worker")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

type worker struct {
	node   string
	proc   *proc
	notify *notifySocket
}

// startWorker runs faultline-worker for node with flags only (over an empty
// config file, so a /etc/faultline/worker.hcl on this machine cannot leak
// in) and waits for its READY=1.
func startWorker(t *testing.T, e *env, bin, node string) *worker {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "worker.hcl")
	if err := os.WriteFile(cfg, []byte("# flags only\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ns := newNotifySocket(t, node)
	p := startProc(t, "worker-"+node,
		[]string{"NOTIFY_SOCKET=" + ns.path, "WATCHDOG_USEC=1000000"},
		bin, "--config", cfg, "--node", node, "--node-type", nodeType, "--datacenter", datacenter,
		"--temporal-address", e.grpc, "--namespace", "default",
		"--runbooks-dir", filepath.Join(sourceDir(t), "rules/runbooks"),
		"--sysfs-root", t.TempDir(), "--dry-run")
	w := &worker{node: node, proc: p, notify: ns}
	w.notify.waitFor(t, "READY=1", "", 60*time.Second)
	return w
}

// startWorkflowHTTP starts a workflow through Temporal's HTTP API, the way
// the coordinator does, with the trigger as the one plain JSON input.
func startWorkflowHTTP(t *testing.T, e *env, id, wfType, queue string, trigger map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"workflowType": map[string]any{"name": wfType},
		"taskQueue":    map[string]any{"name": queue},
		"input":        []any{trigger},
		"requestId":    id,
		"searchAttributes": map[string]any{"indexedFields": map[string]any{
			"FaultlineNode": trigger["node"], "FaultlineNodeType": nodeType,
			"FaultlineDatacenter": datacenter, "FaultlineRule": trigger["rule"],
		}},
		"workflowExecutionTimeout": "300s",
	})
	req, _ := http.NewRequest("POST", e.http+"/api/v1/namespaces/default/workflows/"+id, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("start %s: HTTP %d: %s", id, resp.StatusCode, out.String())
	}
}

// result is the part of every workflow result this test reads.
type result struct {
	Node         string `json:"node"`
	TaskQueue    string `json:"task_queue"`
	TargetNode   string `json:"target_node"`
	WorkflowType string `json:"workflow_type"`
	ExitCode     int    `json:"exit_code"`
	Stdout       string `json:"stdout"`
}

func waitResult(t *testing.T, e *env, id string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var res result
	if err := e.client.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
		t.Fatalf("workflow %s: %v", id, err)
	}
	return res
}

// activityIdentities lists the worker identities that started the
// workflow's activity tasks, from its history.
func activityIdentities(t *testing.T, e *env, id string) []string {
	t.Helper()
	var ids []string
	it := e.client.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			ids = append(ids, a.GetIdentity())
		}
	}
	return ids
}

// quietLogger drops the test client's SDK logs.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}

func diskTrigger(node, id string) map[string]any {
	return map[string]any{
		"node": node, "node_type": nodeType, "datacenter": datacenter, "workflow": "disk-io-error",
		"rule": "disk-io-error", "idempotency_key": id,
		"params":      map[string]string{"runbook": "disk-io-error.sh"},
		"event":       map[string]any{"kind": "block_rq_error", "disk": "loop0", "sector": 2048},
		"observed_at": time.Now().UTC().Format(time.RFC3339Nano),
	}
}

// TestTwoWorkersRouting: two workers of one datacenter and node type; a
// workflow on node/node-a runs on node-a only, one on node/node-b on node-b
// only, and the shared type and general queues are served too. Both workers
// speak the notify protocol and stop cleanly on SIGTERM.
func TestTwoWorkersRouting(t *testing.T) {
	e := startTemporal(t)
	bin := workerBinary(t)
	a := startWorker(t, e, bin, "node-a")
	b := startWorker(t, e, bin, "node-b")

	// Sent with READY=1.
	a.notify.waitFor(t, "STATUS=", "polling node/node-a type/dc1/storage general/dc1 at "+e.grpc+"/default; temporal ok", time.Second)
	a.notify.waitFor(t, "WATCHDOG=1", "", 5*time.Second)

	// A disk fault on node-a, routed to node-a's own queue.
	startWorkflowHTTP(t, e, "disk-node-a", "RunRunbook", "node/node-a", diskTrigger("node-a", "disk-node-a"))
	res := waitResult(t, e, "disk-node-a")
	if res.Node != "node-a" || res.TaskQueue != "node/node-a" || res.TargetNode != "node-a" ||
		res.WorkflowType != "RunRunbook" || res.ExitCode != 0 ||
		!strings.Contains(res.Stdout, "disk-io-error.sh: ok (dry run=true, worker node-a") {
		t.Errorf("node-a result %+v", res)
	}
	for _, id := range activityIdentities(t, e, "disk-node-a") {
		if !strings.HasPrefix(id, "faultline-worker@node-a:") {
			t.Errorf("an activity of disk-node-a ran on %q", id)
		}
	}
	desc, err := e.client.DescribeWorkflowExecution(context.Background(), "disk-node-a", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["FaultlineNode"]; !ok {
		t.Error("FaultlineNode search attribute missing")
	}
	if log := b.proc.logText(); strings.Contains(log, "workflow started") || strings.Contains(log, "activity started") {
		t.Errorf("node-b ran something for a node-a fault:\n%s", log)
	}

	// The same for node-b, so routing is shown in both directions.
	startWorkflowHTTP(t, e, "diag-node-b", "CollectDiagnostics", "node/node-b", diskTrigger("node-b", "diag-node-b"))
	if res := waitResult(t, e, "diag-node-b"); res.Node != "node-b" || res.TaskQueue != "node/node-b" {
		t.Errorf("node-b result %+v", res)
	}

	// Shared queues: either worker may take these.
	for _, q := range []string{"type/dc1/storage", "general/dc1"} {
		id := "shared-" + strings.ReplaceAll(q, "/", "-")
		startWorkflowHTTP(t, e, id, "CollectDiagnostics", q, diskTrigger("node-a", id))
		res := waitResult(t, e, id)
		if res.TaskQueue != q || (res.Node != "node-a" && res.Node != "node-b") {
			t.Errorf("%s result %+v", q, res)
		}
	}
	if log := a.proc.logText(); strings.Contains(log, "WorkflowID=diag-node-b") {
		t.Errorf("node-a ran node-b's workflow:\n%s", log)
	}

	// SIGTERM: STOPPING=1, then a clean exit.
	for _, w := range []*worker{a, b} {
		if !w.proc.stop(40 * time.Second) {
			t.Errorf("%s did not stop within 40s of SIGTERM", w.node)
		}
		w.notify.waitFor(t, "STOPPING=1", "", time.Second)
		if code := w.proc.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("%s exited with %d", w.node, code)
		}
		if !strings.Contains(w.proc.logText(), `msg="worker stopped"`) {
			t.Errorf("%s: no \"worker stopped\" log line", w.node)
		}
	}
}
