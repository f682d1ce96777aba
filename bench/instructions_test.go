package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadDump reads a dump of callgrind --dump-instr=yes: its summary,
// and each address's executions from cost lines whose positions are
// absolute (hex or decimal), relative or repeated, leaving out what a
// call cost its caller.
func TestReadDump(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "x.callgrind.1")
	text := `# callgrind format
version: 1
cmd:  /tmp/example -addr 127.0.0.1:1
positions: instr line
events: Ir
summary: 391036203

ob=(1) /tmp/example
fl=(1) /work/main/x.go
fn=(1) main.f
0x401000 10 5
+4 * 5
+3 11 2
cfn=(2) main.g
calls=5 0x402000 20
* * 900
-7 10 1
fn=(2)
4202496 20 7
totals: 391036203
`
	if err := os.WriteFile(dump, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	total, code, err := readDump(dump)
	if err != nil || total != 391036203 {
		t.Fatalf("readDump = %d, %v; want 391036203", total, err)
	}
	want := codeCounts{0x401000: 6, 0x401004: 5, 0x401007: 2, 0x402000: 7}
	if !maps.Equal(code, want) {
		t.Errorf("executions %v, want %v", code, want)
	}
	partial := filepath.Join(dir, "x.callgrind.2")
	os.WriteFile(partial, []byte(strings.TrimSuffix(text, "totals: 391036203\n")), 0o644)
	if _, _, err := readDump(partial); err == nil || !strings.Contains(err.Error(), "no totals") {
		t.Errorf("a dump without its totals gives %v", err)
	}
	bad := filepath.Join(dir, "y")
	os.WriteFile(bad, []byte("events: Ir\n"), 0o644)
	if _, _, err := readDump(bad); err == nil || !strings.Contains(err.Error(), "no summary") {
		t.Errorf("a dump without a summary gives %v", err)
	}
}

// TestLinesRunBy counts the 64-byte lines whose instructions ran at least
// 0.9 times per call.
func TestLinesRunBy(t *testing.T) {
	code := codeCounts{
		0x1000: 100, 0x1004: 100, // one line, run every call
		0x103f: 90,   // the same line
		0x1040: 95,   // the next line, run nearly every call
		0x1080: 89,   // not quite
		0x2000: 5000, // a loop in some calls
	}
	if n := code.linesRunBy(100); n != 3 {
		t.Errorf("lines run by 100 calls: %d, want 3", n)
	}
	r := shapeResult{answers: 100, code: code}
	if n, ok := r.codeLinesPerCall(); !ok || n != 3 {
		t.Errorf("codeLinesPerCall = %d %v, want 3", n, ok)
	}
	if _, ok := (shapeResult{answers: 100}).codeLinesPerCall(); ok {
		t.Error("lines per call known without a dump")
	}
}

func TestInstructionsPerCall(t *testing.T) {
	if per, ok := (shapeResult{answers: 4, instructions: 1000}).instructionsPerCall(); !ok || per != 250 {
		t.Errorf("1000 instructions for 4 answers: %v %v, want 250", per, ok)
	}
	for _, r := range []shapeResult{{answers: 4, instructions: -1}, {answers: 0, instructions: 1000}} {
		if _, ok := r.instructionsPerCall(); ok {
			t.Errorf("%+v: instructions per call known", r)
		}
	}
}

// TestCallgrindProbe zeroes and dumps the counters of a busy shell under
// callgrind: the count since the zero is positive, and a second dump is
// read from the second file.
func TestCallgrindProbe(t *testing.T) {
	for _, tool := range callgrindTools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CHANNELS_TEST_STRICT") == "1" {
				t.Fatalf("%s is missing (Debian package valgrind)", tool)
			}
			t.Skipf("%s is missing (Debian package valgrind)", tool)
		}
	}
	out := filepath.Join(t.TempDir(), "sh.callgrind")
	command := underCallgrind(out, []string{"sh", "-c", "while :; do :; done"})
	c, err := startChild(t.TempDir(), "sh", command[0], command[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.cmd.Process.Kill(); <-c.done })
	p := &callgrindProbe{pid: c.pid(), outFile: out}
	var m *instructionMeter
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		// callgrind_control finds the process once valgrind has started it.
		if m = startInstructions(p); m.zeroed || time.Now().After(deadline) {
			break
		}
	}
	if !m.zeroed {
		t.Fatalf("callgrind_control -z never reached the shell:\n%s", logTail(c.log))
	}
	for i := 1; i <= 2; i++ {
		if n, code := m.used(); n <= 0 || len(code) == 0 {
			files, _ := filepath.Glob(out + "*")
			t.Fatalf("dump %d: %d instructions at %d addresses, want some (files %v):\n%s", i, n, len(code), files, logTail(c.log))
		}
		if _, err := os.Stat(fmt.Sprintf("%s.%d", out, i)); err != nil {
			t.Errorf("dump %d: %v", i, err)
		}
	}
}
