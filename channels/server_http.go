package channels

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// StatusClientClosed is the status the Observer is told for an HTTP
// request whose client went away before it was answered (nginx's 499).
const StatusClientClosed = 499

// serveRequest turns a plain HTTP request into an http.request message and
// writes the http.response message (and its more_content chunks) back.
func (s *Server) serveRequest(w http.ResponseWriter, r *http.Request) {
	s.obs.ConnectionOpened(HTTP)
	status := s.answerRequest(w, r)
	s.obs.ConnectionClosed(HTTP, status)
}

// answerRequest serves one request and returns the status it answered.
func (s *Server) answerRequest(w http.ResponseWriter, r *http.Request) int {
	if s.draining() {
		w.Header().Set("Connection", "close") // the next request goes elsewhere
	}
	body, status, err := s.readBody(w, r)
	if err != nil {
		w.Header().Set("Connection", "close")
		http.Error(w, err.Error(), status)
		return status
	}
	ep, reply := s.start(w, false)
	if ep == nil {
		return http.StatusServiceUnavailable
	}
	defer s.closeEndpoint(ep)
	// The request may be consumed in this goroutine (DirectLayer.HandOver),
	// which then watches nothing else: the client's leaving is watched
	// apart, for the whole request, and a response in parts is written by
	// a goroutine of its own (see responseStream).
	defer s.watchClient(r, reply)()
	stream := s.streamWhileSending(w, r, ep, reply)
	if !s.sendFirst(w, r, ep, newRequestMessage(newHTTPRequestScope(r, reply, body))) {
		stream.disarm() // not sent, not consumed: nothing streams
		return http.StatusServiceUnavailable
	}
	return stream.end()
}

// sizedBodyLimit is the largest Content-Length whose buffer is made before
// the body comes; a larger body grows its buffer as it comes, so that a
// client that announces much and sends little holds little.
const sizedBodyLimit = 64 << 10

// readBody reads the request body within MaxBodySize and BodyTimeout. A
// Content-Length over the limit fails at once, before anything is read. A
// failure comes with the status to answer.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	tooLarge := func() error { return fmt.Errorf("request body larger than %d bytes", s.cfg.MaxBodySize) }
	if r.ContentLength > s.cfg.MaxBodySize {
		return nil, http.StatusRequestEntityTooLarge, tooLarge()
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout)); err == nil {
		defer rc.SetReadDeadline(time.Time{})
	}
	var body []byte
	var err error
	if n := r.ContentLength; n >= 0 && n <= sizedBodyLimit { // the body ends there
		body = make([]byte, n)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodySize))
	}
	if err == nil {
		return body, 0, nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, http.StatusRequestTimeout, fmt.Errorf("request body not received within %v", s.cfg.BodyTimeout)
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, http.StatusRequestEntityTooLarge, tooLarge()
	}
	return nil, http.StatusBadRequest, errors.New("cannot read request body")
}

// start opens the endpoint of a new connection or request. When it
// cannot, it answers 503 itself and returns nil; otherwise the caller
// closes the endpoint.
func (s *Server) start(w http.ResponseWriter, websocket bool) (*endpoint, string) {
	ep, reply := s.open(websocket)
	if ep == nil {
		http.Error(w, "server is not accepting connections", http.StatusServiceUnavailable)
	}
	return ep, reply
}

// sendFirst sends the first message of the connection or request of ep.
// When it cannot, it answers 503 itself and returns false.
func (s *Server) sendFirst(w http.ResponseWriter, r *http.Request, ep *endpoint, m *Message) bool {
	ep.awaiting.Store(1)
	err := s.sendWaiting(r.Context(), m, s.cfg.BackpressureTimeout, nil)
	if err == nil {
		return true
	}
	s.log.Warn("channels: message not sent", "channel", m.Channel, "path", r.URL.Path, "err", err)
	w.Header().Set("Retry-After", "1")
	http.Error(w, unavailableText(err), http.StatusServiceUnavailable)
	return false
}

// writeResponse writes the consumer's response and returns its status.
// Its first part is awaited until firstBy, each other one for
// ResponseTimeout.
func (s *Server) writeResponse(w http.ResponseWriter, r *http.Request, ep *endpoint, reply string, firstBy time.Time) (status int) {
	for by := firstBy; ; by = time.Now().Add(s.cfg.ResponseTimeout) {
		c, err := s.awaitChunk(r.Context(), ep, by)
		if err != nil {
			if r.Context().Err() != nil { // answerRequest sends http.disconnect
				return cmp.Or(status, StatusClientClosed)
			}
			switch {
			case status != 0:
			case errors.Is(err, ErrClosed) && ep.code == CloseInternalError:
				w.Header().Set("Retry-After", "1")
				status = http.StatusServiceUnavailable
				http.Error(w, unavailableText(ErrLayerUnavailable), status)
			default:
				status = http.StatusGatewayTimeout
				http.Error(w, "no response from the application", status)
			}
			return status
		}
		if status == 0 {
			code, ok := c.Int("status")
			if !ok || code < 100 || code > 999 {
				s.log.Error("channels: http.response without a valid status", "channel", reply)
				http.Error(w, "bad response from the application", http.StatusBadGateway)
				return http.StatusBadGateway
			}
			setResponseHeaders(w.Header(), c["headers"])
			if s.draining() {
				w.Header().Set("Connection", "close")
			}
			status = int(code)
			w.WriteHeader(status)
		}
		if b := contentBytes(c["content"]); len(b) > 0 {
			if _, err := w.Write(b); err != nil {
				return status
			}
		}
		if more, _ := c.Bool("more_content"); !more {
			return status
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
}

var errResponseTimeout = errors.New("channels: response timed out")

// awaitChunk returns the next part of the response, waiting for it until
// by. A part consumed in the request's goroutine waits already: no timer
// is made for it.
func (s *Server) awaitChunk(ctx context.Context, ep *endpoint, by time.Time) (Content, error) {
	if c, ok := ep.next(); ok {
		return c, nil
	}
	t := time.NewTimer(time.Until(by))
	defer t.Stop()
	for {
		if c, ok := ep.next(); ok {
			return c, nil
		}
		select {
		case <-ep.ready:
		case <-t.C:
			return nil, errResponseTimeout
		case <-ep.dead:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *Server) sendHTTPDisconnect(reply, path string) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.WriteTimeout)
	defer cancel()
	msg := Content{"reply_channel": reply, "path": path}
	if err := s.send(ctx, NewMessage("http.disconnect", msg)); err != nil {
		s.log.Debug("channels: http.disconnect not sent", "channel", reply, "err", err)
	}
}

func setResponseHeaders(h http.Header, v any) {
	pairs, _ := v.([]any)
	for _, p := range pairs {
		pair, ok := p.([]any)
		if !ok || len(pair) != 2 {
			continue
		}
		h.Add(stringValue(pair[0]), stringValue(pair[1]))
	}
}

func contentBytes(v any) []byte {
	switch v := v.(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	return nil
}

func httpVersion(r *http.Request) string {
	switch {
	case r.ProtoMajor == 2:
		return "2"
	case r.ProtoMinor == 0:
		return "1.0"
	}
	return "1.1"
}

// unavailableText explains a 503: the layer is full, or cannot be reached.
func unavailableText(err error) string {
	if errors.Is(err, ErrChannelFull) {
		return "server overloaded, try again later"
	}
	return "service unavailable, try again later"
}
