// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSysfs makes a sysfs root with a soft_offline_page file (unless
// withKnob is false) and returns the root and the knob's path.
func fakeSysfs(t *testing.T, withKnob bool) (string, string) {
	t.Helper()
	root := t.TempDir()
	knob := filepath.Join(root, softOfflineFile)
	if withKnob {
		writeFile(t, knob, "")
	}
	return root, knob
}

func memActivities(root string) *Activities {
	return &Activities{Node: "node-a", SysfsRoot: root, RunbooksDir: "/nonexistent"}
}

func offline(t *testing.T, a *Activities, tr Trigger) (OfflinePageResult, error) {
	t.Helper()
	env := newEnv(t, a)
	env.ExecuteWorkflow(WorkflowOfflineMemoryPage, tr)
	var res OfflinePageResult
	if err := env.GetWorkflowError(); err != nil {
		return res, err
	}
	return res, env.GetWorkflowResult(&res)
}

func TestOfflineMemoryPageDryRun(t *testing.T) {
	root, knob := fakeSysfs(t, true)
	cases := []struct {
		name     string
		cfgDry   bool
		params   map[string]string
		event    map[string]json.RawMessage
		wantAddr string
	}{
		{"params dry_run", false, map[string]string{"dry_run": "true", "address": "0x2c3fa1234"}, nil, "0x2c3fa1234"},
		{"config dry_run wins over params", true, map[string]string{"dry_run": "false", "address": "4096"}, nil, "0x1000"},
		{"address from event, as a number", true, nil, map[string]json.RawMessage{"address": json.RawMessage(`8192`)}, "0x2000"},
		{"address from event phys_addr", true, nil, map[string]json.RawMessage{"phys_addr": json.RawMessage(`"0x3000"`)}, "0x3000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := memActivities(root)
			a.DryRun = c.cfgDry
			res, err := offline(t, a, Trigger{Node: "node-a", Params: c.params, Event: c.event})
			if err != nil {
				t.Fatal(err)
			}
			if !res.DryRun || res.Written || !res.Available || res.Address != c.wantAddr || res.Path != knob {
				t.Errorf("result %+v", res)
			}
			if !strings.HasPrefix(res.Message, "dry run: would write "+c.wantAddr+" to "+knob) {
				t.Errorf("message %q", res.Message)
			}
			if res.Node != "node-a" || res.TaskQueue != testQueue || res.WorkflowType != WorkflowOfflineMemoryPage {
				t.Errorf("origin %+v", res.Origin)
			}
			if b, _ := os.ReadFile(knob); len(b) != 0 {
				t.Errorf("dry run wrote %q", b)
			}
		})
	}
}

func TestOfflineMemoryPageDryRunWithoutKernelSupport(t *testing.T) {
	root, _ := fakeSysfs(t, false)
	res, err := offline(t, memActivities(root), Trigger{Params: map[string]string{"dry_run": "true", "address": "0x1000"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Available || !strings.Contains(res.Message, "does not exist") {
		t.Errorf("result %+v", res)
	}
}

func TestOfflineMemoryPageWrites(t *testing.T) {
	root, knob := fakeSysfs(t, true)
	res, err := offline(t, memActivities(root), Trigger{Node: "node-a", Params: map[string]string{"address": "0x2c3fa1000"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(knob)
	if string(b) != "0x2c3fa1000" {
		t.Errorf("wrote %q", b)
	}
	want := uint64(0x2c3fa1000) / uint64(os.Getpagesize())
	if !res.Written || res.DryRun || res.PFN != want {
		t.Errorf("result %+v", res)
	}
}

func TestOfflineMemoryPageErrors(t *testing.T) {
	root, knob := fakeSysfs(t, true)
	missingRoot, missingKnob := fakeSysfs(t, false)
	cases := []struct {
		name, root string
		tr         Trigger
		errType    string
		msg        string
	}{
		{"no address", root, Trigger{Node: "node-a"}, ErrBadInput, "no page address"},
		{"bad address", root, Trigger{Params: map[string]string{"address": "0xzz"}}, ErrBadInput, `address "0xzz" is not a number`},
		{"negative address", root, Trigger{Params: map[string]string{"address": "-1"}}, ErrBadInput, "is not a number"},
		{"other node", root, Trigger{Node: "node-b", Params: map[string]string{"address": "0x1000"}}, ErrWrongNode,
			"fault is on node node-b but this worker is node node-a"},
		{"kernel without soft offline", missingRoot, Trigger{Params: map[string]string{"address": "0x1000"}}, ErrSysfs,
			"writing 0x1000 to " + missingKnob},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := offline(t, memActivities(c.root), c.tr)
			ae := appErr(t, err)
			if ae.Type() != c.errType || !ae.NonRetryable() || !strings.Contains(ae.Error(), c.msg) {
				t.Errorf("error %q (type %s, nonretryable %v), want %s %q", ae.Error(), ae.Type(), ae.NonRetryable(), c.errType, c.msg)
			}
		})
	}
	if b, _ := os.ReadFile(knob); len(b) != 0 {
		t.Errorf("a failed request wrote %q", b)
	}
	if _, err := os.Stat(missingKnob); err == nil {
		t.Error("the missing sysfs file was created")
	}
}

func TestParseAddress(t *testing.T) {
	for in, want := range map[string]any{
		"0x1000": uint64(4096), "4096": uint64(4096), " 0X10 ": uint64(16),
		"": "empty address", "x": `address "x" is not a number`, "0x1ffffffffffffffff": "is not a number",
	} {
		got, err := ParseAddress(in)
		switch w := want.(type) {
		case uint64:
			if err != nil || got != w {
				t.Errorf("ParseAddress(%q) = %d, %v", in, got, err)
			}
		case string:
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("ParseAddress(%q) error %v, want %q", in, err, w)
			}
		}
	}
}
