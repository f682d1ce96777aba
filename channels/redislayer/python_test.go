package redislayer_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// pythonPrelude starts the Django-side scripts of the interop tests: cfg,
// their JSON argument; say, a JSON line to the test; tag, the JSON form of
// a message with bytes and floats marked (see tag in interop_test.go).
const pythonPrelude = `
import asyncio, json, sys

cfg = json.loads(sys.argv[1])

def tag(v):
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, float):
        return {"$float": v}
    if isinstance(v, dict):
        return {k: tag(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [tag(x) for x in v]
    return v

def say(**kw):
    print(json.dumps(kw), flush=True)
`

// pythonRun is a Django-side script of an interop test, which the test
// reads line by line and tells when to go on.
type pythonRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr bytes.Buffer
}

// startPython runs pythonPrelude+body with args, as JSON, for at most 30 s;
// when the test ends it closes the script's input and requires a clean
// exit, unless the test failed already.
func startPython(t *testing.T, python, body string, args any) *pythonRun {
	t.Helper()
	script := filepath.Join(t.TempDir(), "django_side.py")
	if err := os.WriteFile(script, []byte(pythonPrelude+body), 0o600); err != nil {
		t.Fatal(err)
	}
	arg, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	// Not t.Context(): it ends before the cleanup that waits for the script.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	p := &pythonRun{t: t, cmd: exec.CommandContext(ctx, python, script, string(arg))}
	p.stdin, _ = p.cmd.StdinPipe()
	stdout, _ := p.cmd.StdoutPipe()
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	p.lines = bufio.NewScanner(stdout)
	p.lines.Buffer(nil, 1<<20)
	t.Cleanup(func() {
		defer cancel()
		p.stdin.Close()
		if err := p.cmd.Wait(); err != nil && !t.Failed() {
			t.Errorf("python: %v\n%s", err, p.stderr.String())
		}
	})
	return p
}

// next reads the script's next line; what says what the test waits for.
func (p *pythonRun) next(what string) map[string]any {
	p.t.Helper()
	if !p.lines.Scan() {
		p.cmd.Wait()
		p.t.Fatalf("python exited before %s:\n%s", what, p.stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal(p.lines.Bytes(), &m); err != nil {
		p.t.Fatalf("python printed %q: %v", p.lines.Text(), err)
	}
	return m
}

// goOn tells the script to go on.
func (p *pythonRun) goOn() { fmt.Fprintln(p.stdin, "go") }
