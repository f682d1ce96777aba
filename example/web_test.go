package main

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// These tests cover the page handler without a browser (browser_test.go
// drives the page itself, web_cmdline_test.go covers the command line).

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
