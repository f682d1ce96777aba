package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

// echoTarget serves the raw echo in-process.
func echoTarget(t *testing.T) *target {
	srv := httptest.NewServer(newEchoHandler())
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	return &target{name: "echo", label: "raw echo", addr: addr, heapURLs: []string{"http://" + addr + heapProfile}}
}

func TestShapesAgainstEcho(t *testing.T) { testShapes(t, echoTarget(t)) }

// testShapes drives tg, served in this process, with a small WebSocket
// shape and a small HTTP one: every answer the bench's clients count, and
// the CPU and allocation counters, must work against it.
func testShapes(t *testing.T, tg *target) {
	pids := []int{os.Getpid()}
	for _, sh := range []shape{
		{name: "ws", conns: 2, inflight: 4},
		{name: "http", http: true, conns: 2, inflight: 1},
	} {
		r := runShape(context.Background(), sh, tg, pids, 50*time.Millisecond, 200*time.Millisecond)
		if r.rps() <= 0 || r.errors != 0 {
			t.Errorf("%s: %.0f rps, %d errors; want rps > 0 and no error", sh.name, r.rps(), r.errors)
		}
		if r.p50 <= 0 || r.p99 < r.p50 {
			t.Errorf("%s: p50 %v, p99 %v", sh.name, r.p50, r.p99)
		}
		// Clients and server share this process: there are allocations.
		if a, ok := r.allocsPerCall(0); !ok || a <= 0 {
			t.Errorf("%s: %.1f allocations per call (known: %v), want some", sh.name, a, ok)
		}
	}
}

// allocSink keeps TestMallocCount's objects on the heap.
var allocSink []*[64]byte

func TestMallocCount(t *testing.T) {
	url := "http://" + echoTarget(t).addr + heapProfile
	before, err := mallocCount(url)
	if err != nil {
		t.Fatal(err)
	}
	kept := make([]*[64]byte, 0, 1000)
	for range 1000 {
		kept = append(kept, new([64]byte))
	}
	allocSink = kept
	after, err := mallocCount(url)
	if err != nil {
		t.Fatal(err)
	}
	if after-before < uint64(len(kept)) {
		t.Errorf("Mallocs went from %d to %d after %d allocations", before, after, len(kept))
	}
	if m := startMallocs([]string{"", url}); m.used()[0] != -1 {
		t.Errorf("a process without a heap profile has a count")
	}
}

func TestFanoutAgainstEcho(t *testing.T) { testFanout(t, echoTarget(t)) }

// testFanout runs a small fan-out against tg: every member gets each of
// the three sends.
func testFanout(t *testing.T, tg *target) {
	r := runFanout(context.Background(), tg, 20, 3, 1<<20)
	if r.failure != "" || r.rounds != 3 || r.p50 <= 0 {
		t.Errorf("fan-out: %+v", r)
	}
}

func TestScanID(t *testing.T) {
	for msg, want := range map[string]string{
		`{"jsonrpc":"2.0","id":42,"method":"ping"}`: "42",
		`{"id": -7}`:     "-7",
		`{"id":"x"}`:     "null",
		`{"method":"x"}`: "null",
	} {
		if got := string(scanID([]byte(msg))); got != want {
			t.Errorf("scanID(%s) = %s, want %s", msg, got, want)
		}
	}
}

func TestChartIsWellFormedXML(t *testing.T) {
	c := chart{
		title:  `answers <per> second & "more"`,
		xLabel: "shape", yLabel: "rps",
		groups: []string{"WS 1x1", "HTTP 50x1"},
		series: []string{"raw echo", "example"},
		values: [][]float64{{12345, 6789}, {0, 98765.4}},
	}
	var b bytes.Buffer
	if err := writeChart(&b, c); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&b)
	rects := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
	}
	// The background, a bar per value and a swatch per series.
	if want := 1 + 4 + 2; rects != want {
		t.Errorf("%d rects, want %d", rects, want)
	}
}

func TestTableHasEveryTarget(t *testing.T) {
	targets := []*target{{label: "raw echo", procs: []*child{{}}}, {label: "example", procs: []*child{{}}}}
	r := newResults(targets, &options{duration: time.Second, fanout: []int{10}, rounds: 2, shapes: shapes})
	for range shapes {
		r.shapes = append(r.shapes, []shapeResult{
			{answers: 100, elapsed: time.Second, p50: time.Millisecond, p99: 2 * time.Millisecond, cpu: []time.Duration{time.Millisecond}},
			{answers: 50, elapsed: time.Second, p50: time.Millisecond, p99: 3 * time.Millisecond, cpu: []time.Duration{time.Millisecond}},
		})
	}
	r.turns = [][]ratioRange{{{low: 1, high: 1, n: 3}, {low: 0.45, high: 0.55, n: 3}}}
	r.fanout = [][]fanoutResult{{{members: 10, rounds: 2}, {members: 10, failure: "skipped: test"}}}
	r.idle = []idleResult{{conns: 10, rssAfter: 100, goroutinesAfter: 10}, {conns: 10, goroutinesBefore: -1}}
	table := r.table()
	for _, want := range []string{"raw echo rps", "example rps", "0.50x", "turns", "0.45-0.55", "WS 50x16", "skipped: test", "n/a", "1.00"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

// TestTurnRatios compares each run with the first target's run of the
// same turn, not with its median.
func TestTurnRatios(t *testing.T) {
	run := func(answers int64) shapeResult { return shapeResult{answers: answers, elapsed: time.Second} }
	runs := [][]shapeResult{
		{run(100), run(200), run(0)},  // the echo; its third turn failed
		{run(90), run(100), run(50)},  // 0.90 and 0.50; the third is not a ratio
		{run(100), run(300), run(10)}, // 1.00 and 1.50
	}
	got := turnRatios(runs)
	want := []ratioRange{{1, 1, 2}, {0.5, 0.9, 2}, {1, 1.5, 2}}
	if !slices.Equal(got, want) {
		t.Errorf("turnRatios = %v, want %v", got, want)
	}
}

// TestTurnOrder: over as many turns as targets, each target runs once in
// each place.
func TestTurnOrder(t *testing.T) {
	const n = 4
	var seen [n][n]int // target, place
	for turn := range n {
		for place, target := range turnOrder(turn, n) {
			seen[target][place]++
		}
	}
	for target, places := range seen {
		for place, times := range places {
			if times != 1 {
				t.Errorf("target %d ran %d times in place %d, want once", target, times, place)
			}
		}
	}
}

func TestStealShare(t *testing.T) {
	run := func(total, steal int64) shapeResult { return shapeResult{host: hostTime{total, steal}} }
	if got := stealShare([][]shapeResult{{run(100, 10), run(100, 0)}, {run(200, 30)}}); got != 0.1 {
		t.Errorf("stealShare = %v, want 0.1", got)
	}
	if got := stealShare([][]shapeResult{{run(0, 0)}}); got != -1 {
		t.Errorf("stealShare without host times = %v, want -1", got)
	}
}

func TestReadHostTime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/stat is Linux's")
	}
	h, err := readHostTime()
	if err != nil || h.total <= 0 || h.steal < 0 || h.steal > h.total {
		t.Errorf("readHostTime = %+v, %v; want a total, and steal within it", h, err)
	}
}

// TestRedisProbe reads a real redis-server's process id and command count
// through a layer URL (whose layer parameters it ignores).
func TestRedisProbe(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CHANNELS_TEST_STRICT") == "1" {
			t.Fatal("redis-server is missing (Debian package redis-server)")
		}
		t.Skip("redis-server is missing (Debian package redis-server)")
	}
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(addr, ":")
	srv := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	c := &child{name: "redis", cmd: srv, done: make(chan struct{})}
	if err := c.waitListening(context.Background(), addr); err != nil {
		t.Fatal(err)
	}
	p, err := newRedisProbe(context.Background(), "redis://"+addr+"/0?capacity=5")
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if p.pid != srv.Process.Pid {
		t.Errorf("probe pid %d, want %d", p.pid, srv.Process.Pid)
	}
	m := startRedis(p)
	for range 10 {
		p.client.Ping(context.Background())
	}
	cpu, cmds := m.used()
	if cmds < 10 || cpu < 0 {
		t.Errorf("after 10 pings: %d commands, CPU %v", cmds, cpu)
	}
}

// A file that is not a Go binary has no commit to name.
func TestBinaryCommitOfANonBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "example")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, filepath.Join(t.TempDir(), "missing")} {
		if got := binaryCommit(p); got != "unknown" {
			t.Errorf("binaryCommit(%s) = %q, want unknown", p, got)
		}
	}
}

func TestCommitOfBuildSettings(t *testing.T) {
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "645f5be0123456789"}
	for want, settings := range map[string][]debug.BuildSetting{
		"645f5be":       {rev, {Key: "vcs.modified", Value: "false"}},
		"645f5be-dirty": {{Key: "vcs", Value: "git"}, rev, {Key: "vcs.modified", Value: "true"}},
		"unknown":       {{Key: "vcs.modified", Value: "true"}},
	} {
		if got := commitOf(settings); got != want {
			t.Errorf("commitOf(%v) = %q, want %q", settings, got, want)
		}
	}
}

func TestPickShapes(t *testing.T) {
	picked, err := pickShapes(" http 50x1, WS 1x1 ")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sh := range picked {
		names = append(names, sh.name)
	}
	if got := strings.Join(names, ","); got != "WS 1x1,HTTP 50x1" {
		t.Errorf("picked %s, want the table's order: WS 1x1,HTTP 50x1", got)
	}
	if all, _ := pickShapes(""); len(all) != len(shapes) {
		t.Errorf("an empty list picks %d shapes, want all %d", len(all), len(shapes))
	}
	if _, err := pickShapes("WS 2x2"); err == nil || !strings.Contains(err.Error(), `"WS 2x2"`) {
		t.Errorf("an unknown shape gives %v, want an error naming it", err)
	}
}
