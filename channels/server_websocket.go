package channels

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

func isWebsocketUpgrade(r *http.Request) bool { return websocket.IsWebSocketUpgrade(r) }

// unusedWriteBuffers is gorilla's write buffer pool, which it only draws
// from for writes made through it: none are.
var unusedWriteBuffers sync.Pool

// serveWebsocket runs one WebSocket connection: it checks the handshake,
// sends websocket.connect, waits for the consumer's answer and upgrades;
// then a goroutine of the connection's own reads its frames (see
// serveUpgraded). Replies are written as wsWriter explains. Once
// websocket.connect is sent, websocket.disconnect follows, whatever
// happens to the connection.
func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	if herr := s.checkHandshake(w, r); herr != nil { // before any consumer runs for it
		herr.write(w)
		return
	}
	ep, reply := s.start(w, true)
	if ep == nil {
		return
	}
	scope := newRequestScope(r, reply)
	connect := scope.content()
	connect["order"] = int64(0)
	if !s.sendFirst(w, r, ep, NewMessage("websocket.connect", connect)) {
		s.closeEndpoint(ep)
		return
	}
	wc := &wsConn{srv: s, ep: ep, reply: reply, path: r.URL.Path, draining: make(chan struct{})}
	wc.replyValue, wc.pathValue = wc.reply, wc.path
	wc.sessionKey = ChannelSessionKey(reply)
	first, early, ok := s.awaitAccept(r.Context(), ep)
	if !ok {
		http.Error(w, "connection rejected", http.StatusForbidden)
		wc.disconnect(CloseAbnormal, false)
		s.closeEndpoint(ep)
		return
	}
	up := websocket.Upgrader{
		CheckOrigin:       func(*http.Request) bool { return true }, // checked above
		EnableCompression: false,
		// Frames are written by wsWriter, not through gorilla's writer: a
		// pool keeps gorilla from holding a write buffer per connection.
		WriteBufferPool: &unusedWriteBuffers,
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil { // the upgrader has answered the client
		wc.disconnect(CloseAbnormal, false)
		s.closeEndpoint(ep)
		return
	}
	// gorilla's part ends here: it refuses a client that sent frames
	// before the handshake's answer, so its read buffer holds nothing.
	wc.conn = conn.UnderlyingConn()
	wc.raw = socketDescriptor(wc.conn)
	wc.in = newWSReader(socketReader(wc.conn, wc.raw), s.cfg.MaxMessageSize, wc)
	go wc.serveUpgraded(first, early)
}

// serveUpgraded runs an upgraded connection until it closes. It is not
// net/http's handler goroutine: that one returns, and with it go the
// request, its headers and context, and net/http's response and write
// buffers, which a handler that kept the connection would keep for its
// whole life (about 8 KB per idle socket). A panic here, which net/http
// would have recovered, is logged and ends the connection alone: its
// socket is closed, its pings stop, and its consumer gets its
// websocket.disconnect (1011) unless it had it already.
func (c *wsConn) serveUpgraded(first Content, early []Content) {
	defer c.srv.closeEndpoint(c.ep)
	defer func() {
		if p := recover(); p != nil {
			c.srv.log.Error("channels: panic serving a WebSocket", "reply_channel", c.reply, "panic", p, "stack", string(debug.Stack()))
			c.conn.Close()
			c.stopPings()
			if !c.disconnected {
				c.disconnect(CloseInternalError, false)
			}
		}
	}()
	for _, event := range early {
		c.forwardEvent(event)
	}
	c.run(first)
}

// awaitAccept waits for the consumer's answer to websocket.connect. It
// returns the answer when the connection is accepted, explicitly or by
// data, and the typed events that came before it, for the consumer.
func (s *Server) awaitAccept(ctx context.Context, ep *endpoint) (first Content, early []Content, ok bool) {
	t := time.NewTimer(s.cfg.ConnectTimeout)
	defer t.Stop()
	for {
		if c, ok := ep.next(); ok {
			reply, isEvent := WebsocketReply(c)
			if isEvent {
				early = append(early, c)
				continue
			}
			c = reply
			if err := checkWebsocketReply(c); err != nil {
				s.log.Error("channels: bad reply to websocket.connect", "err", err)
				continue
			}
			if accept, ok := c.Bool("accept"); ok && !accept {
				return nil, nil, false
			}
			if c.Has("accept") || c.Has("text") || c.Has("bytes") {
				return c, early, true
			}
			return nil, nil, false // close during the handshake
		}
		select {
		case <-ep.ready:
		case <-t.C:
			return nil, nil, false
		case <-ep.dead:
			return nil, nil, false
		case <-ctx.Done():
			return nil, nil, false
		}
	}
}

// wsConn is an accepted WebSocket connection. Its goroutine reads frames;
// replies are written by whoever delivers them or by a flusher goroutine
// (see wsWriter).
type wsConn struct {
	srv   *Server
	conn  net.Conn        // the socket, once upgraded
	raw   syscall.RawConn // its descriptor (socketDescriptor), nil over TLS
	in    *wsReader
	w     *wsWriter
	ep    *endpoint
	reply string
	path  string
	order int64
	// replyValue and pathValue are reply and path as the values of a
	// message, boxed once per connection rather than once per frame.
	replyValue, pathValue any
	// sessionKey is the channel session key of reply, made once per
	// connection for ChannelSession rather than looked up per frame.
	sessionKey string
	// route is the last route match of the connection's frames, which
	// share their path: a router matches a connection once, not per frame.
	route routeMemo
	// closeCode is the code the server closed with, reported in
	// websocket.disconnect when the client's own code is unknown.
	closeCode atomic.Int64
	// drainEnd is when the drain stops reading (Unix nanoseconds), 0
	// until the server drains; draining is closed then.
	drainEnd atomic.Int64
	draining chan struct{}
	// deadlineMoved is when readDeadline last moved the read deadline, and
	// progressSeen the endpoint's progress then.
	deadlineMoved time.Time
	progressSeen  int64
	// disconnected is set by the reader once it sends websocket.disconnect.
	disconnected bool

	pingMu sync.Mutex
	pinger *time.Timer // nil once stopped

	events eventQueue // typed events on their way to the consumer
}

func (c *wsConn) run(first Content) {
	cfg := &c.srv.cfg
	c.w = newWSWriter(c.conn, c.raw, cfg.WriteTimeout, cfg.SendQueue, func() {
		c.closeCode.CompareAndSwap(0, ClosePolicyViolation) // the client stopped reading
	})
	c.deliver(first, false)
	c.ep.open(c)

	stopPings := c.schedulePings()
	stopKill := c.ep.onKill(func() { c.startClose(c.ep.code, false) })
	c.ep.websocket.Store(true)
	c.ep.onDrain(c.drain)
	c.srv.obs.ConnectionOpened(Websocket)
	code := CloseInternalError // unless the read loop returns
	defer func() { c.srv.obs.ConnectionClosed(Websocket, code) }()
	code, drained := c.readLoop()
	if drained {
		// Still open for writing: the answers come in, the consumer runs
		// its disconnect and the worker answers that with a close.
		c.awaitAnswers()
		if !c.disconnect(CloseGoingAway, true) {
			c.startClose(CloseGoingAway, false)
		}
		<-c.w.done
	}
	stopPings()
	stopKill()
	c.w.finishWrites() // what the reader queued last, such as a close answer
	c.conn.Close()
	if !drained {
		c.disconnect(code, false)
	}
}

// disconnect sends the connection's websocket.disconnect; drain asks the
// worker to answer it with a close (see Worker).
func (c *wsConn) disconnect(code int, drain bool) bool {
	c.disconnected = true
	msg := Content{
		"reply_channel": c.reply,
		"path":          c.path,
		"code":          int64(code),
		"order":         c.order + 1,
	}
	if drain {
		msg[DrainKey] = true
	}
	return c.srv.sendDisconnect(msg)
}

// readLoop turns frames into websocket.receive messages until the
// connection ends, and returns the close code to report; drained tells
// that reading stopped for a drain, with the socket still open.
func (c *wsConn) readLoop() (code int, drained bool) {
	var holding bool
	defer c.w.release()
	for {
		c.burst(&holding)
		if !c.awaitRoomInFlight() {
			if c.drainEnd.Load() != 0 && c.closeCode.Load() == 0 {
				return CloseGoingAway, true
			}
			return c.awaitClose(c.ep.code), false
		}
		// The deadline counts from here, where reading resumes: a call
		// consumed in this goroutine, or a wait for room in flight, does
		// not use it up while the client's frames wait unread.
		c.readDeadline()
		op, data, err := c.in.next()
		if err != nil {
			if c.awaitsServer(err) {
				c.deadlineMoved = time.Time{} // readDeadline moves it now
				continue
			}
			return c.readErrorCode(err)
		}
		if code, drained, stop := c.receiveFrame(op, data); stop {
			return code, drained
		}
	}
}

// receiveFrame sends the data message of opcode op and payload data as a
// websocket.receive. stop tells the read loop to end with code and
// drained (see readLoop).
func (c *wsConn) receiveFrame(op byte, data []byte) (code int, drained, stop bool) {
	if op == opText && !validUTF8(data) { // RFC 6455 8.1
		c.startClose(CloseInvalidPayload, true)
		return c.awaitClose(CloseInvalidPayload), false, true
	}
	m := c.receiveMessage(op, data)
	c.ep.sentOne()
	if err := c.srv.sendWaiting(c.ep.ctx, m, c.srv.cfg.BackpressureTimeout, c.w.release); err != nil {
		code := c.notSent(err)
		return code, false, true
	}
	return 0, false, false
}

// receiveMessage is the websocket.receive of the data message of opcode op
// and payload data, the connection's next. (It has a frame of its own, off
// the stack of the calls the message goes through.)
func (c *wsConn) receiveMessage(op byte, data []byte) *Message {
	c.order++
	frame := receiveFrame{reply: c.replyValue, path: c.pathValue, order: c.order, sessionKey: c.sessionKey, route: &c.route}
	if op == opText {
		return newTextMessage(&frame, data)
	}
	frame.bytes, frame.binary = bytes.Clone(data), true
	return newReceiveMessage(&frame)
}

// notSent closes the connection whose websocket.receive the layer did not
// take (err), and returns the code to report.
func (c *wsConn) notSent(err error) int {
	if c.ep.ctx.Err() != nil { // killed while waiting: the writer closes
		return c.awaitClose(c.ep.code)
	}
	code := CloseInternalError
	if errors.Is(err, ErrChannelFull) {
		code = CloseTryAgainLater
	}
	c.srv.log.Warn("channels: websocket.receive not sent; closing", "channel", c.reply, "code", code, "err", err)
	c.startClose(code, true)
	return c.awaitClose(code)
}

func (c *wsConn) readErrorCode(err error) (code int, drained bool) {
	var fe *frameError
	if errors.As(err, &fe) {
		// The client broke the protocol: the close frame goes out and the
		// socket closes, with no wait for an answer that cannot come.
		c.startClose(fe.code, true)
		return fe.code, false
	}
	var pc *peerClosed
	if errors.As(err, &pc) {
		return pc.code, false
	}
	if code := c.closeCode.Load(); code != 0 {
		return int(code), false
	}
	var ne net.Error
	if c.drainEnd.Load() != 0 && errors.As(err, &ne) && ne.Timeout() {
		return CloseGoingAway, true
	}
	return CloseAbnormal, false
}

// awaitClose reads until the client answers the close frame, or the
// deadline startClose set passes.
func (c *wsConn) awaitClose(code int) int {
	for {
		if _, _, err := c.in.next(); err != nil {
			var pc *peerClosed
			if errors.As(err, &pc) {
				return pc.code
			}
			return code
		}
	}
}
