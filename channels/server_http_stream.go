package channels

import "net/http"

// responseStream writes an HTTP response whose parts come while the
// request's goroutine is still sending the request: a worker of this
// process consuming it in that goroutine (DirectLayer.HandOver) streams
// its response with more_content. The first such part starts a goroutine
// of the stream's own, which writes the response part by part as the parts
// come, and the request's goroutine waits for it once its send returns. A
// response in one part, the common case, is written by the request's
// goroutine, with no goroutine started.
type responseStream struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	ep     *endpoint
	reply  string
	status chan int // the status written, from the stream's goroutine once started
}

// streamWhileSending arms ep for a response streamed during the send.
func (s *Server) streamWhileSending(w http.ResponseWriter, r *http.Request, ep *endpoint, reply string) *responseStream {
	rs := &responseStream{s: s, w: w, r: r, ep: ep, reply: reply}
	ep.mu.Lock()
	ep.stream = rs
	ep.mu.Unlock()
	return rs
}

// start runs the stream's goroutine. ep.mu is held.
func (rs *responseStream) start() {
	rs.status = make(chan int, 1)
	go func() { rs.status <- rs.s.writeResponse(rs.w, rs.r, rs.ep, rs.reply) }()
}

// end writes the response unless the stream's goroutine does, and returns
// its status. The send is over: later parts wait for the writer as usual.
func (rs *responseStream) end() int {
	rs.ep.mu.Lock()
	started := rs.ep.stream != rs
	rs.ep.stream = nil
	rs.ep.mu.Unlock()
	if started {
		return <-rs.status
	}
	return rs.s.writeResponse(rs.w, rs.r, rs.ep, rs.reply)
}
