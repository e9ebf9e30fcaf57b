// SPDX-License-Identifier: Apache-2.0

package remediation

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"go.temporal.io/sdk/temporal"
)

// softOfflineFile is the kernel's soft-offline knob (CONFIG_MEMORY_FAILURE),
// relative to the sysfs root. Writing a physical address migrates the page's
// contents away and retires the page; it never kills a process, which is why
// it is safe to automate (hard offlining is not).
const softOfflineFile = "devices/system/memory/soft_offline_page"

// addressKeys are where the page address is looked up, in order: an explicit
// params.address, then the event fields the agent's memory sources fill in.
var addressKeys = []struct {
	params bool
	key    string
}{{true, "address"}, {false, "address"}, {false, "phys_addr"}, {false, "page_address"}}

// OfflinePageResult is the output of SoftOfflinePage and of the
// OfflineMemoryPage workflow.
type OfflinePageResult struct {
	Origin
	// Address is the physical address as written, e.g. "0x2c3fa1000".
	Address string `json:"address"`
	// PFN is the page frame number (address / page size).
	PFN uint64 `json:"pfn"`
	// Path is the sysfs file written (or that would be written).
	Path string `json:"path"`
	// DryRun: nothing was written.
	DryRun bool `json:"dry_run"`
	// Available: the sysfs file exists (the kernel supports soft offlining).
	Available bool `json:"available"`
	// Written: the kernel accepted the write.
	Written bool   `json:"written"`
	Message string `json:"message"`
}

// ParseAddress reads a physical address in decimal or 0x-hex.
func ParseAddress(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty address")
	}
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("address %q is not a number (decimal or 0x-hex)", s)
	}
	return v, nil
}

func pageAddress(t *Trigger) (string, error) {
	for _, k := range addressKeys {
		var v string
		var ok bool
		if k.params {
			v, ok = t.Params[k.key]
		} else {
			v, ok = t.EventText(k.key)
		}
		if ok && strings.TrimSpace(v) != "" {
			return v, nil
		}
	}
	return "", errors.New("no page address (params.address, event.address or event.phys_addr)")
}

// SoftOfflinePage soft-offlines the page holding the trigger's physical
// address by writing it to <sysfs>/devices/system/memory/soft_offline_page.
// With a dry run it only reports what it would write and whether the kernel
// offers the file. It refuses faults on other nodes (WrongNode).
//
// Errors: BadInput (no or bad address), WrongNode, SysfsRejected (file
// missing, EINVAL, EPERM...: retrying cannot help), SysfsBusy (EBUSY, EIO,
// EAGAIN...: retried by policy).
func (a *Activities) SoftOfflinePage(ctx context.Context, t Trigger) (OfflinePageResult, error) {
	res := OfflinePageResult{
		Origin: a.origin(ctx, &t),
		Path:   filepath.Join(a.SysfsRoot, softOfflineFile),
		DryRun: a.dryRun(&t),
	}
	err := a.softOffline(&t, &res)
	res.finish()
	return res, err
}

func (a *Activities) softOffline(t *Trigger, res *OfflinePageResult) error {
	if err := a.checkLocal(t); err != nil {
		return err
	}
	text, err := pageAddress(t)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrBadInput, nil)
	}
	addr, err := ParseAddress(text)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrBadInput, nil)
	}
	res.Address = fmt.Sprintf("%#x", addr)
	res.PFN = addr / uint64(os.Getpagesize())
	_, statErr := os.Stat(res.Path)
	res.Available = statErr == nil

	if res.DryRun {
		if res.Available {
			res.Message = fmt.Sprintf("dry run: would write %s to %s (pfn %#x)", res.Address, res.Path, res.PFN)
		} else {
			res.Message = fmt.Sprintf("dry run: would write %s to %s, but it does not exist (kernel without CONFIG_MEMORY_FAILURE?)", res.Address, res.Path)
		}
		return nil
	}
	if err := writeSysfs(res.Path, res.Address); err != nil {
		return err
	}
	res.Written = true
	res.Message = fmt.Sprintf("soft-offlined page %#x (pfn %#x) via %s", addr, res.PFN, res.Path)
	return nil
}

// writeSysfs writes value to an existing sysfs attribute in one write(2),
// as sysfs expects, and classifies the kernel's answer.
func writeSysfs(path, value string) error {
	// No O_CREATE: a missing attribute means the kernel lacks the feature,
	// and creating a plain file there would hide that.
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err == nil {
		_, err = f.Write([]byte(value))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf("writing %s to %s: %v", value, path, err)
	switch {
	case errors.Is(err, syscall.EBUSY), errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EIO),
		errors.Is(err, syscall.ENOMEM), errors.Is(err, syscall.EINTR):
		return temporal.NewApplicationError(msg, ErrSysfsBusy)
	default:
		return temporal.NewNonRetryableApplicationError(msg, ErrSysfs, nil)
	}
}
