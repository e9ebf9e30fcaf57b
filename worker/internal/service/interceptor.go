// SPDX-License-Identifier: Apache-2.0

package service

import (
	"context"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// counters feed the STATUS= line. Workflow counts skip replays, so a
// workflow re-executed from history after a cache eviction is counted once.
type counters struct {
	activitiesOK, activitiesFailed atomic.Int64
	workflowsOK, workflowsFailed   atomic.Int64
}

// logInterceptor writes one structured line per workflow and activity event
// (started, completed, failed) through the SDK's loggers, which already carry
// the workflow id, run id, type, task queue and attempt. The workflow logger
// is replay-aware: replays print nothing.
type logInterceptor struct {
	interceptor.WorkerInterceptorBase
	counts *counters
}

func (l *logInterceptor) InterceptActivity(ctx context.Context,
	next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &activityLog{counts: l.counts}
	i.Next = next
	return i
}

func (l *logInterceptor) InterceptWorkflow(ctx workflow.Context,
	next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &workflowLog{counts: l.counts}
	i.Next = next
	return i
}

type activityLog struct {
	interceptor.ActivityInboundInterceptorBase
	counts *counters
}

func (a *activityLog) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	log := activity.GetLogger(ctx)
	start := time.Now()
	log.Info("activity started")
	res, err := a.Next.ExecuteActivity(ctx, in)
	ms := time.Since(start).Milliseconds()
	if err != nil {
		a.counts.activitiesFailed.Add(1)
		log.Warn("activity failed", "duration_ms", ms, "error", err)
	} else {
		a.counts.activitiesOK.Add(1)
		log.Info("activity completed", "duration_ms", ms)
	}
	return res, err
}

type workflowLog struct {
	interceptor.WorkflowInboundInterceptorBase
	counts *counters
}

func (w *workflowLog) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	log := workflow.GetLogger(ctx)
	start := workflow.Now(ctx)
	log.Info("workflow started")
	res, err := w.Next.ExecuteWorkflow(ctx, in)
	ms := workflow.Now(ctx).Sub(start).Milliseconds()
	replaying := workflow.IsReplaying(ctx)
	if err != nil {
		if !replaying {
			w.counts.workflowsFailed.Add(1)
		}
		log.Warn("workflow failed", "duration_ms", ms, "error", err)
	} else {
		if !replaying {
			w.counts.workflowsOK.Add(1)
		}
		log.Info("workflow completed", "duration_ms", ms)
	}
	return res, err
}
