// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Trigger is the single workflow input: the trigger the coordinator accepted,
// with the node type and datacenter it took from the signing key. Example:
//
//	{"node": "node-a", "node_type": "storage", "datacenter": "dc1",
//	 "workflow": "disk-io-error", "rule": "disk-io-error",
//	 "idempotency_key": "node-a:bpf:4b1d...:17",
//	 "params": {"runbook": "disk-io-error.sh"},
//	 "event": {"kind": "block_rq_error", "disk": "loop0", "sector": "2048"},
//	 "observed_at": "2025-11-27T03:58:00.123456Z"}
//
// Any field may be missing and unknown fields are ignored. Decoding is
// deliberately lenient (a number where a string was expected is kept as its
// text) because a workflow whose input cannot be decoded fails its workflow
// task again and again until the execution times out, which helps nobody.
type Trigger struct {
	Node           string                     `json:"node,omitempty"`
	NodeType       string                     `json:"node_type,omitempty"`
	Datacenter     string                     `json:"datacenter,omitempty"`
	Workflow       string                     `json:"workflow,omitempty"`
	Rule           string                     `json:"rule,omitempty"`
	IdempotencyKey string                     `json:"idempotency_key,omitempty"`
	Params         map[string]string          `json:"params,omitempty"`
	Event          map[string]json.RawMessage `json:"event,omitempty"`
	ObservedAt     string                     `json:"observed_at,omitempty"`
}

// UnmarshalJSON accepts any JSON object; scalars of the wrong type become
// their text, objects where a string is expected their compact JSON.
func (t *Trigger) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("trigger: not a JSON object: %w", err)
	}
	var out Trigger
	for key, dst := range map[string]*string{
		"node": &out.Node, "node_type": &out.NodeType, "datacenter": &out.Datacenter,
		"workflow": &out.Workflow, "rule": &out.Rule, "idempotency_key": &out.IdempotencyKey,
		"observed_at": &out.ObservedAt,
	} {
		if v, ok := raw[key]; ok {
			*dst = jsonText(v)
		}
	}
	if v, ok := raw["params"]; ok {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err == nil && len(m) > 0 {
			out.Params = make(map[string]string, len(m))
			for k, pv := range m {
				if !isNull(pv) {
					out.Params[k] = jsonText(pv)
				}
			}
		}
	}
	if v, ok := raw["event"]; ok {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err == nil && len(m) > 0 {
			out.Event = m
		}
	}
	*t = out
	return nil
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

// jsonText is a JSON value as a string: a string's contents, null as "",
// anything else as its compact JSON text (numbers and booleans as written).
func jsonText(v json.RawMessage) string {
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s
	}
	if isNull(v) {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return string(v)
	}
	return buf.String()
}

// Param returns params[name] or "".
func (t *Trigger) Param(name string) string { return t.Params[name] }

// EventText returns event[name] as text (see jsonText) and whether it exists.
func (t *Trigger) EventText(name string) (string, bool) {
	v, ok := t.Event[name]
	if !ok || isNull(v) {
		return "", false
	}
	return jsonText(v), true
}

// ParamBool is true for "true" or "1" and false for anything else.
func (t *Trigger) ParamBool(name string) bool {
	v := strings.TrimSpace(t.Params[name])
	return v == "true" || v == "1"
}

// Runbook environment.
//
// A runbook sees only these variables (the worker's own environment, which may
// hold a Temporal API key, is not passed on):
//
//	PATH, LANG                      a fixed safe PATH and C.UTF-8
//	FAULTLINE_NODE                  trigger node (the node with the fault)
//	FAULTLINE_NODE_TYPE             trigger node type
//	FAULTLINE_DATACENTER            trigger datacenter
//	FAULTLINE_WORKFLOW              workflow config name (e.g. disk-io-error)
//	FAULTLINE_RULE                  agent rule that fired
//	FAULTLINE_IDEMPOTENCY_KEY       trigger idempotency key
//	FAULTLINE_OBSERVED_AT           when the agent saw the fault
//	FAULTLINE_WORKER_NODE           node of the worker running the runbook
//	FAULTLINE_TASK_QUEUE            task queue the activity came from
//	FAULTLINE_WORKFLOW_ID           Temporal workflow id
//	FAULTLINE_RUN_ID                Temporal run id
//	FAULTLINE_ATTEMPT               activity attempt, from 1
//	FAULTLINE_DRY_RUN               "true" or "false"
//	FAULTLINE_PARAM_<NAME>          each params entry
//	FAULTLINE_EVENT_<NAME>          each event entry: strings as is, numbers and
//	                                booleans as written, null as "", objects and
//	                                arrays as compact JSON
//
// <NAME> is the key upper-cased with every character outside [A-Z0-9] turned
// into '_' ("error-name" -> ERROR_NAME). When two keys map to one name, the
// key that sorts last wins. Values are cut at maxEnvValueBytes and at most
// maxEnvEntries keys per map are passed; the complete fault is always on stdin.
const (
	maxEnvValueBytes = 32 << 10
	maxEnvEntries    = 256
	runbookPath      = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// EnvName maps a params or event key to the tail of a variable name.
func EnvName(key string) string {
	b := []byte(strings.ToUpper(key))
	for i, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// RunContext is what the worker adds to the trigger's own fields.
type RunContext struct {
	WorkerNode string
	TaskQueue  string
	WorkflowID string
	RunID      string
	Attempt    int32
	DryRun     bool
}

// Env builds the runbook environment described above, sorted by name.
func (t *Trigger) Env(rc RunContext) []string {
	vars := map[string]string{
		"PATH":                      runbookPath,
		"LANG":                      "C.UTF-8",
		"FAULTLINE_NODE":            t.Node,
		"FAULTLINE_NODE_TYPE":       t.NodeType,
		"FAULTLINE_DATACENTER":      t.Datacenter,
		"FAULTLINE_WORKFLOW":        t.Workflow,
		"FAULTLINE_RULE":            t.Rule,
		"FAULTLINE_IDEMPOTENCY_KEY": t.IdempotencyKey,
		"FAULTLINE_OBSERVED_AT":     t.ObservedAt,
		"FAULTLINE_WORKER_NODE":     rc.WorkerNode,
		"FAULTLINE_TASK_QUEUE":      rc.TaskQueue,
		"FAULTLINE_WORKFLOW_ID":     rc.WorkflowID,
		"FAULTLINE_RUN_ID":          rc.RunID,
		"FAULTLINE_ATTEMPT":         fmt.Sprint(rc.Attempt),
		"FAULTLINE_DRY_RUN":         fmt.Sprint(rc.DryRun),
	}
	addMapped(vars, "FAULTLINE_PARAM_", t.Params, func(v string) string { return v })
	addMapped(vars, "FAULTLINE_EVENT_", t.Event, jsonText)

	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}

func addMapped[V any](vars map[string]string, prefix string, m map[string]V, text func(V) string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "" && !strings.ContainsRune(k, 0) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > maxEnvEntries {
		keys = keys[:maxEnvEntries]
	}
	for _, k := range keys {
		v := text(m[k])
		v = strings.ReplaceAll(v, "\x00", "")
		if len(v) > maxEnvValueBytes {
			v = v[:maxEnvValueBytes]
		}
		vars[prefix+EnvName(k)] = v
	}
}
