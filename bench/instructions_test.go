package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadSummary(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "x.callgrind.1")
	head := "# callgrind format\nversion: 1\ncmd:  /tmp/example -addr 127.0.0.1:1\npart: 1\n\nevents: Ir\nsummary: 391036203\n\nfn=(1) main\n16 3\n"
	if err := os.WriteFile(dump, []byte(head), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, err := readSummary(dump); err != nil || n != 391036203 {
		t.Errorf("readSummary = %d, %v; want 391036203", n, err)
	}
	bad := filepath.Join(dir, "y")
	os.WriteFile(bad, []byte("events: Ir\n"), 0o644)
	if _, err := readSummary(bad); err == nil || !strings.Contains(err.Error(), "no summary") {
		t.Errorf("a dump without a summary gives %v", err)
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
		if n := m.used(); n <= 0 {
			files, _ := filepath.Glob(out + "*")
			t.Fatalf("dump %d: %d instructions, want some (files %v):\n%s", i, n, files, logTail(c.log))
		}
		if _, err := os.Stat(fmt.Sprintf("%s.%d", out, i)); err != nil {
			t.Errorf("dump %d: %v", i, err)
		}
	}
}
