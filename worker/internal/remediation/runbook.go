// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

const (
	// DefaultRunbookTimeout applies when Activities.RunbookTimeout is unset.
	DefaultRunbookTimeout = 10 * time.Minute
	// killGrace is how long a runbook has between SIGTERM and SIGKILL, and
	// how long its leftover children may hold its output pipes open.
	killGrace = 5 * time.Second
	// maxRunbookName is NAME_MAX.
	maxRunbookName = 255
)

// RunbookRequest is the input of the ExecRunbook activity.
type RunbookRequest struct {
	// Runbook is a file name in the runbooks directory.
	Runbook string  `json:"runbook"`
	Trigger Trigger `json:"trigger"`
}

// RunbookResult is the output of ExecRunbook and of the RunRunbook, DrainNode
// and UndrainNode workflows. A failed run carries it as the error's details.
type RunbookResult struct {
	Origin
	Runbook string `json:"runbook"`
	// ExitCode is the process exit status, -1 when a signal killed it.
	ExitCode int `json:"exit_code"`
	// Signal names the signal that killed it, if one did.
	Signal string `json:"signal,omitempty"`
	// Stdout and Stderr are the last OutputLimit bytes of each stream.
	Stdout          string `json:"stdout"`
	Stderr          string `json:"stderr"`
	StdoutTruncated bool   `json:"stdout_truncated,omitempty"`
	StderrTruncated bool   `json:"stderr_truncated,omitempty"`
	// DryRun is what FAULTLINE_DRY_RUN told the runbook.
	DryRun bool `json:"dry_run"`
}

// runbookProgress is the heartbeat payload: enough to see in the UI that a
// long runbook is alive and talking.
type runbookProgress struct {
	Runbook     string `json:"runbook"`
	ElapsedMS   int64  `json:"elapsed_ms"`
	StdoutBytes int64  `json:"stdout_bytes"`
	StderrBytes int64  `json:"stderr_bytes"`
}

// ValidRunbookName accepts a plain file name: no directory part, so a
// trigger can never name an executable outside the runbooks directory.
func ValidRunbookName(name string) error {
	switch {
	case name == "":
		return errors.New("no runbook named (params.runbook is empty)")
	case len(name) > maxRunbookName:
		return fmt.Errorf("runbook name longer than %d bytes", maxRunbookName)
	case name == "." || name == "..":
		return fmt.Errorf("runbook name %q is not a file name", name)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("runbook name %q must be a plain file name (no '/')", name)
	}
	return nil
}

// resolveRunbook returns the runbook's path after checking it is a regular,
// executable file in the runbooks directory.
func (a *Activities) resolveRunbook(name string) (string, error) {
	if err := ValidRunbookName(name); err != nil {
		return "", temporal.NewNonRetryableApplicationError(err.Error(), ErrBadRunbook, nil)
	}
	path := filepath.Join(a.RunbooksDir, name)
	st, err := os.Stat(path)
	if err != nil {
		return "", temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("runbook %q not found in %s: %v", name, a.RunbooksDir, err), ErrBadRunbook, nil)
	}
	if !st.Mode().IsRegular() {
		return "", temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("runbook %s is not a regular file", path), ErrBadRunbook, nil)
	}
	if st.Mode().Perm()&0o111 == 0 {
		return "", temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("runbook %s is not executable", path), ErrBadRunbook, nil)
	}
	return path, nil
}

// ExecRunbook runs one runbook with the trigger as JSON on stdin and in the
// environment (see Trigger.Env), heartbeating while it runs. It kills the
// runbook's whole process group after RunbookTimeout (SIGTERM, then SIGKILL
// killGrace later) or when the activity is cancelled, and always sweeps the
// group when the runbook exits, so no child outlives its runbook.
//
// Errors: BadRunbook (not retried), RunbookTimeout (not retried: a hung
// runbook needs a person, and retrying multiplies the time a node spends half
// remediated), RunbookFailed for a non-zero exit (retried by policy), the
// context's error when cancelled.
func (a *Activities) ExecRunbook(ctx context.Context, req RunbookRequest) (RunbookResult, error) {
	t := &req.Trigger
	res := RunbookResult{Origin: a.origin(ctx, t), Runbook: req.Runbook, DryRun: a.dryRun(t)}
	path, err := a.resolveRunbook(req.Runbook)
	if err != nil {
		return res, err
	}
	stdin, err := json.Marshal(t)
	if err != nil {
		return res, temporal.NewNonRetryableApplicationError("encoding trigger: "+err.Error(), ErrBadInput, err)
	}
	info := activity.GetInfo(ctx)
	timeout := a.RunbookTimeout
	if timeout <= 0 {
		timeout = DefaultRunbookTimeout
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	stdout, stderr := newTailBuffer(a.OutputLimit), newTailBuffer(a.OutputLimit)
	cmd := exec.CommandContext(runCtx, path)
	cmd.Dir = a.RunbooksDir
	cmd.Env = t.Env(RunContext{
		WorkerNode: a.Node, TaskQueue: info.TaskQueue,
		WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		Attempt: info.Attempt, DryRun: res.DryRun,
	})
	cmd.Stdin = strings.NewReader(string(stdin))
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = killGrace

	if err := cmd.Start(); err != nil {
		res.finish()
		if errors.Is(err, syscall.ENOEXEC) || errors.Is(err, syscall.EACCES) || errors.Is(err, os.ErrNotExist) {
			return res, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("runbook %s cannot be executed: %v", path, err), ErrBadRunbook, nil)
		}
		return res, fmt.Errorf("starting runbook %s: %w", path, err)
	}
	pgid := cmd.Process.Pid
	done := make(chan struct{})
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		a.heartbeatRunbook(ctx, done, req.Runbook, res.StartedAt, stdout, stderr)
	}()
	werr := cmd.Wait()
	close(done)
	<-hbDone
	// Children left in the group (ESRCH when there are none).
	_ = syscall.Kill(-pgid, syscall.SIGKILL)

	res.finish()
	res.Stdout, res.StdoutTruncated = stdout.Tail()
	res.Stderr, res.StderrTruncated = stderr.Tail()
	if st := cmd.ProcessState; st != nil {
		res.ExitCode = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Signal = ws.Signal().String()
		}
	}

	switch {
	case ctx.Err() != nil:
		return res, ctx.Err()
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return res, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("runbook %s killed after its %s timeout", req.Runbook, timeout),
			ErrRunbookTimeout, nil, res)
	case res.ExitCode != 0:
		msg := fmt.Sprintf("runbook %s exited with status %d", req.Runbook, res.ExitCode)
		if res.Signal != "" {
			msg = fmt.Sprintf("runbook %s killed by signal %s", req.Runbook, res.Signal)
		}
		if line := lastLine(res.Stderr); line != "" {
			msg += ": " + line
		}
		return res, temporal.NewApplicationError(msg, ErrRunbookFailed, res)
	case werr != nil && !errors.Is(werr, exec.ErrWaitDelay):
		return res, fmt.Errorf("waiting for runbook %s: %w", req.Runbook, werr)
	}
	return res, nil
}

func (a *Activities) heartbeatRunbook(ctx context.Context, done <-chan struct{}, name string,
	started time.Time, stdout, stderr *tailBuffer) {
	beat := func() {
		activity.RecordHeartbeat(ctx, runbookProgress{
			Runbook: name, ElapsedMS: time.Since(started).Milliseconds(),
			StdoutBytes: stdout.Total(), StderrBytes: stderr.Total(),
		})
	}
	beat()
	tick := time.NewTicker(a.heartbeatEvery(ctx))
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			beat()
		}
	}
}

// lastLine is the last non-empty line of s, cut to 200 bytes, for error
// messages that show up in one line of the Temporal UI.
func lastLine(s string) string {
	s = strings.TrimRight(s, "\n\r\t ")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.TrimSpace(s)
}
