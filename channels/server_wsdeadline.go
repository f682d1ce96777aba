package channels

import (
	"errors"
	"net"
	"time"
)

// How long a WebSocket's reader waits for the client: the read deadline
// stands for the pong timeout (a client quiet for longer is gone) and,
// during a drain, for the idle time after which the reader stops. The
// reader moves it before each read.

// drain makes the reader stop once the client has been quiet for DrainIdle,
// and at the latest half way through the drain, which leaves the other half
// for the answers.
func (c *wsConn) drain() {
	cfg := &c.srv.cfg
	c.drainEnd.Store(time.Now().Add(cfg.ShutdownTimeout / 2).UnixNano())
	c.conn.SetReadDeadline(time.Now().Add(cfg.DrainIdle))
	close(c.draining)
}

// awaitAnswers waits, during a drain, until every message the connection
// sent has had its reply, or until three quarters of the drain are over.
// Replies come in the order of the messages of one channel, but the layer
// does not order websocket.disconnect after websocket.receive: waiting here
// keeps the disconnect from overtaking the last calls.
func (c *wsConn) awaitAnswers() {
	end := time.NewTimer(time.Until(time.Unix(0, c.drainEnd.Load()).Add(c.srv.cfg.ShutdownTimeout / 4)))
	defer end.Stop()
	for c.ep.awaiting.Load() > 0 {
		if !awaitReply(c.ep, 1, end.C) { // the reader is done: nobody else takes these
			return
		}
	}
}

// readDeadline sets the reader's deadline before each read, once the
// frame before is handled, and on a pong: the pong timeout, or during a
// drain the idle time. The drain flag is read after the deadline is set,
// so a drain that starts meanwhile is not missed.
//
// The pong timeout's deadline is moved at most once per sixteenth of it
// (a deadline is a timer to change, for every frame otherwise), a
// sixteenth further out: a client is cut off between PongTimeout and
// 17/16 of it after its last frame was handled, never sooner (and, when it
// awaits replies, after its last reply: see awaitsServer).
func (c *wsConn) readDeadline() {
	cfg := &c.srv.cfg
	if c.closeCode.Load() != 0 {
		return // closing: startClose set the deadline
	}
	if c.drainEnd.Load() == 0 {
		slack := cfg.PongTimeout / 16
		if time.Since(c.deadlineMoved) >= slack { // reads the monotonic clock only
			now := time.Now()
			c.conn.SetReadDeadline(now.Add(cfg.PongTimeout + slack))
			c.deadlineMoved = now
			c.progressSeen = c.ep.progress.Load()
		}
	}
	if end := c.drainEnd.Load(); end != 0 {
		c.conn.SetReadDeadline(time.Unix(0, min(time.Now().Add(cfg.DrainIdle).UnixNano(), end)))
	}
}

// awaitsServer tells whether err is the pong timeout's deadline passing
// while the client waits for the server, when the consumer replies to
// every frame (CallTimeout is set, and guards against replies that stop
// coming): the client awaits replies to its calls, or had one after the
// deadline was set. Such a client is quiet for no fault of its own,
// whether its calls run in the reader's goroutine or in a worker's, and
// its deadline counts again from now: it is cut off between PongTimeout
// and about twice that after its last reply, never sooner.
func (c *wsConn) awaitsServer(err error) bool {
	var ne net.Error
	if c.srv.cfg.CallTimeout <= 0 || !errors.As(err, &ne) || !ne.Timeout() || !c.in.between {
		return false
	}
	if c.closeCode.Load() != 0 || c.drainEnd.Load() != 0 {
		return false
	}
	return c.ep.awaiting.Load() > 0 || c.ep.progress.Load() != c.progressSeen
}
