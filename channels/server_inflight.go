package channels

import (
	"context"
	"time"
)

// Messages in flight. The server counts, for each connection, the messages
// it sent that wait for a reply: a message counts on, a reply counts off
// (never below zero). For a consumer that replies to every frame, as the
// JSON-RPC consumer does (an answer, or an empty message for a frame of
// notifications), that is the number of calls in flight, and the server
// uses it three ways: MaxInFlight stops reading a socket with too many,
// CallTimeout closes a socket whose replies stopped coming, and a layer
// failure closes those that wait (see layerFailed). Replies the consumer
// sends unasked, such as group messages, count off too: the count errs
// low, never high, so it never holds back a connection that has no call in
// flight.

// sentOne counts on a message sent for the connection.
func (ep *endpoint) sentOne() {
	if ep.awaiting.Add(1) == 1 {
		ep.lastReply.Store(time.Now().UnixNano()) // the wait starts now
	}
}

// gotReply counts off a reply and wakes a reader waiting at MaxInFlight.
// A message while nothing awaits a reply (a group message to an idle
// connection) changes nothing, and costs nothing.
func (ep *endpoint) gotReply() {
	for {
		n := ep.awaiting.Load()
		if n <= 0 {
			return
		}
		if ep.awaiting.CompareAndSwap(n, n-1) {
			break
		}
	}
	ep.lastReply.Store(time.Now().UnixNano())
	select {
	case ep.replied <- struct{}{}:
	default:
	}
}

// stalled reports whether messages have waited longer than timeout with no
// reply coming.
func (ep *endpoint) stalled(now time.Time, timeout time.Duration) bool {
	return ep.awaiting.Load() > 0 && now.Sub(time.Unix(0, ep.lastReply.Load())) > timeout
}

// awaitRoomInFlight holds the reader while the connection has MaxInFlight
// messages waiting for replies. It returns false when the connection is
// killed or drained meanwhile.
func (c *wsConn) awaitRoomInFlight() bool {
	limit := int64(c.srv.cfg.MaxInFlight)
	for limit > 0 && c.ep.awaiting.Load() >= limit {
		c.w.release() // the replies held must not wait for the wait
		select {
		case <-c.ep.replied:
		case <-c.ep.dead:
			return false
		case <-c.draining:
			return false
		}
	}
	return true
}

// watchCalls closes, every tenth of CallTimeout, the WebSockets whose
// replies stopped coming, until ctx is done.
func (s *Server) watchCalls(ctx context.Context) {
	timeout := s.cfg.CallTimeout
	if timeout <= 0 {
		return
	}
	tick := time.NewTicker(max(timeout/10, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			s.closeStalled(now, timeout)
		}
	}
}

func (s *Server) closeStalled(now time.Time, timeout time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ep := range s.endpoints {
		if ep.websocket.Load() && ep.stalled(now, timeout) {
			s.log.Warn("channels: no reply within CallTimeout; closing", "connection", ep.local, "timeout", timeout)
			ep.kill(CloseInternalError)
		}
	}
}
