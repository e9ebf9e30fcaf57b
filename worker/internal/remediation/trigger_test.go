// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestTriggerDecode(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want Trigger
		err  string
	}{
		{name: "empty object", in: `{}`, want: Trigger{}},
		{name: "full", in: `{"node":"node-a","node_type":"storage","datacenter":"dc1","workflow":"disk-io-error",
			"rule":"r1","idempotency_key":"k1","params":{"runbook":"x.sh"},"event":{"disk":"loop0"},
			"observed_at":"2025-01-01T00:00:00Z"}`,
			want: Trigger{Node: "node-a", NodeType: "storage", Datacenter: "dc1", Workflow: "disk-io-error",
				Rule: "r1", IdempotencyKey: "k1", Params: map[string]string{"runbook": "x.sh"},
				Event: map[string]json.RawMessage{"disk": json.RawMessage(`"loop0"`)}, ObservedAt: "2025-01-01T00:00:00Z"}},
		{name: "unknown fields ignored", in: `{"node":"n","dry_run":true,"future":{"x":1}}`, want: Trigger{Node: "n"}},
		{name: "lenient scalars", in: `{"node":17,"observed_at":1732680000.5,"params":{"count":3,"on":true,"gone":null,"obj":{"a": 1}}}`,
			want: Trigger{Node: "17", ObservedAt: "1732680000.5",
				Params: map[string]string{"count": "3", "on": "true", "obj": `{"a":1}`}}},
		{name: "params not an object", in: `{"params":"x","event":[1]}`, want: Trigger{}},
		{name: "not an object", in: `[1,2]`, err: "trigger: not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got Trigger
			err := json.Unmarshal([]byte(c.in), &got)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestTriggerRoundTrip(t *testing.T) {
	in := Trigger{Node: "n", Params: map[string]string{"a": "b"},
		Event: map[string]json.RawMessage{"sector": json.RawMessage(`2048`)}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Trigger
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: %+v != %+v", out, in)
	}
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{
		"disk": "DISK", "error-name": "ERROR_NAME", "a.b c": "A_B_C", "Sector2": "SECTOR2", "é": "__",
	} {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTriggerEnv(t *testing.T) {
	tr := Trigger{
		Node: "node-a", NodeType: "storage", Datacenter: "dc1", Workflow: "disk-io-error",
		Rule: "r1", IdempotencyKey: "k1", ObservedAt: "t0",
		Params: map[string]string{"runbook": "x.sh", "dry-run": "true"},
		Event: map[string]json.RawMessage{
			"disk": json.RawMessage(`"loop0"`), "sector": json.RawMessage(`2048`),
			"ok": json.RawMessage(`false`), "none": json.RawMessage(`null`),
			"nested": json.RawMessage(`{ "a" : [1, 2] }`),
			// Collides with "nested" once mapped: the one sorting last wins.
			"NESTED": json.RawMessage(`"upper"`),
		},
	}
	got := tr.Env(RunContext{WorkerNode: "node-b", TaskQueue: "general/dc1", WorkflowID: "wf", RunID: "run", Attempt: 2, DryRun: true})
	want := []string{
		"FAULTLINE_ATTEMPT=2",
		"FAULTLINE_DATACENTER=dc1",
		"FAULTLINE_DRY_RUN=true",
		"FAULTLINE_EVENT_DISK=loop0",
		`FAULTLINE_EVENT_NESTED={"a":[1,2]}`,
		"FAULTLINE_EVENT_NONE=",
		"FAULTLINE_EVENT_OK=false",
		"FAULTLINE_EVENT_SECTOR=2048",
		"FAULTLINE_IDEMPOTENCY_KEY=k1",
		"FAULTLINE_NODE=node-a",
		"FAULTLINE_NODE_TYPE=storage",
		"FAULTLINE_OBSERVED_AT=t0",
		"FAULTLINE_PARAM_DRY_RUN=true",
		"FAULTLINE_PARAM_RUNBOOK=x.sh",
		"FAULTLINE_RULE=r1",
		"FAULTLINE_RUN_ID=run",
		"FAULTLINE_TASK_QUEUE=general/dc1",
		"FAULTLINE_WORKER_NODE=node-b",
		"FAULTLINE_WORKFLOW=disk-io-error",
		"FAULTLINE_WORKFLOW_ID=wf",
		"LANG=C.UTF-8",
		"PATH=" + runbookPath,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("env:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTriggerEnvCaps(t *testing.T) {
	params := map[string]string{"big": strings.Repeat("x", maxEnvValueBytes+10)}
	for i := 0; i < maxEnvEntries+5; i++ {
		params[fmt.Sprintf("k%03d", i)] = "v"
	}
	env := (&Trigger{Params: params}).Env(RunContext{})
	n := 0
	for _, kv := range env {
		if strings.HasPrefix(kv, "FAULTLINE_PARAM_") {
			n++
		}
		if strings.HasPrefix(kv, "FAULTLINE_PARAM_BIG=") && len(kv) != len("FAULTLINE_PARAM_BIG=")+maxEnvValueBytes {
			t.Errorf("big value not cut to %d bytes: %d", maxEnvValueBytes, len(kv))
		}
	}
	if n != maxEnvEntries {
		t.Errorf("%d params passed, want the cap %d", n, maxEnvEntries)
	}
}

func TestTailBuffer(t *testing.T) {
	b := newTailBuffer(10)
	for _, s := range []string{"0123", "4567", "89ab", "cdef"} {
		if _, err := b.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got, trunc := b.Tail(); got != "6789abcdef" || !trunc {
		t.Errorf("tail %q %v", got, trunc)
	}
	b.Write([]byte(strings.Repeat("y", 25) + "0123456789"))
	if got, _ := b.Tail(); got != "0123456789" {
		t.Errorf("tail after a big write %q", got)
	}
	if b.Total() != 16+35 {
		t.Errorf("total %d", b.Total())
	}
	small := newTailBuffer(10)
	small.Write([]byte("abc"))
	if got, trunc := small.Tail(); got != "abc" || trunc {
		t.Errorf("small tail %q %v", got, trunc)
	}
}
