package main

import (
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
		"valgrind", "--tool=callgrind", "--dump-instr=yes", "--callgrind-out-file=" + outFile}, command...)
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
// unknown, and the executions of each instruction address (nil when
// unknown).
func (m *instructionMeter) used() (int64, codeCounts) {
	if m == nil || !m.zeroed {
		return -1, nil
	}
	n, code, err := m.p.dump()
	if err != nil {
		return -1, nil
	}
	return n, code
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

// dump has the process write its counters and returns what they count,
// once the dump is there.
func (p *callgrindProbe) dump() (int64, codeCounts, error) {
	if err := callgrindControl(p.pid, "-d"); err != nil {
		return 0, nil, err
	}
	p.dumps++
	path := fmt.Sprintf("%s.%d", p.outFile, p.dumps)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, code, err := readDump(path)
		if err == nil || time.Now().After(deadline) {
			return n, code, err
		}
	}
}

// runInstructions is the -instructions mode: the echo, the example and,
// with -pipeline, the pipeline under callgrind, each of -shapes (WS 1x1
// and HTTP 1x1 unless named) measured once per target.
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
	specs := [][]string{
		{"echo", "raw echo", self, "serve-echo"},
		{"example", "example", o.exampleBin, "-layer", "memory://"},
	}
	if o.pipeline {
		specs = append(specs, []string{"pipeline", "pipeline", self, "serve-pipeline"})
	}
	targets, err := startCallgrindTargets(ctx, dir, specs)
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

// writeInstructions prints each shape's instructions and lines of code
// per call, with the other targets' ratios to the first's.
func writeInstructions(w io.Writer, targets []*target, o *options, rows [][]shapeResult) {
	fmt.Fprintf(w, "Instructions and lines of code per call, counted by callgrind (GOMAXPROCS=1), %s, %s\n",
		time.Now().UTC().Format("2006-01-02"), machineLine())
	fmt.Fprintf(w, "example %s; warm-up %v, window %v; lines: the %d-byte lines of code run %.1f times a call or more\n\n",
		binaryCommit(o.exampleBin), o.warmup, o.duration, codeLine, hotShare)
	fmt.Fprintf(w, "%-10s", "shape")
	for _, t := range targets {
		fmt.Fprintf(w, " | %-36s", t.label+": instructions, lines, calls")
	}
	fmt.Fprintln(w)
	for i, sh := range o.shapes {
		fmt.Fprintf(w, "%-10s", sh.name)
		for j, r := range rows[i] {
			fmt.Fprintf(w, " | %-36s", instructionsCell(r, rows[i][0], j == 0))
		}
		fmt.Fprintln(w)
	}
}

// instructionsCell is r's instructions and lines per call, each with its
// ratio to base's unless r is the base.
func instructionsCell(r, base shapeResult, isBase bool) string {
	ratio := func(v, b float64, bOK bool) string {
		if isBase || !bOK || b == 0 {
			return ""
		}
		return fmt.Sprintf(" %.2fx", v/b)
	}
	cell := "unknown"
	if per, ok := r.instructionsPerCall(); ok {
		b, bOK := base.instructionsPerCall()
		cell = fmt.Sprintf("%.0f%s", per, ratio(per, b, bOK))
	}
	if lines, ok := r.codeLinesPerCall(); ok {
		b, bOK := base.codeLinesPerCall()
		cell += fmt.Sprintf(", %d%s", lines, ratio(float64(lines), float64(b), bOK))
	}
	return fmt.Sprintf("%s, %d", cell, r.answers)
}
