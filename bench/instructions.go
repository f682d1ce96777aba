package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Instructions per call (-instructions). On a shared 2-core machine the
// answers per second of one server move by a tenth from one minute to the
// next; the instructions the example executes per call move by about a
// percent, the echo's (a short call, beside the Go runtime's background
// work, which is counted too) by up to several percent. So a change of the
// hot path too small to show in the timed table shows in the example's
// count; its ratio to the echo's moves with the echo's. Each server
// runs under valgrind's callgrind, with GOMAXPROCS=1 (callgrind runs one
// thread at a time anyway) and GODEBUG=asyncpreemptoff=1 (callgrind 3.19
// fails on the signals of the runtime's preemption). Its counters are
// zeroed after the warm-up and dumped after the window; the count is
// divided by the answers of the window. A server under callgrind is some
// fifty times slower than without it: its answers per second mean nothing.

// callgrindTools are the programs -instructions needs, from the Debian
// package valgrind.
var callgrindTools = []string{"valgrind", "callgrind_control"}

// underCallgrind is command run under callgrind, its dumps in outFile.N.
func underCallgrind(outFile string, command []string) []string {
	return append([]string{"env", "GODEBUG=asyncpreemptoff=1", "GOMAXPROCS=1",
		"valgrind", "--tool=callgrind", "--callgrind-out-file=" + outFile}, command...)
}

// callgrindProbe zeroes and dumps the counters of a process under
// callgrind (env execs valgrind, which keeps the pid).
type callgrindProbe struct {
	pid     int
	outFile string
	dumps   int // dumps asked for so far: outFile.1, outFile.2, ...
}

// instructionMeter counts a probed process's instructions from
// startInstructions to used.
type instructionMeter struct {
	p      *callgrindProbe
	zeroed bool
}

func startInstructions(p *callgrindProbe) *instructionMeter {
	if p == nil {
		return nil
	}
	return &instructionMeter{p: p, zeroed: callgrindControl(p.pid, "-z") == nil}
}

// used is the instructions executed since startInstructions, -1 when
// unknown.
func (m *instructionMeter) used() int64 {
	if m == nil || !m.zeroed {
		return -1
	}
	n, err := m.p.dump()
	if err != nil {
		return -1
	}
	return n
}

// callgrindControl sends command to the process. callgrind_control exits
// 0 even when it finds no such process: only its "OK." tells success.
func callgrindControl(pid int, command string) error {
	out, err := exec.Command("callgrind_control", command, strconv.Itoa(pid)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK.") {
		return fmt.Errorf("callgrind_control %s %d: %v: %s", command, pid, err, out)
	}
	return nil
}

// dump has the process write its counters and returns the instructions
// they count, once the dump is there.
func (p *callgrindProbe) dump() (int64, error) {
	if err := callgrindControl(p.pid, "-d"); err != nil {
		return 0, err
	}
	p.dumps++
	path := fmt.Sprintf("%s.%d", p.outFile, p.dumps)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := readSummary(path)
		if err == nil || time.Now().After(deadline) {
			return n, err
		}
	}
}

// readSummary reads the instruction count a callgrind dump gives in its
// header ("summary: N").
func readSummary(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "summary:"); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no summary line", path)
}

// runInstructions is the -instructions mode: the echo and the example
// under callgrind, each of -shapes (WS 1x1 and HTTP 1x1 unless named)
// measured once per target.
func runInstructions(ctx context.Context, o *options, stdout, progress io.Writer) error {
	for _, tool := range callgrindTools {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("-instructions needs %s (Debian package valgrind)", tool)
		}
	}
	dir, err := workDir(o)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	targets, err := startCallgrindTargets(ctx, dir, [][]string{
		{"echo", "raw echo", self, "serve-echo"},
		{"example", "example", o.exampleBin, "-layer", "memory://"},
	})
	if err != nil {
		return err
	}
	defer stopAll(targets)
	var rows [][]shapeResult
	for _, sh := range o.shapes {
		var row []shapeResult
		for _, t := range targets {
			fmt.Fprintf(progress, "%s under callgrind: %s\n", sh.name, t.label)
			row = append(row, runShape(ctx, sh, t, nil, o.warmup, o.duration))
		}
		rows = append(rows, row)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	writeInstructions(stdout, targets, o, rows)
	return nil
}

// startCallgrindTargets starts each target (name, label, command line)
// under callgrind.
func startCallgrindTargets(ctx context.Context, dir string, specs [][]string) ([]*target, error) {
	var targets []*target
	for _, spec := range specs {
		out := filepath.Join(dir, spec[0]+".callgrind")
		t, err := startTarget(ctx, dir, spec[0], spec[1], underCallgrind(out, spec[2:]))
		if err != nil {
			stopAll(targets)
			return nil, err
		}
		t.callgrind = &callgrindProbe{pid: t.server().pid(), outFile: out}
		targets = append(targets, t)
	}
	return targets, nil
}

// writeInstructions prints each shape's instructions per call, and the
// other targets' ratio to the first's.
func writeInstructions(w io.Writer, targets []*target, o *options, rows [][]shapeResult) {
	fmt.Fprintf(w, "Instructions per call, counted by callgrind (GOMAXPROCS=1), %s, %s\n",
		time.Now().UTC().Format("2006-01-02"), machineLine())
	fmt.Fprintf(w, "example %s; warm-up %v, window %v\n\n", binaryCommit(o.exampleBin), o.warmup, o.duration)
	fmt.Fprintf(w, "%-10s", "shape")
	for _, t := range targets {
		fmt.Fprintf(w, " | %-24s", t.label)
	}
	fmt.Fprintln(w)
	for i, sh := range o.shapes {
		fmt.Fprintf(w, "%-10s", sh.name)
		base, baseOK := rows[i][0].instructionsPerCall()
		for j, r := range rows[i] {
			per, ok := r.instructionsPerCall()
			cell := "unknown"
			if ok {
				cell = fmt.Sprintf("%.0f (%d calls)", per, r.answers)
				if j > 0 && baseOK {
					cell = fmt.Sprintf("%.0f %.2fx (%d calls)", per, per/base, r.answers)
				}
			}
			fmt.Fprintf(w, " | %-24s", cell)
		}
		fmt.Fprintln(w)
	}
}
