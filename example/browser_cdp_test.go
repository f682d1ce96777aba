package main

import (
	"bufio"
	"context"
	"encoding/json"

	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The CDP client of browser_test.go: Chromium started and connected to,
// commands and their replies, and the errors the pages report.

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
	cmd := browserCommand(bin, t.TempDir())
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
	stderrLog := &chromiumLog{}
	urlc := make(chan string, 1)
	go stderrLog.scan(stderr, urlc)

	b := &cdpBrowser{t: t, pending: make(map[int64]chan cdpReply)}
	t.Cleanup(func() { b.shutDown(cmd, exited, stderrLog) })

	var devtools string
	select {
	case devtools = <-urlc:
	case <-exited:
		t.Fatalf("chromium exited before it listened:\n%s", stderrLog)
	case <-ctx.Done():
		t.Fatalf("chromium did not tell its DevTools URL in time:\n%s", stderrLog)
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

// browserCommand is headless Chromium bin with its profile in the folder
// profile and DevTools on a free port, in a process group of its own where
// the platform has them.
func browserCommand(bin, profile string) *exec.Cmd {
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--no-proxy-server", "--no-default-browser-check",
		"--disable-background-timer-throttling", "--disable-renderer-backgrounding",
		"--disable-backgrounding-occluded-windows", "--window-size=1280,860",
		"--user-data-dir="+profile, "--remote-debugging-port=0", "about:blank")
	browserProcessGroup(cmd)
	return cmd
}

// chromiumLog keeps the last 40 lines Chromium wrote on stderr.
type chromiumLog struct {
	mu   sync.Mutex
	tail []string
}

// scan reads Chromium's stderr to its end: it sends the DevTools URL on
// urlc (the first time only) and keeps every line but D-Bus noise.
func (l *chromiumLog) scan(stderr io.Reader, urlc chan<- string) {
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
		l.mu.Lock()
		l.tail = append(l.tail, line)
		if len(l.tail) > 40 {
			l.tail = l.tail[1:]
		}
		l.mu.Unlock()
	}
}

// String returns the lines kept, one a line.
func (l *chromiumLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.tail, "\n")
}

// shutDown closes Chromium (cmd, whose exit closes exited) over DevTools,
// kills it and its helpers if it lingers, and closes the connection; if
// the test failed, it logs Chromium's last lines on stderr.
func (b *cdpBrowser) shutDown(cmd *exec.Cmd, exited <-chan struct{}, stderrLog *chromiumLog) {
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
	if b.t.Failed() {
		b.t.Logf("chromium's last lines on stderr:\n%s", stderrLog)
	}
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
