package channelstest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// LiveServer is a whole application on a real loopback listener: an
// interface server, a worker and a layer, for end-to-end tests over real
// sockets (Channels' ChannelLiveServerTestCase). It stops when the test
// ends.
type LiveServer struct {
	tb TB
	// URL is the base URL, "http://127.0.0.1:port".
	URL string
	// Layer is the layer the server and the worker share.
	Layer channels.Layer
	// Server is the interface server.
	Server *channels.Server

	cancel context.CancelFunc
	done   chan struct{}
	http   *httptest.Server
	once   sync.Once
}

// LiveConfig configures NewLiveServerConfig. The zero value gives a fresh
// memory layer, the server's defaults and two worker goroutines.
type LiveConfig struct {
	Layer  channels.Layer
	Server channels.ServerConfig
	Worker channels.WorkerConfig
}

// NewLiveServer starts routes on a fresh memory layer behind a real
// listener.
func NewLiveServer(tb TB, routes ...channels.Routing) *LiveServer {
	tb.Helper()
	return NewLiveServerConfig(tb, LiveConfig{}, routes...)
}

// NewLiveServerConfig starts routes with the given configuration.
func NewLiveServerConfig(tb TB, cfg LiveConfig, routes ...channels.Routing) *LiveServer {
	tb.Helper()
	router, err := channels.NewRouter(routes...)
	if err != nil {
		tb.Fatalf("channelstest: bad routes: %v", err)
	}
	if cfg.Layer == nil {
		cfg.Layer = channels.NewMemoryLayer(channels.MemoryConfig{})
	}
	if cfg.Worker.Concurrency == 0 {
		cfg.Worker.Concurrency = 2
	}
	srv := channels.NewServer(cfg.Layer, cfg.Server)
	worker := channels.NewWorker(cfg.Layer, router, cfg.Worker)
	ctx, cancel := context.WithCancel(context.Background())
	s := &LiveServer{tb: tb, Layer: cfg.Layer, Server: srv, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		channels.RunAll(ctx, srv, worker)
	}()
	s.http = httptest.NewServer(srv)
	s.URL = s.http.URL
	tb.Cleanup(s.Close)
	return s
}

// Shutdown stops the interface server and the worker gracefully, as a
// cancelled context does in production, and waits for them. The listener
// stays open, so a test can see how later requests are refused.
func (s *LiveServer) Shutdown() {
	s.cancel()
	<-s.done
}

// Close shuts the application down and closes the listener. It may be
// called more than once.
func (s *LiveServer) Close() {
	s.once.Do(func() {
		s.Shutdown()
		s.http.Close()
	})
}

// WebsocketURL is the ws:// URL of path on the server.
func (s *LiveServer) WebsocketURL(path string) string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + path
}

// Dial opens a WebSocket to path and fails the test if it is refused. The
// connection is closed when the test ends.
func (s *LiveServer) Dial(path string) *WSConn {
	s.tb.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(s.WebsocketURL(path), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		s.tb.Fatalf("channelstest: dial %s: %v (HTTP status %d)", path, err, status)
	}
	s.tb.Cleanup(func() { conn.Close() })
	return &WSConn{Conn: conn, tb: s.tb, Timeout: 10 * time.Second}
}

// WSConn is a client WebSocket with test helpers.
type WSConn struct {
	*websocket.Conn
	tb TB
	// Timeout bounds each read (10 s by default): a reply that does not
	// come fails the test instead of hanging it.
	Timeout time.Duration
}

// SendText sends a text frame: text itself, or text encoded as JSON when
// it is not a string.
func (c *WSConn) SendText(text any) {
	c.tb.Helper()
	s, ok := text.(string)
	if !ok {
		b, err := json.Marshal(text)
		if err != nil {
			c.tb.Fatalf("channelstest: encode frame: %v", err)
		}
		s = string(b)
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.tb.Fatalf("channelstest: send frame: %v", err)
	}
}

// ReceiveText reads the next frame and fails the test unless it is text.
func (c *WSConn) ReceiveText() string {
	c.tb.Helper()
	c.SetReadDeadline(time.Now().Add(c.Timeout))
	kind, data, err := c.ReadMessage()
	if err != nil {
		c.tb.Fatalf("channelstest: read frame: %v", err)
	}
	if kind != websocket.TextMessage {
		c.tb.Fatalf("channelstest: read a binary frame %q, want text", data)
	}
	return string(data)
}

// ReceiveJSON reads the next text frame decoded from JSON.
func (c *WSConn) ReceiveJSON() any {
	c.tb.Helper()
	text := c.ReceiveText()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		c.tb.Fatalf("channelstest: frame %q is not JSON: %v", text, err)
	}
	return v
}

// ReceiveClose reads until the server closes the connection and returns
// the close code.
func (c *WSConn) ReceiveClose() int {
	c.tb.Helper()
	c.SetReadDeadline(time.Now().Add(c.Timeout))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			c.tb.Fatalf("channelstest: read: %v, want a close frame", err)
		}
		return ce.Code
	}
}
