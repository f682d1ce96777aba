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
		ep.progress.Add(1) // the wait starts now
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
	ep.progress.Add(1)
	if ep.listening.Load() {
		select {
		case ep.replied <- struct{}{}:
		default:
		}
	}
}

// awaitReply waits for a reply to ep (or a wake-up that may be stale)
// once it awaits at least n, or until ep is dead or stop is ready; false
// then. Only the connection's reader calls it.
func awaitReply[T any](ep *endpoint, n int64, stop <-chan T) bool {
	ep.listening.Store(true)
	defer ep.listening.Store(false)
	if ep.awaiting.Load() < n { // a reply came before listening began
		return true
	}
	select {
	case <-ep.replied:
		return true
	case <-ep.dead:
		return false
	case <-stop:
		return false
	}
}

// stalled is asked by watchCalls at each of its ticks. It reports whether
// messages have awaited a reply for the last ticks ticks, with no reply
// coming: a count of replies, not a clock, so that a call costs no clock
// reading for it.
func (ep *endpoint) stalled(ticks int) bool {
	progress := ep.progress.Load()
	if ep.awaiting.Load() == 0 || progress != ep.watched.progress {
		ep.watched = progressSeen{progress: progress}
		return false
	}
	ep.watched.quietTicks++
	return ep.watched.quietTicks >= ticks
}

// progressSeen is what watchCalls saw of an endpoint at its last tick.
type progressSeen struct {
	progress   int64 // the endpoint's progress then
	quietTicks int   // the ticks since it last changed
}

// awaitRoomInFlight holds the reader while the connection has MaxInFlight
// messages waiting for replies. It returns false when the connection is
// killed or drained meanwhile.
func (c *wsConn) awaitRoomInFlight() bool {
	limit := int64(c.srv.cfg.MaxInFlight)
	for limit > 0 && c.ep.awaiting.Load() >= limit {
		c.w.release() // the replies held must not wait for the wait
		if !awaitReply(c.ep, limit, c.draining) {
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
	every := max(timeout/10, time.Millisecond)
	ticks := int((timeout + every - 1) / every)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.closeStalled(ticks, timeout)
		}
	}
}

func (s *Server) closeStalled(ticks int, timeout time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ep := range s.endpoints {
		if ep.websocket.Load() && ep.stalled(ticks) {
			s.log.Warn("channels: no reply within CallTimeout; closing", "connection", ep.local, "timeout", timeout)
			ep.kill(CloseInternalError)
		}
	}
}
