// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Caps on what one diagnostics run reads, so a machine with odd sysfs (or a
// fake tree in a test) cannot blow up a Temporal payload.
const (
	kernelLogTimeout  = 15 * time.Second
	maxAttrBytes      = 4096
	maxControllers    = 64
	maxDimmsPerMC     = 256
	maxThermalZones   = 64
	maxDiagnosticErrs = 32
)

// blockStatFields names the columns of /sys/block/<disk>/stat
// (Documentation/block/stat.rst); older kernels print fewer.
var blockStatFields = []string{
	"read_ios", "read_merges", "read_sectors", "read_ticks_ms",
	"write_ios", "write_merges", "write_sectors", "write_ticks_ms",
	"in_flight", "io_ticks_ms", "time_in_queue_ms",
	"discard_ios", "discard_merges", "discard_sectors", "discard_ticks_ms",
	"flush_ios", "flush_ticks_ms",
}

var edacCounterFiles = []string{"ce_count", "ue_count", "ce_noinfo_count", "ue_noinfo_count", "size_mb"}

var majMinRe = regexp.MustCompile(`^[0-9]+:[0-9]+$`)

// DiagnosticsResult is the output of GatherDiagnostics and of the
// CollectDiagnostics workflow. Collection is best effort: a part that cannot
// be read is listed in Errors and the rest is still returned.
type DiagnosticsResult struct {
	Origin
	// KernelLog is the tail of kernel_log_command's output.
	KernelLog          string `json:"kernel_log"`
	KernelLogTruncated bool   `json:"kernel_log_truncated,omitempty"`
	// EDAC lists memory controllers under <sysfs>/devices/system/edac/mc.
	EDAC []EDACController `json:"edac"`
	// Disk is the block device named by the trigger, if any.
	Disk *DiskStat `json:"disk,omitempty"`
	// Thermal lists <sysfs>/class/thermal/thermal_zone*.
	Thermal []ThermalZone `json:"thermal"`
	Errors  []string      `json:"errors,omitempty"`
}

// EDACController is one mcN directory.
type EDACController struct {
	Name   string `json:"name"`
	MCName string `json:"mc_name,omitempty"`
	// Counters holds ce_count, ue_count, ce_noinfo_count, ue_noinfo_count,
	// size_mb, where present.
	Counters map[string]uint64 `json:"counters"`
	DIMMs    []EDACDimm        `json:"dimms,omitempty"`
}

// EDACDimm is one dimmN (or rankN) directory of a controller.
type EDACDimm struct {
	Name     string `json:"name"`
	Label    string `json:"label,omitempty"`
	Location string `json:"location,omitempty"`
	// Counters holds dimm_ce_count and dimm_ue_count, where present.
	Counters map[string]uint64 `json:"counters"`
}

// DiskStat is a block device's counters.
type DiskStat struct {
	Name string `json:"name"`
	// Dev is "major:minor".
	Dev string `json:"dev,omitempty"`
	// Stat maps blockStatFields names to values.
	Stat map[string]uint64 `json:"stat"`
	// IOErrCount is the SCSI device's ioerr_cnt, when it has one.
	IOErrCount *uint64 `json:"ioerr_cnt,omitempty"`
}

// ThermalZone is one thermal_zoneN directory.
type ThermalZone struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	// TempMilliC is the temperature in millidegrees Celsius.
	TempMilliC *int64 `json:"temp_millicelsius,omitempty"`
}

type diagErrors []string

func (e *diagErrors) add(format string, args ...any) {
	if len(*e) < maxDiagnosticErrs {
		*e = append(*e, fmt.Sprintf(format, args...))
	}
}

// GatherDiagnostics collects a kernel log excerpt, EDAC counters, the
// counters of the trigger's disk (params.disk, event.disk, event.device or
// event.dev as "major:minor") and thermal zones. It fails only when the
// activity is cancelled; everything else is reported in Errors.
func (a *Activities) GatherDiagnostics(ctx context.Context, t Trigger) (DiagnosticsResult, error) {
	res := DiagnosticsResult{Origin: a.origin(ctx, &t), EDAC: []EDACController{}, Thermal: []ThermalZone{}}
	var errs diagErrors
	res.KernelLog, res.KernelLogTruncated = a.kernelLog(ctx, &errs)
	res.EDAC = a.edac(&errs)
	if disk := diskName(&t); disk != "" {
		res.Disk = a.diskStat(disk, &errs)
	}
	res.Thermal = a.thermal(&errs)
	res.Errors = errs
	res.finish()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

func (a *Activities) kernelLog(ctx context.Context, errs *diagErrors) (string, bool) {
	if len(a.KernelLogCommand) == 0 {
		errs.add("kernel log: no kernel_log_command configured")
		return "", false
	}
	cctx, cancel := context.WithTimeout(ctx, kernelLogTimeout)
	defer cancel()
	out, stderr := newTailBuffer(a.OutputLimit), newTailBuffer(4096)
	cmd := exec.CommandContext(cctx, a.KernelLogCommand[0], a.KernelLogCommand[1:]...)
	cmd.Env = []string{"PATH=" + runbookPath, "LANG=C.UTF-8"}
	cmd.Stdout, cmd.Stderr = out, stderr
	cmd.WaitDelay = killGrace
	if err := cmd.Run(); err != nil {
		msg, _ := stderr.Tail()
		errs.add("kernel log: %s: %v %s", strings.Join(a.KernelLogCommand, " "), err, lastLine(msg))
	}
	return out.Tail()
}

// readAttr reads a small sysfs attribute, trimmed.
func readAttr(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxAttrBytes))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// readCounters reads the named files of dir that exist and hold numbers
// (decimal or 0x-hex, as ioerr_cnt is).
func readCounters(dir string, names []string, errs *diagErrors) map[string]uint64 {
	m := map[string]uint64{}
	for _, n := range names {
		s, err := readAttr(filepath.Join(dir, n))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs.add("%s: %v", filepath.Join(dir, n), err)
			continue
		}
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			errs.add("%s: not a number: %q", filepath.Join(dir, n), s)
			continue
		}
		m[n] = v
	}
	return m
}

// globSorted lists dir entries matching re in natural order (mc2 before mc10).
func globSorted(dir string, re *regexp.Regexp, limit int, errs *diagErrors) []string {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		errs.add("%s: %v", dir, err)
		return nil
	}
	var names []string
	for _, e := range ents {
		if re.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) < len(names[j])
		}
		return names[i] < names[j]
	})
	if len(names) > limit {
		errs.add("%s: %d entries, only the first %d read", dir, len(names), limit)
		names = names[:limit]
	}
	return names
}

var (
	mcRe      = regexp.MustCompile(`^mc[0-9]+$`)
	dimmRe    = regexp.MustCompile(`^(dimm|rank)[0-9]+$`)
	thermalRe = regexp.MustCompile(`^thermal_zone[0-9]+$`)
)

func (a *Activities) edac(errs *diagErrors) []EDACController {
	root := filepath.Join(a.SysfsRoot, "devices/system/edac/mc")
	out := []EDACController{}
	for _, mc := range globSorted(root, mcRe, maxControllers, errs) {
		dir := filepath.Join(root, mc)
		c := EDACController{Name: mc, Counters: readCounters(dir, edacCounterFiles, errs)}
		c.MCName, _ = readAttr(filepath.Join(dir, "mc_name"))
		for _, d := range globSorted(dir, dimmRe, maxDimmsPerMC, errs) {
			ddir := filepath.Join(dir, d)
			dimm := EDACDimm{Name: d, Counters: readCounters(ddir, []string{"dimm_ce_count", "dimm_ue_count"}, errs)}
			dimm.Label, _ = readAttr(filepath.Join(ddir, "dimm_label"))
			dimm.Location, _ = readAttr(filepath.Join(ddir, "dimm_location"))
			c.DIMMs = append(c.DIMMs, dimm)
		}
		out = append(out, c)
	}
	return out
}

// diskName finds the trigger's block device name, "" if it names none.
func diskName(t *Trigger) string {
	if v := t.Param("disk"); v != "" {
		return v
	}
	for _, k := range []string{"disk", "device", "dev"} {
		if v, ok := t.EventText(k); ok && v != "" {
			return v
		}
	}
	return ""
}

func (a *Activities) diskStat(disk string, errs *diagErrors) *DiskStat {
	name := strings.TrimPrefix(disk, "/dev/")
	if majMinRe.MatchString(name) {
		link, err := os.Readlink(filepath.Join(a.SysfsRoot, "dev/block", name))
		if err != nil {
			errs.add("disk %s: %v", disk, err)
			return nil
		}
		name = filepath.Base(link)
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		errs.add("disk %q: not a block device name", disk)
		return nil
	}
	dir := filepath.Join(a.SysfsRoot, "class/block", name)
	ds := &DiskStat{Name: name, Stat: map[string]uint64{}}
	ds.Dev, _ = readAttr(filepath.Join(dir, "dev"))
	stat, err := readAttr(filepath.Join(dir, "stat"))
	if err != nil {
		errs.add("disk %s: %v", name, err)
		return ds
	}
	for i, f := range strings.Fields(stat) {
		if i >= len(blockStatFields) {
			break
		}
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			errs.add("disk %s: stat column %d not a number: %q", name, i+1, f)
			break
		}
		ds.Stat[blockStatFields[i]] = v
	}
	if c := readCounters(filepath.Join(dir, "device"), []string{"ioerr_cnt"}, errs); len(c) == 1 {
		v := c["ioerr_cnt"]
		ds.IOErrCount = &v
	}
	return ds
}

func (a *Activities) thermal(errs *diagErrors) []ThermalZone {
	root := filepath.Join(a.SysfsRoot, "class/thermal")
	out := []ThermalZone{}
	for _, z := range globSorted(root, thermalRe, maxThermalZones, errs) {
		dir := filepath.Join(root, z)
		tz := ThermalZone{Name: z}
		tz.Type, _ = readAttr(filepath.Join(dir, "type"))
		// Reading temp fails with EIO/ENODATA on zones whose sensor is off;
		// that is a fact about the zone, not a collection error.
		if s, err := readAttr(filepath.Join(dir, "temp")); err == nil {
			if v, err := strconv.ParseInt(s, 10, 64); err == nil {
				tz.TempMilliC = &v
			}
		}
		out = append(out, tz)
	}
	return out
}
