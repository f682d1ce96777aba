package channels_test

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// A bubble is a server, a worker and a layer behind an http.Server on a
// channelstest.PipeListener, so that it runs inside a testing/synctest
// bubble: its timeouts pass in fake time, at once and always the same way.
type bubble struct {
	t      *testing.T
	ln     *channelstest.PipeListener
	layer  channels.Layer
	srv    *channels.Server
	client *http.Client
	cancel context.CancelFunc
	done   chan struct{}
}

// startBubble starts the parts in the bubble of t (inside synctest.Test)
// and stops them when the test ends.
func startBubble(t *testing.T, layer channels.Layer, cfg channels.ServerConfig, wcfg channels.WorkerConfig, routes ...channels.Routing) *bubble {
	t.Helper()
	if layer == nil {
		layer = channels.NewMemoryLayer(channels.MemoryConfig{})
	}
	router, err := channels.NewRouter(routes...)
	if err != nil {
		t.Fatal(err)
	}
	ln := channelstest.NewPipeListener()
	b := &bubble{t: t, ln: ln, layer: layer, done: make(chan struct{})}
	b.srv = channels.NewServer(layer, cfg)
	hs := &http.Server{Handler: b.srv}
	go hs.Serve(ln)
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go func() {
		defer close(b.done)
		channels.RunAll(ctx, b.srv, channels.NewWorker(layer, router, wcfg))
	}()
	b.client = &http.Client{Transport: &http.Transport{DialContext: ln.DialContext}}
	synctest.Wait() // the server runs
	t.Cleanup(func() {
		b.shutdown()
		hs.Close()
		ln.Close()
		b.client.CloseIdleConnections()
	})
	return b
}

// shutdown stops the server and the worker and waits for them.
func (b *bubble) shutdown() {
	b.cancel()
	<-b.done
}

// dial opens a WebSocket to path, or returns the handshake's status.
func (b *bubble) dial(path string, header http.Header) (*websocket.Conn, int) {
	d := websocket.Dialer{NetDialContext: b.ln.DialContext}
	conn, resp, err := d.Dial("ws://pipe"+path, header)
	if err != nil {
		if resp == nil {
			b.t.Fatalf("dial %s: %v", path, err)
		}
		return nil, resp.StatusCode
	}
	return conn, http.StatusSwitchingProtocols
}

// mustDial opens a WebSocket to path.
func (b *bubble) mustDial(path string) *websocket.Conn {
	b.t.Helper()
	conn, status := b.dial(path, nil)
	if conn == nil {
		b.t.Fatalf("dial %s: status %d", path, status)
	}
	b.t.Cleanup(func() { conn.Close() })
	return conn
}

// newUpgradeRequest is a WebSocket handshake request with the given method,
// key and version.
func newUpgradeRequest(method, key, version string) (*http.Request, error) {
	req, err := http.NewRequest(method, "http://pipe/", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", version)
	return req, nil
}
