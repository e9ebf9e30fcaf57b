// SPDX-License-Identifier: Apache-2.0

// Package remediation holds faultline's Temporal workflows and the activities
// they run on a node. docs/workflows.md documents inputs, outputs, timeouts and
// retry policies; keep it in step with this package.
package remediation

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// Error types set on application errors. The ones listed in nonRetryable
// never succeed on a retry, so the activity fails at once.
const (
	ErrBadInput       = "BadInput"       // missing or malformed parameter
	ErrBadRunbook     = "BadRunbook"     // runbook name invalid, missing or not executable
	ErrWrongNode      = "WrongNode"      // a node-local action reached another node's worker
	ErrRunbookFailed  = "RunbookFailed"  // runbook exited non-zero or was killed by a signal
	ErrRunbookTimeout = "RunbookTimeout" // runbook ran past its timeout and was killed
	ErrSysfs          = "SysfsRejected"  // the kernel refused the request for good
	ErrSysfsBusy      = "SysfsBusy"      // the kernel refused the request for now
)

var nonRetryable = []string{ErrBadInput, ErrBadRunbook, ErrWrongNode, ErrRunbookTimeout, ErrSysfs}

// Origin says where and when an activity ran. Every result embeds it, so a
// result always names the worker node that ran it and the queue it came from.
type Origin struct {
	// Node is the worker's node name (not the trigger's).
	Node string `json:"node"`
	// TaskQueue is the queue the activity task was polled from.
	TaskQueue string `json:"task_queue"`
	// TargetNode is the trigger's node: the node with the fault.
	TargetNode string `json:"target_node,omitempty"`
	// WorkflowType is set by the workflow that returns the result.
	WorkflowType string    `json:"workflow_type,omitempty"`
	Activity     string    `json:"activity"`
	Attempt      int32     `json:"attempt"`
	StartedAt    time.Time `json:"started_at"`
	DurationMS   int64     `json:"duration_ms"`
}

// Activities are the node-side actions. One value is shared by the workers of
// all three queues; its fields are read-only after start.
type Activities struct {
	// Node is this worker's node name.
	Node string
	// RunbooksDir holds the executables ExecRunbook may run.
	RunbooksDir string
	// RunbookTimeout bounds one runbook run.
	RunbookTimeout time.Duration
	// SysfsRoot replaces /sys (tests point it at a fake tree).
	SysfsRoot string
	// DryRun makes every action report instead of act, whatever params say.
	DryRun bool
	// KernelLogCommand prints the kernel log excerpt for diagnostics.
	KernelLogCommand []string
	// HeartbeatInterval overrides the heartbeat period (default: a third of
	// the activity's heartbeat timeout, or 10s without one).
	HeartbeatInterval time.Duration
	// OutputLimit is the bytes kept per output stream (default DefaultOutputLimit).
	OutputLimit int
}

func (a *Activities) origin(ctx context.Context, t *Trigger) Origin {
	info := activity.GetInfo(ctx)
	return Origin{
		Node:       a.Node,
		TaskQueue:  info.TaskQueue,
		TargetNode: t.Node,
		Activity:   info.ActivityType.Name,
		Attempt:    info.Attempt,
		StartedAt:  time.Now().UTC(),
	}
}

func (o *Origin) finish() {
	o.DurationMS = time.Since(o.StartedAt).Milliseconds()
}

func (a *Activities) dryRun(t *Trigger) bool { return a.DryRun || t.ParamBool("dry_run") }

// checkLocal refuses node-local actions (page offlining) for a fault on
// another node: a workflow started on a node-type or general queue may be
// picked up by any node's worker.
func (a *Activities) checkLocal(t *Trigger) error {
	if t.Node != "" && t.Node != a.Node {
		return temporal.NewNonRetryableApplicationError(
			"fault is on node "+t.Node+" but this worker is node "+a.Node+
				": node-local actions must be started on the node/"+t.Node+" queue",
			ErrWrongNode, nil)
	}
	return nil
}

func (a *Activities) heartbeatEvery(ctx context.Context) time.Duration {
	if a.HeartbeatInterval > 0 {
		return a.HeartbeatInterval
	}
	if hb := activity.GetInfo(ctx).HeartbeatTimeout; hb > 0 {
		return hb / 3
	}
	return 10 * time.Second
}
