// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Workflow type names: what workflows.d's workflow_type refers to.
const (
	WorkflowRunRunbook         = "RunRunbook"
	WorkflowOfflineMemoryPage  = "OfflineMemoryPage"
	WorkflowDrainNode          = "DrainNode"
	WorkflowUndrainNode        = "UndrainNode"
	WorkflowCollectDiagnostics = "CollectDiagnostics"
)

// Activity type names.
const (
	ActivityExecRunbook       = "ExecRunbook"
	ActivitySoftOfflinePage   = "SoftOfflinePage"
	ActivityGatherDiagnostics = "GatherDiagnostics"
)

// Default runbooks of the drain hooks when params.runbook is unset.
const (
	DrainRunbook   = "drain-node"
	UndrainRunbook = "undrain-node"
)

// Timeouts and retries (docs/workflows.md explains the choices).
const (
	// runbookHeartbeatTimeout: a worker that died mid-runbook is noticed
	// within this, and the attempt is retried.
	runbookHeartbeatTimeout = 30 * time.Second
	// runbookCloseSlack covers the kill grace and reporting after the
	// runbook's own timeout, so the activity's own timeout error (with the
	// captured output) wins over Temporal's StartToClose timeout.
	runbookCloseSlack  = killGrace + 25*time.Second
	offlineTimeout     = 2 * time.Minute
	diagnosticsTimeout = 2 * time.Minute
	maxAttempts        = 3
)

// Workflows holds what workflow code needs from the worker configuration.
type Workflows struct {
	// RunbookTimeout is the activities' runbook timeout, used to size the
	// ExecRunbook StartToClose timeout.
	RunbookTimeout time.Duration
	// HeartbeatTimeout overrides runbookHeartbeatTimeout (tests shorten it:
	// the SDK sends heartbeats at most every 80% of it).
	HeartbeatTimeout time.Duration
}

func retryPolicy(initial, maxInterval time.Duration) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        initial,
		BackoffCoefficient:     2,
		MaximumInterval:        maxInterval,
		MaximumAttempts:        maxAttempts,
		NonRetryableErrorTypes: nonRetryable,
	}
}

func (w *Workflows) runbookOptions() workflow.ActivityOptions {
	timeout := w.RunbookTimeout
	if timeout <= 0 {
		timeout = DefaultRunbookTimeout
	}
	heartbeat := w.HeartbeatTimeout
	if heartbeat <= 0 {
		heartbeat = runbookHeartbeatTimeout
	}
	return workflow.ActivityOptions{
		StartToCloseTimeout: timeout + runbookCloseSlack,
		HeartbeatTimeout:    heartbeat,
		RetryPolicy:         retryPolicy(10*time.Second, 2*time.Minute),
	}
}

func (w *Workflows) runbook(ctx workflow.Context, t Trigger, name string) (RunbookResult, error) {
	if err := ValidRunbookName(name); err != nil {
		return RunbookResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrBadRunbook, nil)
	}
	ctx = workflow.WithActivityOptions(ctx, w.runbookOptions())
	var res RunbookResult
	err := workflow.ExecuteActivity(ctx, ActivityExecRunbook, RunbookRequest{Runbook: name, Trigger: t}).Get(ctx, &res)
	if err != nil {
		return RunbookResult{}, err
	}
	res.WorkflowType = workflow.GetInfo(ctx).WorkflowType.Name
	return res, nil
}

// RunRunbook runs params.runbook from the runbooks directory.
func (w *Workflows) RunRunbook(ctx workflow.Context, t Trigger) (RunbookResult, error) {
	return w.runbook(ctx, t, t.Param("runbook"))
}

// DrainNode runs the drain hook: params.runbook, default "drain-node".
func (w *Workflows) DrainNode(ctx workflow.Context, t Trigger) (RunbookResult, error) {
	return w.runbook(ctx, t, paramOr(&t, "runbook", DrainRunbook))
}

// UndrainNode runs the undrain hook: params.runbook, default "undrain-node".
func (w *Workflows) UndrainNode(ctx workflow.Context, t Trigger) (RunbookResult, error) {
	return w.runbook(ctx, t, paramOr(&t, "runbook", UndrainRunbook))
}

// OfflineMemoryPage soft-offlines the faulty page on the trigger's node.
func (w *Workflows) OfflineMemoryPage(ctx workflow.Context, t Trigger) (OfflinePageResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: offlineTimeout,
		RetryPolicy:         retryPolicy(5*time.Second, time.Minute),
	})
	var res OfflinePageResult
	if err := workflow.ExecuteActivity(ctx, ActivitySoftOfflinePage, t).Get(ctx, &res); err != nil {
		return OfflinePageResult{}, err
	}
	res.WorkflowType = workflow.GetInfo(ctx).WorkflowType.Name
	return res, nil
}

// CollectDiagnostics gathers the kernel log, EDAC, disk and thermal state.
func (w *Workflows) CollectDiagnostics(ctx workflow.Context, t Trigger) (DiagnosticsResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: diagnosticsTimeout,
		RetryPolicy:         retryPolicy(5*time.Second, time.Minute),
	})
	var res DiagnosticsResult
	if err := workflow.ExecuteActivity(ctx, ActivityGatherDiagnostics, t).Get(ctx, &res); err != nil {
		return DiagnosticsResult{}, err
	}
	res.WorkflowType = workflow.GetInfo(ctx).WorkflowType.Name
	return res, nil
}

func paramOr(t *Trigger, key, def string) string {
	if v := t.Param(key); v != "" {
		return v
	}
	return def
}

// Registry is the part of worker.Worker (and of the SDK's test environment)
// that Register uses.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register registers every workflow and activity under its explicit name,
// so renaming a Go method can never silently change a type name that
// workflows.d and running histories refer to. The worker calls it once per
// task queue: every queue accepts every workflow.
func Register(r Registry, w *Workflows, a *Activities) {
	for name, fn := range map[string]any{
		WorkflowRunRunbook:         w.RunRunbook,
		WorkflowOfflineMemoryPage:  w.OfflineMemoryPage,
		WorkflowDrainNode:          w.DrainNode,
		WorkflowUndrainNode:        w.UndrainNode,
		WorkflowCollectDiagnostics: w.CollectDiagnostics,
	} {
		r.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
	for name, fn := range map[string]any{
		ActivityExecRunbook:       a.ExecRunbook,
		ActivitySoftOfflinePage:   a.SoftOfflinePage,
		ActivityGatherDiagnostics: a.GatherDiagnostics,
	} {
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
}
