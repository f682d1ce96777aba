package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
)

// The command line: its flags, the -layer URL and realMain, which runs and
// stops the example.

func TestFlagsDefaults(t *testing.T) {
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config{Mode: "all", Layer: "memory://", Addr: "127.0.0.1:8000", Workers: 0, LogLevel: slog.LevelInfo, LogFormat: "text"}
	if cfg != want {
		t.Errorf("defaults = %+v, want %+v", cfg, want)
	}
	cfg, err = parseFlags([]string{"-mode", "server", "-layer", "redis://localhost:6379/0", "-addr", ":9000",
		"-workers", "8", "-log-level", "debug", "-log-format", "json"}, io.Discard)
	want = config{Mode: "server", Layer: "redis://localhost:6379/0", Addr: ":9000", Workers: 8, LogLevel: slog.LevelDebug, LogFormat: "json"}
	if err != nil || cfg != want {
		t.Errorf("parse = %+v, %v; want %+v", cfg, err, want)
	}
}

func TestFlagsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-mode", "server"}, "-mode server needs a layer that processes share"},
		{[]string{"-mode", "worker", "-layer", "memory://"}, "-mode worker needs a layer that processes share"},
		{[]string{"-mode", "both"}, `unknown -mode "both"`},
		{[]string{"-workers", "-1"}, "-workers -1"},
		{[]string{"-log-format", "xml"}, `unknown -log-format "xml"`},
		{[]string{"-log-level", "loud"}, "loud"},
		{[]string{"-addr", ""}, "-mode all needs -addr"},
		{[]string{"-bogus"}, "-bogus"},
		{[]string{"serve"}, `unexpected argument "serve"`},
	} {
		_, err := parseFlags(c.args, io.Discard)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseFlags(%q) = %v, want a usage error with %q", c.args, err, c.want)
		}
	}
	// A worker needs no address; a server with a shared layer is fine.
	for _, args := range [][]string{
		{"-mode", "worker", "-layer", "redis://localhost:6379/0", "-addr", ""},
		{"-mode", "server", "-layer", "redis://redis.internal:6379/1?prefix=x"},
	} {
		if _, err := parseFlags(args, io.Discard); err != nil {
			t.Errorf("parseFlags(%q) = %v, want no error", args, err)
		}
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseFlags(-h) = %v, want flag.ErrHelp", err)
	}
}

func TestOpenLayer(t *testing.T) {
	for _, u := range []string{"memory://", "memory:///", "MEMORY://"} {
		l, err := openLayer(u, nil)
		if _, ok := l.(*channels.MemoryLayer); !ok || err != nil {
			t.Errorf("openLayer(%q) = %T, %v; want a memory layer", u, l, err)
		}
	}
	// Redis clients connect on first use: these make layers without a server.
	for _, u := range []string{"redis://localhost:6379/0", "redis://:secret@127.0.0.1:6380/2?capacity=100&expiry=60", "rediss://cache:6379/0"} {
		l, err := openLayer(u, nil)
		if _, ok := l.(*redislayer.Layer); !ok || err != nil {
			t.Errorf("openLayer(%q) = %T, %v; want a Redis layer", u, l, err)
			continue
		}
		l.(*redislayer.Layer).Close()
	}
	if l, err := openLayer("redis://localhost:6379/0?capacity=lots", nil); l != nil || err == nil {
		t.Errorf("openLayer with a bad Redis option = %v, %v; want a usage error", l, err)
	}
	for u, want := range map[string]string{
		"":                  "not a layer URL",
		"localhost:6379":    "unknown layer",
		"memcached://x:1":   `unknown layer "memcached"`,
		"memory://host":     "takes no host",
		"memory://?cap=1":   "takes no host",
		"memory:///channel": "takes no host",
		"%zz":               "not a layer URL",
	} {
		l, err := openLayer(u, nil)
		var ue *usageError
		if l != nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("openLayer(%q) = %v, %v; want a usage error with %q", u, l, err, want)
		}
	}
}

// webBuffer is a bytes.Buffer safe for the logger and the test at once.
type webBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *webBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *webBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// webRealMain runs realMain with args and returns its status and output.
func webRealMain(t *testing.T, ctx context.Context, args ...string) (int, string) {
	t.Helper()
	saved := slog.Default()
	t.Cleanup(func() { slog.SetDefault(saved) })
	var out webBuffer
	code := realMain(ctx, args, &out)
	return code, out.String()
}

func TestRealMainUsage(t *testing.T) {
	code, out := webRealMain(t, context.Background(), "-h")
	if code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
	for _, want := range []string{"Usage: example", "Modes:", "all ", "server ", "worker ",
		"-mode", "-layer", "-addr", "-workers", "-log-level", "-log-format", "127.0.0.1:8000", "memory://"} {
		if !strings.Contains(out, want) {
			t.Errorf("-h output lacks %q:\n%s", want, out)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-layer", "redis://localhost:6379/0?capacity=lots"}, "example: -layer: "},
		{[]string{"-mode", "server"}, "example: -mode server needs a layer that processes share"},
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
	} {
		code, out := webRealMain(t, context.Background(), c.args...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("%q: exit %d, output %q; want exit 2 and %q", c.args, code, out, c.want)
		}
	}
}

// TestRealMainServesAndStops runs the command as `go run ./example` does,
// on a free port: it serves the page and JSON-RPC, and a SIGTERM shuts it
// down gracefully with status 0.
func TestRealMainServesAndStops(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	var out webBuffer
	saved := slog.Default()
	t.Cleanup(func() { slog.SetDefault(saved) })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- realMain(ctx, []string{"-addr", "127.0.0.1:0", "-workers", "2", "-log-level", "debug"}, &out)
	}()

	base := webWaitServing(t, ctx, done, &out)
	webCheckServes(t, base)
	webStopBySIGTERM(t, done, &out)
	logs := out.String()
	for _, want := range []string{"level=INFO msg=serving", "msg=\"shutting down", "msg=stopped mode=all"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if i, j := strings.Index(logs, "shutting down"), strings.Index(logs, "msg=stopped"); i > j {
		t.Errorf("logs out of order:\n%s", logs)
	}
}

// webWaitServing waits until realMain, running into out, logs the page's
// URL, and returns it; it fails the test if realMain exits (done) or ctx
// ends first.
func webWaitServing(t *testing.T, ctx context.Context, done <-chan int, out *webBuffer) string {
	t.Helper()
	pageRE := regexp.MustCompile(`page=(http://\S+/)`)
	var base string
	for base == "" {
		select {
		case code := <-done:
			t.Fatalf("exited with %d before serving:\n%s", code, out.String())
		case <-ctx.Done():
			t.Fatalf("not serving in time:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := pageRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	return base
}

// webCheckServes checks that the command at base serves the page and
// answers a JSON-RPC ping over HTTP.
func webCheckServes(t *testing.T, base string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET / = %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, err = client.Post(base+"rpc/", "application/json", strings.NewReader(`{"jsonrpc":"2.0","method":"ping","id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != `{"jsonrpc":"2.0","id":1,"result":"pong"}` {
		t.Errorf("POST /rpc/ ping = %d %s", res.StatusCode, body)
	}
}

// webStopBySIGTERM sends SIGTERM to the test's own process and waits for
// realMain to return 0 on done; out is its output, for the failure message.
func webStopBySIGTERM(t *testing.T, done <-chan int, out *webBuffer) {
	t.Helper()
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := self.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after SIGTERM, want 0:\n%s", code, out.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15 s after SIGTERM:\n%s", out.String())
	}
}
