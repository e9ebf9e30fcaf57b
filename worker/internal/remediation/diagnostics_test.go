// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// diagSysfs builds a fake sysfs with two memory controllers (mc10 sorts
// after mc2), a loop disk reachable by name and by major:minor, a SCSI disk
// with ioerr_cnt and two thermal zones, one of them without a readable temp.
func diagSysfs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mc := filepath.Join(root, "devices/system/edac/mc")
	writeFile(t, filepath.Join(mc, "mc2/mc_name"), "Skylake Socket#0 IMC#0\n")
	writeFile(t, filepath.Join(mc, "mc2/ce_count"), "7\n")
	writeFile(t, filepath.Join(mc, "mc2/ue_count"), "1\n")
	writeFile(t, filepath.Join(mc, "mc2/size_mb"), "32768\n")
	writeFile(t, filepath.Join(mc, "mc2/dimm0/dimm_label"), "CPU_SrcID#0_MC#0_Chan#0_DIMM#0\n")
	writeFile(t, filepath.Join(mc, "mc2/dimm0/dimm_location"), "channel 0 slot 0\n")
	writeFile(t, filepath.Join(mc, "mc2/dimm0/dimm_ce_count"), "7\n")
	writeFile(t, filepath.Join(mc, "mc2/dimm0/dimm_ue_count"), "1\n")
	writeFile(t, filepath.Join(mc, "mc10/ce_count"), "0\n")
	writeFile(t, filepath.Join(mc, "mc10/ue_count"), "garbage\n")
	writeFile(t, filepath.Join(mc, "power/control"), "auto\n") // not a controller

	writeFile(t, filepath.Join(root, "class/block/loop0/stat"),
		"     120        0     2048       33        0        0        0        0        0       40       33        0        0        0        0        0        0\n")
	writeFile(t, filepath.Join(root, "class/block/loop0/dev"), "7:0\n")
	if err := os.MkdirAll(filepath.Join(root, "dev/block"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../devices/virtual/block/loop0", filepath.Join(root, "dev/block/7:0")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "class/block/sda/stat"), "1 2 3 4 5 6 7 8 9 10 11\n")
	writeFile(t, filepath.Join(root, "class/block/sda/device/ioerr_cnt"), "0x1f\n")

	writeFile(t, filepath.Join(root, "class/thermal/thermal_zone0/type"), "x86_pkg_temp\n")
	writeFile(t, filepath.Join(root, "class/thermal/thermal_zone0/temp"), "87000\n")
	writeFile(t, filepath.Join(root, "class/thermal/thermal_zone1/type"), "acpitz\n")
	writeFile(t, filepath.Join(root, "class/thermal/cooling_device0/type"), "Processor\n")
	return root
}

func diagnose(t *testing.T, a *Activities, tr Trigger) DiagnosticsResult {
	t.Helper()
	env := newEnv(t, a)
	env.ExecuteWorkflow(WorkflowCollectDiagnostics, tr)
	var res DiagnosticsResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func u64(v uint64) *uint64 { return &v }
func i64(v int64) *int64   { return &v }

func TestCollectDiagnostics(t *testing.T) {
	root := diagSysfs(t)
	a := &Activities{Node: "node-a", SysfsRoot: root,
		KernelLogCommand: []string{"sh", "-c", "echo 'kernel: I/O error, dev loop0, sector 2048'; echo 'kernel: EDAC MC0: 1 CE'"}}
	res := diagnose(t, a, Trigger{Node: "node-a", Event: map[string]json.RawMessage{"dev": json.RawMessage(`"7:0"`)}})

	if res.Node != "node-a" || res.TaskQueue != testQueue || res.WorkflowType != WorkflowCollectDiagnostics {
		t.Errorf("origin %+v", res.Origin)
	}
	if res.KernelLog != "kernel: I/O error, dev loop0, sector 2048\nkernel: EDAC MC0: 1 CE\n" || res.KernelLogTruncated {
		t.Errorf("kernel log %q", res.KernelLog)
	}
	wantEDAC := []EDACController{
		{Name: "mc2", MCName: "Skylake Socket#0 IMC#0",
			Counters: map[string]uint64{"ce_count": 7, "ue_count": 1, "size_mb": 32768},
			DIMMs: []EDACDimm{{Name: "dimm0", Label: "CPU_SrcID#0_MC#0_Chan#0_DIMM#0", Location: "channel 0 slot 0",
				Counters: map[string]uint64{"dimm_ce_count": 7, "dimm_ue_count": 1}}}},
		{Name: "mc10", Counters: map[string]uint64{"ce_count": 0}},
	}
	if !reflect.DeepEqual(res.EDAC, wantEDAC) {
		t.Errorf("edac %+v", res.EDAC)
	}
	if res.Disk == nil || res.Disk.Name != "loop0" || res.Disk.Dev != "7:0" || res.Disk.IOErrCount != nil ||
		len(res.Disk.Stat) != len(blockStatFields) || res.Disk.Stat["read_ios"] != 120 ||
		res.Disk.Stat["read_sectors"] != 2048 || res.Disk.Stat["io_ticks_ms"] != 40 {
		t.Errorf("disk %+v", res.Disk)
	}
	wantThermal := []ThermalZone{{Name: "thermal_zone0", Type: "x86_pkg_temp", TempMilliC: i64(87000)}, {Name: "thermal_zone1", Type: "acpitz"}}
	if !reflect.DeepEqual(res.Thermal, wantThermal) {
		t.Errorf("thermal %+v", res.Thermal)
	}
	wantErrs := []string{filepath.Join(root, "devices/system/edac/mc/mc10/ue_count") + `: not a number: "garbage"`}
	if !reflect.DeepEqual(res.Errors, wantErrs) {
		t.Errorf("errors %q", res.Errors)
	}
}

func TestCollectDiagnosticsDiskSources(t *testing.T) {
	root := diagSysfs(t)
	cases := []struct {
		name string
		tr   Trigger
		want *DiskStat
		errs []string
	}{
		{"params.disk with /dev/ and an old stat", Trigger{Params: map[string]string{"disk": "/dev/sda"}},
			&DiskStat{Name: "sda", Stat: map[string]uint64{"read_ios": 1, "read_merges": 2, "read_sectors": 3, "read_ticks_ms": 4,
				"write_ios": 5, "write_merges": 6, "write_sectors": 7, "write_ticks_ms": 8, "in_flight": 9, "io_ticks_ms": 10,
				"time_in_queue_ms": 11}, IOErrCount: u64(31)}, nil},
		{"no disk", Trigger{}, nil, nil},
		{"unknown disk", Trigger{Event: map[string]json.RawMessage{"disk": json.RawMessage(`"nvme9n1"`)}},
			&DiskStat{Name: "nvme9n1", Stat: map[string]uint64{}},
			[]string{"disk nvme9n1: open " + filepath.Join(root, "class/block/nvme9n1/stat") + ": no such file or directory"}},
		{"path escape", Trigger{Event: map[string]json.RawMessage{"disk": json.RawMessage(`"../../etc"`)}}, nil,
			[]string{`disk "../../etc": not a block device name`}},
		{"unknown major:minor", Trigger{Event: map[string]json.RawMessage{"dev": json.RawMessage(`"8:99"`)}}, nil,
			[]string{"disk 8:99: readlink " + filepath.Join(root, "dev/block/8:99") + ": no such file or directory"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := &Activities{Node: "node-a", SysfsRoot: root, KernelLogCommand: []string{"true"}}
			res := diagnose(t, a, c.tr)
			if !reflect.DeepEqual(res.Disk, c.want) {
				t.Errorf("disk %+v, want %+v", res.Disk, c.want)
			}
			// EDAC is read before the disk; its mc10 error is always there.
			want := append([]string{filepath.Join(root, "devices/system/edac/mc/mc10/ue_count") + `: not a number: "garbage"`}, c.errs...)
			if !reflect.DeepEqual(res.Errors, want) {
				t.Errorf("errors %q, want %q", res.Errors, want)
			}
		})
	}
}

func TestCollectDiagnosticsEmptyMachine(t *testing.T) {
	// No EDAC driver, no thermal zones, a failing kernel log command: still a
	// result, with the failure listed.
	a := &Activities{Node: "node-b", SysfsRoot: t.TempDir(), KernelLogCommand: []string{"sh", "-c", "echo partial; echo 'no journal' >&2; exit 1"}}
	res := diagnose(t, a, Trigger{Node: "node-b"})
	if res.Node != "node-b" || len(res.EDAC) != 0 || len(res.Thermal) != 0 || res.Disk != nil || res.KernelLog != "partial\n" {
		t.Errorf("result %+v", res)
	}
	if len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0], "kernel log: sh -c") || !strings.HasSuffix(res.Errors[0], "exit status 1 no journal") {
		t.Errorf("errors %q", res.Errors)
	}
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"edac":[]`) || !strings.Contains(string(b), `"thermal":[]`) {
		t.Errorf("empty lists must stay lists in JSON: %s", b)
	}
}
