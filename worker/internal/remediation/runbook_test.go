// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
)

func runbookActivities(t *testing.T) (*Activities, string) {
	t.Helper()
	dir := t.TempDir()
	return &Activities{Node: "node-a", RunbooksDir: dir, RunbookTimeout: 20 * time.Second,
		SysfsRoot: t.TempDir(), HeartbeatInterval: 50 * time.Millisecond}, dir
}

var diskTrigger = Trigger{
	Node: "node-a", NodeType: "storage", Datacenter: "dc1", Workflow: "disk-io-error", Rule: "disk-io",
	Params: map[string]string{"runbook": "echo.sh"},
	Event:  map[string]json.RawMessage{"disk": json.RawMessage(`"loop0"`), "sector": json.RawMessage(`2048`)},
}

func TestRunRunbookSuccess(t *testing.T) {
	a, dir := runbookActivities(t)
	// The runbook echoes what it was given: its environment and stdin.
	writeScript(t, dir, "echo.sh", "#!/bin/sh\nenv | sort\necho STDIN=$(cat)\necho to-stderr >&2\n", 0o755)
	t.Setenv("TEMPORAL_API_KEY", "secret-of-the-worker")
	env := newEnv(t, a)
	env.ExecuteWorkflow(WorkflowRunRunbook, diskTrigger)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res RunbookResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Node != "node-a" || res.TaskQueue != testQueue || res.TargetNode != "node-a" ||
		res.WorkflowType != WorkflowRunRunbook || res.Activity != ActivityExecRunbook || res.Attempt != 1 {
		t.Errorf("origin %+v", res.Origin)
	}
	if res.Runbook != "echo.sh" || res.ExitCode != 0 || res.Signal != "" || res.DryRun {
		t.Errorf("result %+v", res)
	}
	for _, want := range []string{
		"FAULTLINE_NODE=node-a\n", "FAULTLINE_EVENT_DISK=loop0\n", "FAULTLINE_EVENT_SECTOR=2048\n",
		"FAULTLINE_PARAM_RUNBOOK=echo.sh\n", "FAULTLINE_TASK_QUEUE=" + testQueue + "\n",
		"FAULTLINE_WORKER_NODE=node-a\n", "FAULTLINE_ATTEMPT=1\n", "FAULTLINE_DRY_RUN=false\n",
	} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.Stdout)
		}
	}
	if strings.Contains(res.Stdout, "secret-of-the-worker") {
		t.Error("the worker's environment leaked into the runbook")
	}
	i := strings.Index(res.Stdout, "STDIN=")
	if i < 0 {
		t.Fatalf("no stdin in %q", res.Stdout)
	}
	var got Trigger
	if err := json.Unmarshal([]byte(strings.TrimSpace(res.Stdout[i+len("STDIN="):])), &got); err != nil {
		t.Fatal(err)
	}
	if got.Node != "node-a" || got.Params["runbook"] != "echo.sh" || string(got.Event["sector"]) != "2048" {
		t.Errorf("stdin trigger %+v", got)
	}
	if res.Stderr != "to-stderr\n" {
		t.Errorf("stderr %q", res.Stderr)
	}
}

func TestRunRunbookNonZeroExitFails(t *testing.T) {
	a, dir := runbookActivities(t)
	writeScript(t, dir, "echo.sh", "#!/bin/sh\necho partial\necho 'disk busy' >&2\nexit 3\n", 0o755)
	env := newEnv(t, a)
	var attempts atomic.Int32
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { attempts.Add(1) })
	env.ExecuteWorkflow(WorkflowRunRunbook, diskTrigger)
	err := env.GetWorkflowError()
	if err == nil {
		t.Fatal("workflow succeeded")
	}
	ae := appErr(t, err)
	if ae.Type() != ErrRunbookFailed || ae.NonRetryable() {
		t.Errorf("error type %q nonretryable %v", ae.Type(), ae.NonRetryable())
	}
	if !strings.Contains(ae.Error(), "exited with status 3: disk busy") {
		t.Errorf("message %q", ae.Error())
	}
	var res RunbookResult
	if err := ae.Details(&res); err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || res.Stdout != "partial\n" || res.Node != "node-a" {
		t.Errorf("details %+v", res)
	}
	if n := attempts.Load(); n != maxAttempts {
		t.Errorf("%d attempts, want %d", n, maxAttempts)
	}
}

func TestRunRunbookTimeoutKillsGroup(t *testing.T) {
	a, dir := runbookActivities(t)
	a.RunbookTimeout = 500 * time.Millisecond
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	// A child that ignores SIGTERM must still die with its runbook.
	writeScript(t, dir, "echo.sh", "#!/bin/sh\n(trap '' TERM; sleep 60) &\necho $! > "+pidFile+"\nsleep 60\n", 0o755)
	env := newEnv(t, a)
	var attempts atomic.Int32
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { attempts.Add(1) })
	start := time.Now()
	env.ExecuteWorkflow(WorkflowRunRunbook, diskTrigger)
	elapsed := time.Since(start)
	ae := appErr(t, env.GetWorkflowError())
	if ae.Type() != ErrRunbookTimeout || !ae.NonRetryable() {
		t.Errorf("error type %q nonretryable %v", ae.Type(), ae.NonRetryable())
	}
	var res RunbookResult
	if err := ae.Details(&res); err != nil {
		t.Fatal(err)
	}
	if res.Signal != "terminated" || res.ExitCode != -1 {
		t.Errorf("exit %d signal %q", res.ExitCode, res.Signal)
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("%d attempts, a timeout must not be retried", n)
	}
	if elapsed > 20*time.Second {
		t.Errorf("took %s", elapsed)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	// Reaped by init eventually; a zombie or nothing means it is dead.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(st), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("child %d of the runbook survived it", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunRunbookHeartbeats(t *testing.T) {
	a, dir := runbookActivities(t)
	writeScript(t, dir, "echo.sh", "#!/bin/sh\necho start\nsleep 3\necho end\n", 0o755)
	env := newEnv(t, a)
	var beats atomic.Int32
	var last runbookProgress
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		beats.Add(1)
		var p runbookProgress
		if d.Get(&p) == nil && p.ElapsedMS > 0 {
			last = p
		}
	})
	env.ExecuteWorkflow(WorkflowRunRunbook, diskTrigger)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	// 3s with one send per 800ms at most: 3 or more, unless heartbeating
	// stopped after the first (the activity would then time out, too).
	if n := beats.Load(); n < 3 {
		t.Errorf("%d heartbeats in a 3s run", n)
	}
	if last.Runbook != "echo.sh" || last.StdoutBytes != int64(len("start\n")) {
		t.Errorf("last progress %+v", last)
	}
}

func TestRunRunbookBadRunbook(t *testing.T) {
	a, dir := runbookActivities(t)
	writeScript(t, dir, "not-exec", "#!/bin/sh\n", 0o644)
	writeScript(t, dir, "no-shebang", "echo hi\n", 0o755)
	writeScript(t, dir, "bad-interpreter", "#!/nonexistent/sh\n", 0o755)
	if err := os.Mkdir(filepath.Join(dir, "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeScript(t, filepath.Dir(dir), "outside.sh", "#!/bin/sh\n", 0o755)
	cases := []struct{ runbook, msg string }{
		{"", "no runbook named"},
		{"../outside.sh", "must be a plain file name"},
		{"/bin/true", "must be a plain file name"},
		{"..", "is not a file name"},
		{strings.Repeat("x", 256), "longer than 255 bytes"},
		{"missing.sh", `runbook "missing.sh" not found in ` + dir},
		{"not-exec", "is not executable"},
		{"subdir", "is not a regular file"},
		{"no-shebang", "cannot be executed"},
		{"bad-interpreter", "cannot be executed"},
	}
	for _, c := range cases {
		t.Run(c.runbook, func(t *testing.T) {
			env := newEnv(t, a)
			var attempts atomic.Int32
			env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { attempts.Add(1) })
			tr := diskTrigger
			tr.Params = map[string]string{"runbook": c.runbook}
			env.ExecuteWorkflow(WorkflowRunRunbook, tr)
			ae := appErr(t, env.GetWorkflowError())
			if ae.Type() != ErrBadRunbook || !ae.NonRetryable() {
				t.Errorf("error type %q nonretryable %v", ae.Type(), ae.NonRetryable())
			}
			if !strings.Contains(ae.Error(), c.msg) {
				t.Errorf("message %q lacks %q", ae.Error(), c.msg)
			}
			if attempts.Load() > 1 {
				t.Errorf("%d attempts for a bad runbook", attempts.Load())
			}
		})
	}
}

func TestRunRunbookOutputBounded(t *testing.T) {
	a, dir := runbookActivities(t)
	a.OutputLimit = 100
	writeScript(t, dir, "echo.sh", "#!/bin/sh\nseq 1 1000\n", 0o755)
	env := newEnv(t, a)
	env.ExecuteWorkflow(WorkflowRunRunbook, diskTrigger)
	var res RunbookResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Stdout) != 100 || !res.StdoutTruncated || !strings.HasSuffix(res.Stdout, "999\n1000\n") {
		t.Errorf("stdout (%d bytes, truncated %v) %q", len(res.Stdout), res.StdoutTruncated, res.Stdout)
	}
}

func TestDrainHooks(t *testing.T) {
	a, dir := runbookActivities(t)
	for _, n := range []string{"drain-node", "undrain-node", "custom-drain"} {
		writeScript(t, dir, n, "#!/bin/sh\necho ran "+n+" dry=$FAULTLINE_DRY_RUN\n", 0o755)
	}
	cases := []struct {
		workflow, runbook, want string
		dryRun                  bool
	}{
		{WorkflowDrainNode, "", "ran drain-node dry=false\n", false},
		{WorkflowUndrainNode, "", "ran undrain-node dry=false\n", false},
		{WorkflowDrainNode, "custom-drain", "ran custom-drain dry=true\n", true},
	}
	for _, c := range cases {
		t.Run(c.workflow+"/"+c.runbook, func(t *testing.T) {
			env := newEnv(t, a)
			tr := Trigger{Node: "node-a", Params: map[string]string{}}
			if c.runbook != "" {
				tr.Params["runbook"] = c.runbook
			}
			if c.dryRun {
				tr.Params["dry_run"] = "true"
			}
			env.ExecuteWorkflow(c.workflow, tr)
			var res RunbookResult
			if err := env.GetWorkflowResult(&res); err != nil {
				t.Fatal(err)
			}
			if res.Stdout != c.want || res.WorkflowType != c.workflow || res.DryRun != c.dryRun {
				t.Errorf("result %+v", res)
			}
		})
	}
}
