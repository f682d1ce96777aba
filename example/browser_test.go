package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"

	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/metrics"
)

// The browser test drives the page in headless Chromium (Debian's chromium
// package) over the Chrome DevTools Protocol, with a small CDP client below:
// two tabs join one chat room and talk, and the RPC console sends a request
// over the WebSocket and one over HTTP.
//
// It skips when Chromium is missing, unless CHANNELS_TEST_STRICT=1 (CI).
// CHANNELS_CHROMIUM names the browser binary (a missing path simulates a
// machine without Chromium), and EXAMPLE_SCREENSHOTS names a folder to keep
// the screenshots in (by default they go to the test's temporary folder).

const browserTestTimeout = 45 * time.Second

// browserBinary finds Chromium, or skips (fails under CHANNELS_TEST_STRICT=1).
func browserBinary(t *testing.T) string {
	t.Helper()
	if p, ok := os.LookupEnv("CHANNELS_CHROMIUM"); ok {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		browserMissing(t, fmt.Sprintf("CHANNELS_CHROMIUM=%q does not exist", p))
		return ""
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	browserMissing(t, "no chromium on PATH nor at /usr/bin/chromium")
	return ""
}

func browserMissing(t *testing.T, why string) {
	t.Helper()
	msg := "browser test needs Chromium (Debian: apt-get install chromium): " + why
	if os.Getenv("CHANNELS_TEST_STRICT") == "1" {
		t.Fatal(msg + " (CHANNELS_TEST_STRICT=1)")
	}
	t.Skip(msg)
}

func TestBrowserChatAndConsole(t *testing.T) {
	bin := browserBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), browserTestTimeout)
	defer cancel()

	base := browserStartExample(t)
	browser := browserLaunch(t, ctx, bin)

	alice := browser.newTab(ctx, base+"/")
	bob := browser.newTab(ctx, base+"/")
	for _, tab := range []*cdpTab{alice, bob} {
		tab.waitTrue(ctx, "the page's WebSocket is open", `document.documentElement.dataset.ws === "open"`)
	}

	// Both join one room; each waits for the server's answer to group.join.
	const room = "browser-test"
	joined := fmt.Sprintf(`!!document.querySelector('#rooms .chip[data-room=%q][data-joined]')`, room)
	for _, who := range []struct {
		tab  *cdpTab
		name string
	}{{alice, "alice"}, {bob, "bob"}} {
		who.tab.setValue(ctx, "#name", who.name)
		who.tab.setValue(ctx, "#room", room)
		who.tab.eval(ctx, `document.querySelector("#join-form").requestSubmit()`, nil)
		who.tab.waitTrue(ctx, who.name+" has joined "+room, joined)
	}
	alice.waitTrue(ctx, "alice sees bob join", `[...document.querySelectorAll(".messages .sys")].some(e => e.textContent.includes("bob joined"))`)

	// alice says hello; bob sees it with her name, and alice sees her own.
	const hello = "hello from alice — ça va? ✓"
	alice.setValue(ctx, "#text", hello)
	alice.eval(ctx, `document.querySelector("#send-form").requestSubmit()`, nil)
	seen := func(who, cls string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('.messages[data-room=%q] .msg%s')].some(m =>
			m.querySelector(".who").textContent === %q && m.querySelector(".text").textContent === %q)`,
			room, cls, who, hello)
	}
	bob.waitTrue(ctx, "bob sees alice's message", seen("alice", ":not(.mine)"))
	alice.waitTrue(ctx, "alice sees her own message", seen("alice", ".mine"))
	alice.waitTrue(ctx, "alice's console logs the group.message notification",
		`[...document.querySelectorAll("#log .entry.notification .title")].some(e => e.textContent === "group.message")`)

	// The console: ws_only.ping over the WebSocket, http_only.ping over HTTP.
	// Each works over its own transport only, so "pong" proves the choice.
	for _, c := range []struct {
		transport, method, label string
		id                       int
	}{
		{"ws", "ws_only.ping", "Answer", 101},
		{"http", "http_only.ping", "HTTP 200", 102},
	} {
		alice.eval(ctx, fmt.Sprintf(`document.querySelector('input[name="transport"][value=%q]').click()`, c.transport), nil)
		alice.setValue(ctx, "#request", fmt.Sprintf(`{"jsonrpc": "2.0", "method": %q, "id": %d}`, c.method, c.id))
		alice.eval(ctx, `document.querySelector("#rpc-form").requestSubmit()`, nil)
		card := `document.querySelector("#log .entry.exchange")`
		alice.waitTrue(ctx, c.method+" answered in the console", fmt.Sprintf(`(() => {
			const card = %s;
			return !!card && card.dataset.state === "done" && card.dataset.transport === %q &&
				card.querySelector(".title").textContent === %q;
		})()`, card, c.transport, c.method))
		var got struct{ Label, Response string }
		alice.eval(ctx, fmt.Sprintf(`(() => {
			const card = %s;
			return {label: [...card.querySelectorAll(".section-label")].map(e => e.textContent).join(" | "),
			        response: card.querySelector("pre.response").textContent};
		})()`, card), &got)
		var answer struct {
			ID     int    `json:"id"`
			Result string `json:"result"`
		}
		if err := json.Unmarshal([]byte(got.Response), &answer); err != nil || answer.ID != c.id || answer.Result != "pong" {
			t.Errorf("%s over %s: the console shows %q (%v), want result \"pong\" with id %d", c.method, c.transport, got.Response, err, c.id)
		}
		if !strings.Contains(got.Label, c.label) {
			t.Errorf("%s over %s: the console's labels are %q, want %q among them", c.method, c.transport, got.Label, c.label)
		}
	}

	// Every example of the console, over both transports, gets its answer:
	// none stays pending, and none is taken for an unrequested one.
	for _, transport := range []string{"ws", "http"} {
		var results []browserExampleResult
		alice.eval(ctx, fmt.Sprintf(browserRunExamples, transport), &results)
		if len(results) < 10 {
			t.Fatalf("ran %d examples over %s, want them all: %+v", len(results), transport, results)
		}
		for _, r := range results {
			want := "done"
			if browserExampleFails(r.Label, transport) {
				want = "error"
			}
			if r.State != want || r.Transport != transport {
				t.Errorf("example %q over %s: card %s over %s (%s), want %s", r.Label, transport, r.State, r.Transport, r.Summary, want)
			}
		}
	}
	var stray int
	alice.eval(ctx, `document.querySelectorAll("#log .entry.response").length`, &stray)
	if stray > 0 {
		t.Errorf("%d answers were not matched to their request", stray)
	}

	// Screenshots at a desktop and a phone width, for a person to look at.
	dir := os.Getenv("EXAMPLE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, s := range []shot{
		{name: "desktop", width: 1280, height: 860, scale: 1},
		{name: "desktop-dark", width: 1280, height: 860, scale: 1, dark: true},
		{name: "narrow-chat", width: 390, height: 844, scale: 2},
		{name: "narrow-console", width: 390, height: 844, scale: 2, scrollTo: ".panel.console"},
	} {
		alice.screenshot(ctx, dir, s)
	}

	if errs := browser.pageErrors(); len(errs) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

type browserExampleResult struct {
	Label, Transport, State, Summary string
}

// browserRunExamples loads each example of the console, sends it over the
// transport %q, and waits for its card to leave the pending state.
const browserRunExamples = `(async () => {
	const sel = document.querySelector("#example");
	const radio = document.querySelector('input[name="transport"][value=%q]');
	const results = [];
	for (let i = 1; i < sel.options.length; i++) {
		const label = sel.options[i].textContent;
		sel.value = sel.options[i].value;
		sel.dispatchEvent(new Event("change"));
		radio.click();
		document.querySelector("#rpc-form").requestSubmit();
		const card = document.querySelector("#log .entry.exchange");
		const t0 = Date.now();
		while (card.dataset.state === "pending" && Date.now() - t0 < 5000) {
			await new Promise(r => setTimeout(r, 10));
		}
		results.push({label, transport: card.dataset.transport, state: card.dataset.state,
			summary: card.querySelector(".state").textContent});
	}
	return results;
})()`

// browserExampleFails tells which examples answer with an error.
func browserExampleFails(label, transport string) bool {
	for _, s := range []string{"divide by zero", "unknown method", "invalid JSON"} {
		if strings.Contains(label, s) {
			return true
		}
	}
	if transport == "http" {
		return strings.HasPrefix(label, "ws_only.") || strings.HasPrefix(label, "group.join")
	}
	return strings.HasPrefix(label, "http_only.")
}

// browserStartExample runs the example as `-mode all` does (memory layer,
// server, worker, page) behind an httptest listener and returns its URL.
func browserStartExample(t *testing.T) string {
	return startApp(t, channels.NewMemoryLayer(channels.MemoryConfig{}), nil)
}

// startApp runs the example's server and worker on layer, counted by m
// (nil: a Metrics of their own), behind an httptest listener, and returns
// its URL.
func startApp(t *testing.T, layer channels.Layer, m *metrics.Metrics) string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := newApp(layer, 2, log, m)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a.handler())
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		channels.RunAll(ctx, a.server, a.worker)
	}()
	t.Cleanup(func() { cancel(); <-done }) // before hs.Close: WebSockets close with 1001
	return hs.URL
}

// cdpBrowser is a headless Chromium and one DevTools connection to it.
type cdpBrowser struct {
	t    *testing.T
	conn *websocket.Conn
	wmu  sync.Mutex // one writer at a time

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpReply
	errs    []string // exceptions and console errors of the pages
	readErr error
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// browserLaunch starts Chromium with a fresh profile and connects to it.
// Chromium is closed, and killed if it lingers, when the test ends.
func browserLaunch(t *testing.T, ctx context.Context, bin string) *cdpBrowser {
	t.Helper()
	profile := t.TempDir()
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--no-proxy-server", "--no-default-browser-check",
		"--disable-background-timer-throttling", "--disable-renderer-backgrounding",
		"--disable-backgrounding-occluded-windows", "--window-size=1280,860",
		"--user-data-dir="+profile, "--remote-debugging-port=0", "about:blank")
	browserProcessGroup(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()

	// Chromium tells its DevTools URL on stderr; the rest of stderr is kept
	// for the failure message.
	var logMu sync.Mutex
	var logTail []string
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if u, ok := strings.CutPrefix(line, "DevTools listening on "); ok {
				select {
				case urlc <- strings.TrimSpace(u):
				default:
				}
			}
			if strings.Contains(line, ":ERROR:dbus/") {
				continue // no D-Bus in a container: noise
			}
			logMu.Lock()
			logTail = append(logTail, line)
			if len(logTail) > 40 {
				logTail = logTail[1:]
			}
			logMu.Unlock()
		}
	}()
	chromiumLog := func() string {
		logMu.Lock()
		defer logMu.Unlock()
		return strings.Join(logTail, "\n")
	}

	b := &cdpBrowser{t: t, pending: make(map[int64]chan cdpReply)}
	t.Cleanup(func() {
		if b.conn != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			b.call(cctx, "", "Browser.close", nil, nil)
			cancel()
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			browserKill(cmd)
			<-exited
		}
		if b.conn != nil {
			b.conn.Close()
		}
		if t.Failed() {
			t.Logf("chromium's last lines on stderr:\n%s", chromiumLog())
		}
	})

	var devtools string
	select {
	case devtools = <-urlc:
	case <-exited:
		t.Fatalf("chromium exited before it listened:\n%s", chromiumLog())
	case <-ctx.Done():
		t.Fatalf("chromium did not tell its DevTools URL in time:\n%s", chromiumLog())
	}
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, _, err := dialer.DialContext(ctx, devtools, nil)
	if err != nil {
		t.Fatalf("connect to DevTools at %s: %v", devtools, err)
	}
	conn.SetReadLimit(64 << 20) // screenshots come as base64 in one message
	b.conn = conn
	go b.readLoop()
	return b
}

func (b *cdpBrowser) readLoop() {
	for {
		_, data, err := b.conn.ReadMessage()
		if err != nil {
			b.mu.Lock()
			b.readErr = err
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var msg struct {
			ID     int64           `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			cdpReply
		}
		if json.Unmarshal(data, &msg) != nil {
			continue
		}
		if msg.ID != 0 {
			b.mu.Lock()
			ch := b.pending[msg.ID]
			delete(b.pending, msg.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- msg.cdpReply
			}
			continue
		}
		b.event(msg.Method, msg.Params)
	}
}

// event keeps what tells of a broken page: uncaught exceptions, console
// errors and the browser's own error entries (a CSP violation, a 404).
func (b *cdpBrowser) event(method string, params json.RawMessage) {
	var e string
	switch method {
	case "Runtime.exceptionThrown":
		var p struct {
			ExceptionDetails struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		json.Unmarshal(params, &p)
		e = "exception: " + p.ExceptionDetails.Text + " " + p.ExceptionDetails.Exception.Description
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		json.Unmarshal(params, &p)
		if p.Type != "error" && p.Type != "assert" {
			return
		}
		var parts []string
		for _, a := range p.Args {
			parts = append(parts, fmt.Sprint(a.Value, a.Description))
		}
		e = "console." + p.Type + ": " + strings.Join(parts, " ")
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level, Source, Text, URL string
			} `json:"entry"`
		}
		json.Unmarshal(params, &p)
		if p.Entry.Level != "error" {
			return
		}
		e = "log (" + p.Entry.Source + "): " + p.Entry.Text + " " + p.Entry.URL
	default:
		return
	}
	b.mu.Lock()
	b.errs = append(b.errs, e)
	b.mu.Unlock()
}

func (b *cdpBrowser) pageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// call sends a command (to a tab when session is set) and decodes its result
// into result, when not nil.
func (b *cdpBrowser) call(ctx context.Context, session, method string, params, result any) error {
	b.mu.Lock()
	if b.readErr != nil {
		b.mu.Unlock()
		return fmt.Errorf("%s: DevTools connection lost: %w", method, b.readErr)
	}
	b.nextID++
	id := b.nextID
	ch := make(chan cdpReply, 1)
	b.pending[id] = ch
	b.mu.Unlock()

	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b.wmu.Lock()
	err := b.conn.WriteJSON(msg)
	b.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: DevTools connection lost", method)
		}
		if r.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, r.Error.Message, r.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(r.Result, result)
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (b *cdpBrowser) must(ctx context.Context, session, method string, params, result any) {
	b.t.Helper()
	if err := b.call(ctx, session, method, params, result); err != nil {
		b.t.Fatal(err)
	}
}

// cdpTab is one page, reached through its flat session.
type cdpTab struct {
	b       *cdpBrowser
	t       *testing.T
	session string
	name    string
}

// newTab opens a tab on url and waits for the page to load.
func (b *cdpBrowser) newTab(ctx context.Context, url string) *cdpTab {
	b.t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.must(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.must(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	tab := &cdpTab{b: b, t: b.t, session: attached.SessionID, name: "tab " + target.TargetID[:8]}
	for _, domain := range []string{"Page", "Runtime", "Log"} {
		b.must(ctx, tab.session, domain+".enable", nil, nil)
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	b.must(ctx, tab.session, "Page.navigate", map[string]any{"url": url}, &nav)
	if nav.ErrorText != "" {
		b.t.Fatalf("navigate to %s: %s", url, nav.ErrorText)
	}
	tab.waitTrue(ctx, "the page has loaded", `document.readyState === "complete"`)
	return tab
}

// evalResult runs expr in the page (awaiting a promise) and decodes its
// value into result, when not nil.
func (tab *cdpTab) evalResult(ctx context.Context, expr string, result any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var r struct {
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := tab.b.call(ctx, tab.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true,
	}, &r)
	if err != nil {
		return err
	}
	if ex := r.ExceptionDetails; ex != nil {
		return fmt.Errorf("%s: %s", ex.Text, ex.Exception.Description)
	}
	if result != nil && len(r.Result.Value) > 0 {
		return json.Unmarshal(r.Result.Value, result)
	}
	return nil
}

func (tab *cdpTab) eval(ctx context.Context, expr string, result any) {
	tab.t.Helper()
	if err := tab.evalResult(ctx, expr, result); err != nil {
		tab.t.Fatalf("%s: evaluate %s: %v", tab.name, expr, err)
	}
}

// waitTrue polls expr until it is true, for up to 10 s.
func (tab *cdpTab) waitTrue(ctx context.Context, what, expr string) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var lastErr error
	for {
		var ok bool
		lastErr = tab.evalResult(ctx, expr, &ok)
		if lastErr == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			if lastErr == nil {
				lastErr = ctx.Err()
			}
			tab.t.Fatalf("%s: waiting until %s: %v\n(polled: %s)\npage errors: %v", tab.name, what, lastErr, expr, tab.b.pageErrors())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// setValue types into a field as a person would: value, input, change.
func (tab *cdpTab) setValue(ctx context.Context, selector, value string) {
	tab.t.Helper()
	sel, _ := json.Marshal(selector)
	val, _ := json.Marshal(value)
	tab.eval(ctx, fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		e.value = %s;
		e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true}));
	})()`, sel, val), nil)
}

// shot is one screenshot: a viewport of width×height CSS pixels, in dark
// mode or not, scrolled to show the element scrollTo selects (if any).
type shot struct {
	name          string
	width, height int
	scale         float64
	dark          bool
	scrollTo      string
}

// screenshot saves a PNG of the tab in dir.
func (tab *cdpTab) screenshot(ctx context.Context, dir string, s shot) {
	tab.t.Helper()
	tab.b.must(ctx, tab.session, "Page.bringToFront", nil, nil)
	tab.b.must(ctx, tab.session, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": s.width, "height": s.height, "deviceScaleFactor": s.scale, "mobile": s.width < 600,
	}, nil)
	scheme := "light"
	if s.dark {
		scheme = "dark"
	}
	tab.b.must(ctx, tab.session, "Emulation.setEmulatedMedia", map[string]any{
		"features": []map[string]string{{"name": "prefers-color-scheme", "value": scheme}},
	}, nil)
	defer tab.b.call(ctx, tab.session, "Emulation.clearDeviceMetricsOverride", nil, nil)
	defer tab.b.call(ctx, tab.session, "Emulation.setEmulatedMedia", map[string]any{"features": []any{}}, nil)
	sel, _ := json.Marshal(s.scrollTo)
	// Scroll, then let layout settle after the resize.
	tab.eval(ctx, fmt.Sprintf(`new Promise(r => {
		const e = %s && document.querySelector(%s);
		if (e) e.scrollIntoView({block: "start"}); else window.scrollTo(0, 0);
		setTimeout(r, 150);
	})`, sel, sel), nil)
	var res struct {
		Data string `json:"data"`
	}
	tab.b.must(ctx, tab.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &res)
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
		tab.t.Fatalf("%s: screenshot is not a PNG (%v)", tab.name, err)
	}
	path := filepath.Join(dir, s.name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Fatal(err)
	}
	tab.t.Logf("screenshot %s (%dx%d): %s", s.name, s.width, s.height, path)
}
