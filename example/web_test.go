package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

// These tests cover the page handler and the command line without a
// browser (browser_test.go drives the page itself).

// webGet asks h for path and returns the response.
func webGet(t *testing.T, h http.Handler, method, path string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func webBody(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// webChannels stands in for the interface server: it records the paths it
// was asked for.
type webChannels struct {
	mu    sync.Mutex
	paths []string
}

func (f *webChannels) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	w.Header().Set("X-Channels", "yes")
	w.WriteHeader(http.StatusTeapot)
}

func TestPageIndex(t *testing.T) {
	h := newHandler(&webChannels{}, nil, nil)
	res := webGet(t, h, "GET", "/", nil)
	body := webBody(t, res)
	if res.StatusCode != 200 {
		t.Fatalf("GET / = %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET / Content-Type = %q, want text/html; charset=utf-8", ct)
	}
	for _, want := range []string{"<!doctype html>", "<title>", `id="join-form"`, `id="rpc-form"`, `src="/app.js"`, `href="/style.css"`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET / lacks %q", want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("GET / Content-Security-Policy = %q", csp)
	}
	if res.Header.Get("X-Channels") != "" {
		t.Error("GET / went to the interface server, want the page handler")
	}
}

func TestPageAssets(t *testing.T) {
	h := newHandler(&webChannels{}, nil, nil)
	for path, want := range map[string]string{
		"/app.js":      "text/javascript; charset=utf-8",
		"/rpc.js":      "text/javascript; charset=utf-8",
		"/chat.js":     "text/javascript; charset=utf-8",
		"/console.js":  "text/javascript; charset=utf-8",
		"/examples.js": "text/javascript; charset=utf-8",
		"/style.css":   "text/css; charset=utf-8",
		"/favicon.svg": "image/svg+xml",
	} {
		res := webGet(t, h, "GET", path, nil)
		body := webBody(t, res)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != want || body == "" {
			t.Errorf("GET %s = %d %q (%d bytes), want 200 %q", path, res.StatusCode, res.Header.Get("Content-Type"), len(body), want)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no X-Content-Type-Options: nosniff", path)
		}
	}
	// Every embedded file is served.
	fs.WalkDir(webFiles, "web", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		path := strings.TrimPrefix(name, "web")
		if path == "/index.html" {
			path = "/"
		}
		if res := webGet(t, h, "GET", path, nil); res.StatusCode != 200 {
			t.Errorf("embedded %s: GET %s = %d", name, path, res.StatusCode)
		}
		return nil
	})
}

func TestPageConditionalAndHead(t *testing.T) {
	h := newHandler(&webChannels{}, nil, nil)
	res := webGet(t, h, "GET", "/style.css", nil)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("GET /style.css has no ETag")
	}
	if res := webGet(t, h, "GET", "/style.css", http.Header{"If-None-Match": {etag}}); res.StatusCode != http.StatusNotModified {
		t.Errorf("GET /style.css If-None-Match: %d, want 304", res.StatusCode)
	}
	res = webGet(t, h, "HEAD", "/", nil)
	if body := webBody(t, res); res.StatusCode != 200 || body != "" || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("HEAD / = %d %q with %d bytes, want 200 text/html and no body", res.StatusCode, res.Header.Get("Content-Type"), len(body))
	}
	res = webGet(t, h, "POST", "/", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST / = %d (Allow %q), want 405 with Allow: GET, HEAD", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestPageNotFound(t *testing.T) {
	fake := &webChannels{}
	h := newHandler(fake, nil, nil)
	for _, path := range []string{"/nope", "/index.html", "/web/app.js", "/app.js/", "/static/app.js", "/favicon.ico"} {
		if res := webGet(t, h, "GET", path, nil); res.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
	}
	if len(fake.paths) > 0 {
		t.Errorf("the interface server was asked for %v, want none of those", fake.paths)
	}
}

// TestPageRouting: /ws/ and /rpc/ go to the interface server, the rest is
// the page's.
func TestPageRouting(t *testing.T) {
	fake := &webChannels{}
	h := newHandler(fake, nil, nil)
	for _, c := range []struct{ method, path string }{{"GET", "/ws/"}, {"POST", "/rpc/"}, {"GET", "/rpc/"}} {
		if res := webGet(t, h, c.method, c.path, nil); res.StatusCode != http.StatusTeapot {
			t.Errorf("%s %s = %d, want the interface server's answer", c.method, c.path, res.StatusCode)
		}
	}
	if got := strings.Join(fake.paths, ", "); got != "GET /ws/, POST /rpc/, GET /rpc/" {
		t.Errorf("the interface server got %s", got)
	}
}

// TestPageOffline: the page loads nothing from another origin, and every
// file it names is served.
func TestPageOffline(t *testing.T) {
	h := newHandler(&webChannels{}, nil, nil)
	external := regexp.MustCompile(`(?i)(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import|(?:from|import)\s*\(?\s*["'](?:https?:)?//|fetch\(\s*["'](?:https?:)?//`)
	local := regexp.MustCompile(`(?:src|href)="(/[^"]*)"|from "\./([^"]+)"`)
	refs := 0
	fs.WalkDir(webFiles, "web", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := webFiles.ReadFile(name)
		if m := external.Find(b); m != nil {
			t.Errorf("%s refers to another origin: %q", name, m)
		}
		for _, m := range local.FindAllSubmatch(b, -1) {
			path := string(m[1])
			if path == "" {
				path = "/" + string(m[2])
			}
			if res := webGet(t, h, "GET", path, nil); res.StatusCode != 200 {
				t.Errorf("%s refers to %s: GET = %d", name, path, res.StatusCode)
			}
			refs++
		}
		return nil
	})
	if refs < 7 { // the stylesheet, the icon twice, app.js and its three imports, examples.js
		t.Errorf("found %d references to the page's files, want at least 7", refs)
	}
}

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
