// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"
)

// recorder is a Registry that remembers what was registered.
type recorder struct {
	workflows, activities map[string]bool
}

func (r *recorder) RegisterWorkflowWithOptions(_ any, o workflow.RegisterOptions) {
	r.workflows[o.Name] = true
}

func (r *recorder) RegisterActivityWithOptions(_ any, o activity.RegisterOptions) {
	r.activities[o.Name] = true
}

func registered() *recorder {
	r := &recorder{workflows: map[string]bool{}, activities: map[string]bool{}}
	Register(r, &Workflows{}, &Activities{})
	return r
}

// sourceDir is the repository root: FL_SOURCE_DIR under ctest, else found
// from this package's directory.
func sourceDir(t *testing.T) string {
	if d := os.Getenv("FL_SOURCE_DIR"); d != "" {
		return d
	}
	d, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// workflowConfig is what this test reads of a workflows.d file.
type workflowConfig struct {
	file, name, workflowType, target, timeout string
	params                                    map[string]string
	constraints                               []map[string]cty.Value
}

var workflowConfigSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "workflow_type"}, {Name: "task_queue_target", Required: true}, {Name: "node_types"},
		{Name: "execution_timeout"}, {Name: "input_fields"}, {Name: "params"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "constraint"}},
}

func loadWorkflowConfigs(t *testing.T) []workflowConfig {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sourceDir(t), "rules/workflows.d/*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rules/workflows.d/*.hcl under %s: %v", sourceDir(t), err)
	}
	sort.Strings(files)
	var out []workflowConfig
	for _, f := range files {
		file, diags := hclparse.NewParser().ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f, diags)
		}
		content, diags := file.Body.Content(workflowConfigSchema)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f, diags)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".hcl")
		wc := workflowConfig{file: f, name: name, workflowType: name, params: map[string]string{}}
		str := func(attr string) string {
			a, ok := content.Attributes[attr]
			if !ok {
				return ""
			}
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() || v.Type() != cty.String {
				t.Fatalf("%s: %s must be a string", f, attr)
			}
			return v.AsString()
		}
		if s := str("workflow_type"); s != "" {
			wc.workflowType = s
		}
		wc.target = str("task_queue_target")
		wc.timeout = str("execution_timeout")
		if a, ok := content.Attributes["params"]; ok {
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() || !v.Type().IsObjectType() {
				t.Fatalf("%s: params must be an object", f)
			}
			for k, pv := range v.AsValueMap() {
				if pv.Type() != cty.String {
					t.Fatalf("%s: params.%s must be a string", f, k)
				}
				wc.params[k] = pv.AsString()
			}
		}
		for _, b := range content.Blocks {
			attrs, diags := b.Body.JustAttributes()
			if diags.HasErrors() {
				t.Fatalf("%s: %s", f, diags)
			}
			c := map[string]cty.Value{}
			for k, a := range attrs {
				c[k], _ = a.Expr.Value(nil)
			}
			wc.constraints = append(wc.constraints, c)
		}
		out = append(out, wc)
	}
	return out
}

// TestWorkflowsDTypesRegistered is the classic task-routing mistake: a
// workflows.d entry naming a workflow type no worker registers starts
// workflows that sit on the queue forever.
func TestWorkflowsDTypesRegistered(t *testing.T) {
	r := registered()
	for _, wc := range loadWorkflowConfigs(t) {
		if !r.workflows[wc.workflowType] {
			t.Errorf("%s: workflow_type %q is not registered by the worker (registered: %v)", wc.file, wc.workflowType, keys(r.workflows))
		}
	}
	for _, a := range []string{ActivityExecRunbook, ActivitySoftOfflinePage, ActivityGatherDiagnostics} {
		if !r.activities[a] {
			t.Errorf("activity %s not registered", a)
		}
	}
}

// parsePeriod accepts Go durations plus a whole number of days ("7d").
func parsePeriod(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		return time.Duration(n) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}

// TestWorkflowsDValues checks the shipped configs against the format the
// coordinator reads, and that every runbook they name ships and runs.
func TestWorkflowsDValues(t *testing.T) {
	runbooks := filepath.Join(sourceDir(t), "rules/runbooks")
	for _, wc := range loadWorkflowConfigs(t) {
		switch wc.target {
		case "node", "node_type", "general":
		default:
			t.Errorf("%s: task_queue_target %q", wc.file, wc.target)
		}
		if d, err := parsePeriod(wc.timeout); err != nil || d <= 0 {
			t.Errorf("%s: execution_timeout %q", wc.file, wc.timeout)
		}
		if rb, ok := wc.params["runbook"]; ok {
			st, err := os.Stat(filepath.Join(runbooks, rb))
			if err != nil || st.Mode().Perm()&0o111 == 0 {
				t.Errorf("%s: runbook %q is not an executable in rules/runbooks: %v", wc.file, rb, err)
			}
		}
		if len(wc.constraints) == 0 {
			t.Errorf("%s: no constraint: every automatic remediation needs a brake", wc.file)
		}
		for i, c := range wc.constraints {
			kind, value, period, scope := c["kind"], c["value"], c["period"], c["scope"]
			if kind.Type() != cty.String || (kind.AsString() != "concurrency" && kind.AsString() != "maxExecution") {
				t.Errorf("%s: constraint %d: kind %#v", wc.file, i, kind)
			}
			if value.Type() != cty.Number {
				t.Errorf("%s: constraint %d: value must be a number", wc.file, i)
			} else if v, _ := value.AsBigFloat().Int64(); v < 1 {
				t.Errorf("%s: constraint %d: value %d", wc.file, i, v)
			}
			if period.Type() != cty.String {
				t.Errorf("%s: constraint %d: period missing", wc.file, i)
			} else if _, err := parsePeriod(period.AsString()); err != nil {
				t.Errorf("%s: constraint %d: period %q", wc.file, i, period.AsString())
			}
			if scope.Type() != cty.String {
				t.Errorf("%s: constraint %d: scope missing", wc.file, i)
			} else if s := scope.AsString(); s != "node" && s != "node_type" && s != "datacenter" && s != "global" {
				t.Errorf("%s: constraint %d: scope %q", wc.file, i, s)
			}
		}
	}
}

// TestWorkflowsDRunEndToEnd starts every shipped workflow config, by its
// type name and with its static params, against the shipped runbooks and a
// fake sysfs: what an agent's trigger would run, short of Temporal itself.
func TestWorkflowsDRunEndToEnd(t *testing.T) {
	sysfs := diagSysfs(t)
	writeFile(t, filepath.Join(sysfs, softOfflineFile), "")
	for _, wc := range loadWorkflowConfigs(t) {
		t.Run(wc.name, func(t *testing.T) {
			a := &Activities{Node: "node-a", RunbooksDir: filepath.Join(sourceDir(t), "rules/runbooks"),
				RunbookTimeout: 30 * time.Second, SysfsRoot: sysfs, KernelLogCommand: []string{"echo", "kernel line"},
				HeartbeatInterval: 100 * time.Millisecond}
			env := newEnv(t, a)
			tr := Trigger{Node: "node-a", NodeType: "storage", Datacenter: "dc1", Workflow: wc.name, Rule: wc.name,
				Params: map[string]string{"dry_run": "true", "address": "0x1000"},
				Event:  map[string]json.RawMessage{"disk": json.RawMessage(`"loop0"`), "sector": json.RawMessage(`2048`)}}
			for k, v := range wc.params {
				tr.Params[k] = v
			}
			env.ExecuteWorkflow(wc.workflowType, tr)
			if err := env.GetWorkflowError(); err != nil {
				t.Fatalf("%s (%s): %v", wc.name, wc.workflowType, err)
			}
			var res struct {
				Origin
				Stdout string `json:"stdout"`
				Stderr string `json:"stderr"`
			}
			if err := env.GetWorkflowResult(&res); err != nil {
				t.Fatal(err)
			}
			if res.Node != "node-a" || res.TaskQueue != testQueue || res.WorkflowType != wc.workflowType {
				t.Errorf("origin %+v", res.Origin)
			}
			if rb, ok := wc.params["runbook"]; ok {
				if !strings.Contains(res.Stdout, rb+": ok (dry run=true, worker node-a") || !strings.Contains(res.Stderr, "would ") {
					t.Errorf("runbook %s output:\n%s\n%s", rb, res.Stdout, res.Stderr)
				}
			}
		})
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
