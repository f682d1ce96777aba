package channels

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Health. A process that runs an interface server answers two questions of
// its orchestrator: is it alive (it answers at all), and is it ready for
// traffic (running, not draining, its layer answering). Mount LiveHandler
// at /healthz and Server.ReadyHandler at /readyz.

// Pinger is implemented by layers whose backing service can be asked
// whether it answers (Redis: PING). A layer without it is taken to be
// always reachable, as the memory layer is.
type Pinger interface {
	Ping(ctx context.Context) error
}

// readyTimeout bounds the layer's answer to a readiness check.
const readyTimeout = time.Second

// Ready reports why the server should not get traffic, or nil: it is not
// running, it is draining, or its layer does not answer within a second.
func (s *Server) Ready(ctx context.Context) error {
	s.mu.Lock()
	running, stopping := s.running, s.stopping
	s.mu.Unlock()
	switch {
	case !running:
		return errors.New("channels: server not running")
	case stopping:
		return errors.New("channels: server draining")
	}
	if p, ok := s.layer.(Pinger); ok {
		ctx, cancel := context.WithTimeout(ctx, readyTimeout)
		defer cancel()
		if err := p.Ping(ctx); err != nil {
			return err
		}
	}
	return nil
}

// ReadyHandler answers 200 "ready" while the server is Ready, and 503 with
// the reason otherwise.
func (s *Server) ReadyHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := s.Ready(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ready\n"))
	})
}

// LiveHandler answers 200 "ok": the process is alive.
func LiveHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
}
