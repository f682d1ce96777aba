package channels

import (
	"errors"
	"strings"
	"time"
)

// What reaches an open WebSocket: replies turned into frames, typed events
// passed on to the consumer (server_events.go), pings, and the close.

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

// send writes or queues a frame. A client whose queue is full is cut off:
// it gets SlowClientTimeout to take what is being written, then a 1008.
func (c *wsConn) send(f []byte, kind frameKind, inline bool) {
	c.cutIfFull(c.w.send(f, kind, inline))
}

// sendText is send for a text frame. A text frame is UTF-8 (RFC 6455
// 5.6): invalid bytes a consumer sent become U+FFFD.
func (c *wsConn) sendText(text string, inline bool) {
	if !validUTF8String(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	c.cutIfFull(c.w.sendText(opText, text, inline))
}

// cutIfFull cuts the client off when a send found its queue full.
func (c *wsConn) cutIfFull(err error) {
	if err != nil {
		c.srv.log.Warn("channels: slow client cut off", "channel", c.reply, "queue", c.srv.cfg.SendQueue)
		c.srv.obs.SlowClientCut()
		grace := c.srv.cfg.SlowClientTimeout
		c.w.cut(grace)
		c.closeCode.CompareAndSwap(0, ClosePolicyViolation)
		c.send(closeFrame(ClosePolicyViolation), closingFrame, false)
		c.conn.SetReadDeadline(time.Now().Add(grace))
		c.ep.kill(ClosePolicyViolation)
	}
}

// deliver turns a message to the connection into frames, or passes a
// typed event on to its consumer.
func (c *wsConn) deliver(m Content, inline bool) {
	if _, typed := m["type"]; typed {
		if text, ok := m[EventTextKey].(string); ok { // a group notification: no copy per member
			c.sendText(text, inline)
			return
		}
		reply, isEvent := WebsocketReply(m)
		if isEvent {
			c.forwardEvent(m)
			return
		}
		m = reply
	}
	if err := checkWebsocketReply(m); err != nil {
		c.srv.log.Error("channels: bad WebSocket reply ignored", "channel", c.reply, "err", err)
		return
	}
	if text, ok := m["text"].(string); ok {
		c.sendText(text, inline)
	} else if b, ok := m["bytes"].([]byte); ok {
		c.send(frame(opBinary, b), dataFrame, inline)
	}
	if code, ok := closeCodeOf(m); ok {
		c.startClose(code, inline)
	}
}

// deliverText sends a text frame: deliver of {"text": text}.
func (c *wsConn) deliverText(text string, inline bool) { c.sendText(text, inline) }

// startClose sends a close frame and gives the client WriteTimeout to
// answer it before the reader gives up.
func (c *wsConn) startClose(code int, inline bool) {
	if !c.closeCode.CompareAndSwap(0, int64(code)) {
		return
	}
	c.send(closeFrame(code), closingFrame, inline)
	c.conn.SetReadDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
}

// schedulePings sends a ping every PingInterval from a timer (no
// goroutine waits for it), until the returned stop is called.
func (c *wsConn) schedulePings() (stop func()) {
	c.pingMu.Lock()
	defer c.pingMu.Unlock()
	c.pinger = time.AfterFunc(c.srv.cfg.PingInterval, c.ping)
	return c.stopPings
}

func (c *wsConn) ping() {
	c.pingMu.Lock()
	defer c.pingMu.Unlock()
	if c.pinger == nil {
		return // stopped
	}
	c.send(frame(opPing, ""), pingFrame, false)
	c.pinger.Reset(c.srv.cfg.PingInterval)
}

// stopPings stops the pings, if they started and are not stopped yet.
func (c *wsConn) stopPings() {
	c.pingMu.Lock()
	defer c.pingMu.Unlock()
	if c.pinger != nil {
		c.pinger.Stop()
		c.pinger = nil
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
