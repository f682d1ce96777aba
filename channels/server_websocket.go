package channels

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

func isWebsocketUpgrade(r *http.Request) bool { return websocket.IsWebSocketUpgrade(r) }

// serveWebsocket runs one WebSocket connection: it checks the origin,
// sends websocket.connect, waits for the consumer's answer, upgrades, then
// reads frames in this goroutine. Replies are written as wsWriter explains.
func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	if !s.originAllowed(r) { // before any consumer runs for it
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	ep, reply, ok := s.start(w, r, "websocket.connect", func(connect Content) {
		connect["order"] = int64(0)
	})
	if !ok {
		return
	}
	defer s.closeEndpoint(ep)
	first, ok := s.awaitAccept(r.Context(), ep)
	if !ok {
		http.Error(w, "connection rejected", http.StatusForbidden)
		return
	}
	up := websocket.Upgrader{
		CheckOrigin:       func(*http.Request) bool { return true }, // checked above
		EnableCompression: false,
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	wc := &wsConn{srv: s, conn: conn, ep: ep, reply: reply, path: r.URL.Path}
	wc.run(first)
}

// originAllowed applies ServerConfig.CheckOrigin, or by default allows
// requests without an Origin header and those whose Origin names the host
// they were sent to.
func (s *Server) originAllowed(r *http.Request) bool {
	if s.cfg.CheckOrigin != nil {
		return s.cfg.CheckOrigin(r)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// awaitAccept waits for the consumer's answer to websocket.connect. It
// returns the answer when the connection is accepted, explicitly or by data.
func (s *Server) awaitAccept(ctx context.Context, ep *endpoint) (Content, bool) {
	t := time.NewTimer(s.cfg.ConnectTimeout)
	defer t.Stop()
	for {
		select {
		case c := <-ep.out:
			if err := checkWebsocketReply(c); err != nil {
				s.log.Error("channels: bad reply to websocket.connect", "err", err)
				continue
			}
			if accept, ok := c.Bool("accept"); ok && !accept {
				return nil, false
			}
			if c.Has("accept") || c.Has("text") || c.Has("bytes") {
				return c, true
			}
			return nil, false // close during the handshake
		case <-t.C:
			return nil, false
		case <-ep.dead:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}

// checkWebsocketReply enforces Daphne's rule: a reply to a WebSocket has only
// the keys accept, text, bytes and close, and not both text and bytes.
func checkWebsocketReply(c Content) error {
	for k := range c {
		switch k {
		case "accept", "text", "bytes", "close":
		default:
			return errors.New("unknown key " + k + " in a WebSocket reply")
		}
	}
	if c.Has("text") && c.Has("bytes") {
		return errors.New("a WebSocket reply has both text and bytes")
	}
	return nil
}

// wsConn is an accepted WebSocket connection. Its goroutine reads frames;
// replies are written by whoever delivers them or by the writer goroutine
// (see wsWriter).
type wsConn struct {
	srv   *Server
	conn  *websocket.Conn
	w     *wsWriter
	ep    *endpoint
	reply string
	path  string
	order int64
	// closeCode is the code the server closed with, reported in
	// websocket.disconnect when the client's own code is unknown.
	closeCode atomic.Int64
}

func (c *wsConn) run(first Content) {
	cfg := &c.srv.cfg
	c.w = newWSWriter(c.conn.UnderlyingConn(), cfg.WriteTimeout, cfg.SendQueue)
	c.conn.SetPingHandler(func(data string) error {
		c.send(frame(opPong, data), false, false)
		return nil
	})
	c.conn.SetCloseHandler(func(code int, _ string) error {
		if code == websocket.CloseNoStatusReceived {
			c.send(frame(opClose, ""), true, false)
		} else {
			c.send(closeFrame(code), true, false)
		}
		return nil
	})
	c.deliver(first, false)
	c.ep.open(c.deliver)

	stop, writerDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop(stop)
	}()
	code := c.readLoop()
	close(stop)
	<-writerDone
	c.conn.Close()
	disconnect := Content{
		"reply_channel": c.reply,
		"path":          c.path,
		"code":          int64(code),
		"order":         c.order + 1,
	}
	// The connection is gone: a full layer cannot be reported to anyone.
	ctx, cancel := context.WithTimeout(context.Background(), cfg.WriteTimeout)
	defer cancel()
	if err := c.srv.send(ctx, "websocket.disconnect", disconnect); err != nil {
		c.srv.log.Warn("channels: websocket.disconnect not sent", "channel", c.reply, "err", err)
	}
}

// send writes or queues a frame; a client whose queue is full is closed.
func (c *wsConn) send(f []byte, isClose, inline bool) {
	if err := c.w.send(f, isClose, inline); err != nil {
		c.closeCode.CompareAndSwap(0, ClosePolicyViolation)
		c.ep.kill(ClosePolicyViolation)
	}
}

// deliver turns a reply message into frames.
func (c *wsConn) deliver(m Content, inline bool) {
	if err := checkWebsocketReply(m); err != nil {
		c.srv.log.Error("channels: bad WebSocket reply ignored", "channel", c.reply, "err", err)
		return
	}
	if text, ok := m["text"].(string); ok {
		c.send(frame(opText, text), false, inline)
	} else if b, ok := m["bytes"].([]byte); ok {
		c.send(frame(opBinary, b), false, inline)
	}
	if code, ok := closeCodeOf(m); ok {
		c.startClose(code, inline)
	}
}

// startClose sends a close frame and gives the client WriteTimeout to
// answer it before the reader gives up.
func (c *wsConn) startClose(code int, inline bool) {
	c.closeCode.CompareAndSwap(0, int64(code))
	c.send(closeFrame(code), true, inline)
	c.conn.SetReadDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
}

// readLoop turns frames into websocket.receive messages until the
// connection ends, and returns the close code to report.
func (c *wsConn) readLoop() int {
	cfg := &c.srv.cfg
	deadline := func() { c.conn.SetReadDeadline(time.Now().Add(cfg.PongTimeout)) }
	deadline()
	c.conn.SetPongHandler(func(string) error { deadline(); return nil })
	var buf bytes.Buffer // reused: each frame is copied out of it
	var limited io.LimitedReader
	for {
		kind, r, err := c.conn.NextReader()
		if err != nil {
			return c.readErrorCode(err)
		}
		buf.Reset()
		limited = io.LimitedReader{R: r, N: cfg.MaxMessageSize + 1}
		if _, err := buf.ReadFrom(&limited); err != nil {
			return c.readErrorCode(err)
		}
		data := buf.Bytes()
		if int64(len(data)) > cfg.MaxMessageSize {
			c.startClose(CloseMessageTooBig, true)
			return c.awaitClose(CloseMessageTooBig)
		}
		if c.closeCode.Load() == 0 {
			deadline()
		}
		c.order++
		msg := Content{"reply_channel": c.reply, "path": c.path, "order": c.order}
		if kind == websocket.TextMessage {
			msg["text"] = string(data)
		} else {
			msg["bytes"] = bytes.Clone(data)
		}
		if err := c.srv.send(context.Background(), "websocket.receive", msg); err != nil {
			code := CloseInternalError
			if errors.Is(err, ErrChannelFull) {
				code = CloseTryAgainLater
			}
			c.srv.log.Warn("channels: websocket.receive not sent; closing", "channel", c.reply, "code", code, "err", err)
			c.startClose(code, true)
			return c.awaitClose(code)
		}
	}
}

func (c *wsConn) readErrorCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	if code := c.closeCode.Load(); code != 0 {
		return int(code)
	}
	return CloseAbnormal
}

// awaitClose reads until the client answers the close frame, or the
// deadline startClose set passes.
func (c *wsConn) awaitClose(code int) int {
	for {
		if _, _, err := c.conn.NextReader(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			return code
		}
	}
}

// writeLoop is the connection's writer goroutine: it writes what could not
// be written at once, sends pings, and closes the connection when it is
// killed, until stop.
func (c *wsConn) writeLoop(stop <-chan struct{}) {
	ping := time.NewTicker(c.srv.cfg.PingInterval)
	defer ping.Stop()
	dead := c.ep.dead
	for {
		select {
		case <-c.w.wake:
			if err := c.w.flush(); errors.Is(err, os.ErrDeadlineExceeded) {
				// The client stopped reading: a slow consumer.
				c.closeCode.CompareAndSwap(0, ClosePolicyViolation)
			}
		case <-ping.C:
			c.send(frame(opPing, ""), false, false)
		case <-dead:
			dead = nil
			c.startClose(c.ep.code, false)
		case <-stop:
			select { // what the reader queued last, such as a close answer
			case <-c.w.wake:
				c.w.flush()
			default:
			}
			return
		}
	}
}

// closeCodeOf reads a reply's close key: true means 1000, a number is the
// code, false or absent means no close.
func closeCodeOf(m Content) (int, bool) {
	if b, ok := m.Bool("close"); ok {
		return CloseNormal, b
	}
	if n, ok := m.Int("close"); ok {
		return int(n), true
	}
	return 0, false
}
