// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunFlags(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.hcl")
	os.WriteFile(good, []byte("node {\n  type = \"storage\"\n  datacenter = \"dc1\"\n}\n"), 0o644)
	bad := filepath.Join(dir, "bad.hcl")
	os.WriteFile(bad, []byte("runbook_timeout = \"soon\"\n"), 0o644)
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"check a valid file", []string{"--config", good, "--check"}, 0, ""},
		{"missing --config file", []string{"--config", bad + ".missing", "--check"}, 1, "no such file"},
		{"check with flags only", []string{"--config", good, "--check", "--node", "node-a", "--datacenter", "dc2"}, 0, ""},
		{"invalid file", []string{"--config", bad, "--check"}, 1, bad + `:1:19: runbook_timeout: not a duration (e.g. "10m"): "soon"`},
		{"flag override breaks a queue name", []string{"--config", good, "--check", "--node-type", "a/b"}, 1,
			good + `: node.type "a/b" must not contain '/' or spaces`},
		{"flag runbook timeout", []string{"--config", good, "--check", "--runbook-timeout", "3h"}, 1, "runbook_timeout 3h0m0s: must be within"},
		{"unknown flag", []string{"--frobnicate"}, 2, "flag provided but not defined: -frobnicate"},
		{"stray argument", []string{"--config", good, "extra"}, 2, `unexpected argument "extra"`},
		{"help", []string{"--help"}, 0, "usage: faultline-worker [--config FILE]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(c.args, &stderr)
			if code != c.code || (c.stderr != "" && !strings.Contains(stderr.String(), c.stderr)) ||
				(c.stderr == "" && stderr.Len() != 0) {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, stderr.String(), c.code, c.stderr)
			}
		})
	}
}
