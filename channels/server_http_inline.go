package channels

import (
	"context"
	"net/http"
	"time"
)

// HTTP requests consumed in their handler's goroutine. With a DirectLayer,
// a worker of this process may consume a request in the goroutine that
// sends it (DirectLayer.HandOver), which writes the response once the
// consumer returns: the response in one part, the common case, costs no
// goroutine switch. Two things the handler's goroutine cannot do while it
// consumes are done otherwise:
//
//   - A response in parts (more_content) is streamed: the first part that
//     comes during the send starts a goroutine of the stream's own, which
//     writes the parts as they come; the handler's goroutine waits for it
//     once its send returns.
//   - ResponseTimeout counts from the send: a consumer that returns late
//     without an answer gets its 504 at once.
//
// The client's leaving is watched apart (watchClient).

// responseStream writes the response of a request being sent.
type responseStream struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	ep     *endpoint
	reply  string
	by     time.Time // when ResponseTimeout ends for the first part
	status chan int  // the status written, from the stream's goroutine once started
}

// streamWhileSending arms ep for a response streamed during the send.
func (s *Server) streamWhileSending(w http.ResponseWriter, r *http.Request, ep *endpoint, reply string) *responseStream {
	rs := &responseStream{s: s, w: w, r: r, ep: ep, reply: reply, by: time.Now().Add(s.cfg.ResponseTimeout)}
	ep.mu.Lock()
	ep.stream = rs
	ep.mu.Unlock()
	return rs
}

// start runs the stream's goroutine. ep.mu is held.
func (rs *responseStream) start() {
	rs.status = make(chan int, 1)
	go func() { rs.status <- rs.s.writeResponse(rs.w, rs.r, rs.ep, rs.reply, rs.by) }()
}

// end writes the response unless the stream's goroutine does, and returns
// its status. The send is over: later parts wait for the writer as usual.
func (rs *responseStream) end() int {
	if rs.disarm() {
		return <-rs.status
	}
	return rs.s.writeResponse(rs.w, rs.r, rs.ep, rs.reply, rs.by)
}

// disarm ends the send, and tells whether the stream's goroutine started.
func (rs *responseStream) disarm() (started bool) {
	rs.ep.mu.Lock()
	defer rs.ep.mu.Unlock()
	started = rs.ep.stream != rs
	rs.ep.stream = nil
	return started
}

// watchClient sends the request's http.disconnect as soon as its client
// leaves, until the returned stop is called. A context's AfterFunc starts
// after its Done is closed: stop sends the disconnect itself when the
// client has left and the watch has not started.
func (s *Server) watchClient(r *http.Request, reply string) (stop func()) {
	disconnect := func() { s.sendHTTPDisconnect(reply, r.URL.Path) }
	stopWatch := context.AfterFunc(r.Context(), disconnect)
	return func() {
		if stopWatch() && r.Context().Err() != nil {
			disconnect()
		}
	}
}
