package channels

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

func isWebsocketUpgrade(r *http.Request) bool { return websocket.IsWebSocketUpgrade(r) }

// serveWebsocket runs one WebSocket connection: it sends websocket.connect,
// waits for the consumer's answer, upgrades, then reads frames in this
// goroutine while a second goroutine writes what arrives on the reply
// channel.
func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	ep, reply := s.open()
	if ep == nil {
		http.Error(w, "server is not accepting connections", http.StatusServiceUnavailable)
		return
	}
	defer s.closeEndpoint(ep)

	connect := scope(r, reply)
	connect["order"] = int64(0)
	if err := s.layer.Send(r.Context(), "websocket.connect", connect); err != nil {
		s.log.Warn("channels: websocket.connect not sent", "path", r.URL.Path, "err", err)
		http.Error(w, "server overloaded, try again later", http.StatusServiceUnavailable)
		return
	}
	first, ok := s.awaitAccept(r.Context(), ep)
	if !ok {
		http.Error(w, "connection rejected", http.StatusForbidden)
		return
	}
	up := websocket.Upgrader{
		CheckOrigin:       s.cfg.CheckOrigin,
		EnableCompression: false,
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	wc := &wsConn{srv: s, conn: conn, ep: ep, reply: reply, path: r.URL.Path}
	wc.run(first)
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

// wsConn is an accepted WebSocket connection.
type wsConn struct {
	srv   *Server
	conn  *websocket.Conn
	ep    *endpoint
	reply string
	path  string
	order int64
	// closeCode is the code the server closed with, reported in
	// websocket.disconnect when the client's own code is unknown.
	closeCode atomic.Int64
}

func (c *wsConn) run(first Content) {
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop(first)
	}()
	code := c.readLoop()
	c.ep.kill(code) // stops the writer if it is still running
	c.conn.Close()
	<-writerDone
	disconnect := Content{
		"reply_channel": c.reply,
		"path":          c.path,
		"code":          int64(code),
		"order":         c.order + 1,
	}
	// The connection is gone: a full layer cannot be reported to anyone.
	ctx, cancel := context.WithTimeout(context.Background(), c.srv.cfg.WriteTimeout)
	defer cancel()
	if err := c.srv.layer.Send(ctx, "websocket.disconnect", disconnect); err != nil {
		c.srv.log.Warn("channels: websocket.disconnect not sent", "channel", c.reply, "err", err)
	}
}

// readLoop turns frames into websocket.receive messages until the
// connection ends, and returns the close code to report.
func (c *wsConn) readLoop() int {
	cfg := &c.srv.cfg
	c.conn.SetReadLimit(cfg.MaxMessageSize)
	deadline := func() { c.conn.SetReadDeadline(time.Now().Add(cfg.PongTimeout)) }
	deadline()
	c.conn.SetPongHandler(func(string) error { deadline(); return nil })
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			return c.readErrorCode(err)
		}
		deadline()
		c.order++
		msg := Content{"reply_channel": c.reply, "path": c.path, "order": c.order}
		if kind == websocket.TextMessage {
			msg["text"] = string(data)
		} else {
			msg["bytes"] = data
		}
		if err := c.srv.layer.Send(context.Background(), "websocket.receive", msg); err != nil {
			code := CloseInternalError
			if errors.Is(err, ErrChannelFull) {
				code = CloseTryAgainLater
			}
			c.srv.log.Warn("channels: websocket.receive not sent; closing", "channel", c.reply, "code", code, "err", err)
			c.ep.kill(code)
			return c.awaitClose(code)
		}
	}
}

func (c *wsConn) readErrorCode(err error) int {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce):
		return ce.Code
	case errors.Is(err, websocket.ErrReadLimit):
		return CloseMessageTooBig
	}
	if code := c.closeCode.Load(); code != 0 {
		return int(code)
	}
	return CloseAbnormal
}

// awaitClose lets the writer send the close frame, then reads until the
// client answers it or the socket fails.
func (c *wsConn) awaitClose(code int) int {
	c.conn.SetReadDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			return code
		}
	}
}

// writeLoop is the connection's only writer: it writes the messages of the
// reply channel, and pings, until the connection dies.
func (c *wsConn) writeLoop(first Content) {
	ping := time.NewTicker(c.srv.cfg.PingInterval)
	defer ping.Stop()
	if !c.write(first) {
		return
	}
	for {
		select {
		case m := <-c.ep.out:
			if !c.write(m) {
				return
			}
		case <-ping.C:
			c.conn.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				c.conn.Close()
				return
			}
		case <-c.ep.dead:
			c.sendClose(c.ep.code)
			return
		}
	}
}

// write sends one reply message to the socket; false means the connection
// is finished (closed by request or broken).
func (c *wsConn) write(m Content) bool {
	if err := checkWebsocketReply(m); err != nil {
		c.srv.log.Error("channels: bad WebSocket reply ignored", "channel", c.reply, "err", err)
		return true
	}
	c.conn.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	var err error
	if text, ok := m["text"].(string); ok {
		err = c.conn.WriteMessage(websocket.TextMessage, []byte(text))
	} else if b, ok := m["bytes"].([]byte); ok {
		err = c.conn.WriteMessage(websocket.BinaryMessage, b)
	}
	if err != nil {
		c.conn.Close()
		return false
	}
	if code, ok := closeCodeOf(m); ok {
		c.sendClose(code)
		return false
	}
	return true
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

// sendClose starts the closing handshake; the reader sees the client's
// answer, or the deadline, and ends the connection.
func (c *wsConn) sendClose(code int) {
	c.closeCode.Store(int64(code))
	deadline := time.Now().Add(c.srv.cfg.WriteTimeout)
	msg := websocket.FormatCloseMessage(code, "")
	if err := c.conn.WriteControl(websocket.CloseMessage, msg, deadline); err != nil {
		c.conn.Close()
		return
	}
	c.conn.SetReadDeadline(deadline)
}
