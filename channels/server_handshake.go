package channels

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// A handshakeError is why a WebSocket upgrade request is refused before any
// consumer runs for it.
type handshakeError struct {
	status int
	text   string
	header [2]string // an optional header to answer with
}

// checkHandshake applies RFC 6455's rules for an opening handshake (the
// checks the upgrader makes, made first, so that a request the upgrade
// would refuse never sends websocket.connect), then the origin check.
func (s *Server) checkHandshake(w http.ResponseWriter, r *http.Request) *handshakeError {
	switch {
	case r.Method != http.MethodGet:
		return &handshakeError{http.StatusMethodNotAllowed, "a WebSocket handshake uses GET", [2]string{"Allow", "GET"}}
	case !r.ProtoAtLeast(1, 1): // RFC 6455 §4.1
		return &handshakeError{status: http.StatusBadRequest, text: "a WebSocket handshake needs HTTP/1.1 or later"}
	case !headerHasToken(r.Header, "Sec-Websocket-Version", "13"):
		return &handshakeError{http.StatusBadRequest, "unsupported WebSocket version", [2]string{"Sec-Websocket-Version", "13"}}
	case !validChallengeKey(r.Header.Get("Sec-Websocket-Key")):
		return &handshakeError{status: http.StatusBadRequest, text: "missing or malformed Sec-WebSocket-Key"}
	case !canHijack(w):
		return &handshakeError{status: http.StatusInternalServerError, text: "the connection cannot be upgraded"}
	case !s.originAllowed(r):
		return &handshakeError{status: http.StatusForbidden, text: "origin not allowed"}
	}
	return nil
}

func (e *handshakeError) write(w http.ResponseWriter) {
	if e.header[0] != "" {
		w.Header().Set(e.header[0], e.header[1])
	}
	http.Error(w, e.text, e.status)
}

// validChallengeKey reports whether key is the base64 form of 16 bytes.
func validChallengeKey(key string) bool {
	if key == "" {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(key)
	return err == nil && len(b) == 16
}

// canHijack is the upgrader's own test of the response writer.
func canHijack(w http.ResponseWriter) bool {
	_, ok := w.(http.Hijacker)
	return ok
}

// headerHasToken reports whether a comma-separated header lists token.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// originAllowed applies ServerConfig.CheckOrigin, or by default allows
// requests without an Origin header and those whose Origin names the host
// they were sent to.
func (s *Server) originAllowed(r *http.Request) bool {
	if s.cfg.CheckOrigin != nil {
		return s.cfg.CheckOrigin(r)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}
