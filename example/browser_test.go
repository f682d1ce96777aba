package main

import (
	"context"
	"encoding/json"

	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/metrics"
)

// The browser test drives the page in headless Chromium (Debian's chromium
// package) over the Chrome DevTools Protocol, with a small CDP client
// (browser_cdp_test.go and browser_tab_test.go): two tabs join one chat room
// and talk, and the RPC console sends a request over the WebSocket and one
// over HTTP.
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

	browserChat(t, ctx, alice, bob)
	browserConsoleTransports(t, ctx, alice)
	browserConsoleExamples(t, ctx, alice)
	browserScreenshots(t, ctx, alice)

	if errs := browser.pageErrors(); len(errs) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

// browserChat has alice and bob join one room and alice say hello: bob
// sees it with her name, alice sees her own and her console logs the
// notification.
func browserChat(t *testing.T, ctx context.Context, alice, bob *cdpTab) {
	t.Helper()
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
}

// browserConsoleTransports sends a request from alice's console over each
// transport and checks the answer and the labels the console shows.
func browserConsoleTransports(t *testing.T, ctx context.Context, alice *cdpTab) {
	t.Helper()
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
}

// browserConsoleExamples runs every example of alice's console over both
// transports and checks each card's outcome.
func browserConsoleExamples(t *testing.T, ctx context.Context, alice *cdpTab) {
	t.Helper()
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
}

// browserScreenshots saves screenshots of alice's tab in
// $EXAMPLE_SCREENSHOTS, or the test's temporary folder.
func browserScreenshots(t *testing.T, ctx context.Context, alice *cdpTab) {
	t.Helper()
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
