package channels_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// A bubble is a server, a worker and a layer behind an http.Server whose
// connections are in-memory pipes, so that it runs inside a testing/synctest
// bubble: its timeouts pass in fake time, at once and always the same way.
// A pipe has no buffer: a client that does not read blocks the server's
// writes at once, as a full socket does.
type bubble struct {
	t      *testing.T
	ln     *pipeListener
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
	ln := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
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
	b.client = &http.Client{Transport: &http.Transport{DialContext: ln.dial}}
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
	d := websocket.Dialer{NetDialContext: b.ln.dial}
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

// pipeListener is a net.Listener whose connections are net.Pipe pairs.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial is a DialContext for clients of the listener.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

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
