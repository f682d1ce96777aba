package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The servers' costs are read from /proc, so that they are measured from
// outside, as an operator would: CPU time from /proc/PID/stat, resident
// memory from /proc/PID/status.

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ).
// It is 100 on every Linux architecture Go supports; the standard library
// has no sysconf(_SC_CLK_TCK) to ask.
const clockTicks = 100

// cpuTime is the user plus system CPU time process pid has used.
func cpuTime(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// "pid (command) state ppid ...": the command may hold spaces and
	// parentheses, so the fields are counted from the last ')'. After it,
	// utime and stime are the 12th and 13th fields (14 and 15 in proc(5)).
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command field", pid)
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// residentKB is the resident set size (VmRSS) of process pid in KiB.
func residentKB(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		kb, _ := strings.CutSuffix(strings.TrimSpace(rest), " kB")
		return strconv.ParseInt(strings.TrimSpace(kb), 10, 64)
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// cpuMeter reads the CPU time of a few processes at the start and the end
// of a measurement.
type cpuMeter struct {
	pids  []int
	start []time.Duration
}

// startCPU reads the CPU time of pids now. A pid it cannot read counts as
// zero, so that the measurement goes on without it.
func startCPU(pids []int) *cpuMeter {
	m := &cpuMeter{pids: pids, start: make([]time.Duration, len(pids))}
	for i, pid := range pids {
		m.start[i], _ = cpuTime(pid)
	}
	return m
}

// used gives the CPU time each process used since startCPU.
func (m *cpuMeter) used() []time.Duration {
	used := make([]time.Duration, len(m.pids))
	for i, pid := range m.pids {
		now, err := cpuTime(pid)
		if err == nil {
			used[i] = now - m.start[i]
		}
	}
	return used
}

// raiseFileLimit lifts this process's open-file limit to its hard limit
// and gives the limit now in force. Calling Setrlimit also tells the Go
// runtime not to restore the original limit in child processes, so the
// servers started after it inherit the raised one.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	return lim.Cur, nil
}

// hostTime is this machine's CPU time, in clock ticks of all its CPUs: all
// of it, and the part a hypervisor gave to its other guests instead
// (steal). The first line of /proc/stat: "cpu user nice system idle iowait
// irq softirq steal guest guest_nice"; guest time is within user's.
type hostTime struct{ total, steal int64 }

func readHostTime() (hostTime, error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return hostTime{}, err
	}
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 9 || fields[0] != "cpu" {
		return hostTime{}, fmt.Errorf("/proc/stat: %q is no cpu line", line)
	}
	var h hostTime
	for i, f := range fields[1:9] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return hostTime{}, fmt.Errorf("/proc/stat: %w", err)
		}
		h.total += n
		if i == 7 {
			h.steal = n
		}
	}
	return h, nil
}

// hostMeter measures the host's CPU time over a window.
type hostMeter struct {
	start hostTime
	ok    bool
}

func startHost() hostMeter {
	h, err := readHostTime()
	return hostMeter{h, err == nil}
}

// used is the host's CPU time since the start, zero when unknown.
func (m hostMeter) used() hostTime {
	end, err := readHostTime()
	if !m.ok || err != nil {
		return hostTime{}
	}
	return hostTime{end.total - m.start.total, end.steal - m.start.steal}
}
