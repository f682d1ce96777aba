package auth

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// AllowedOrigins returns an origin check for channels.ServerConfig.CheckOrigin
// that allows the WebSocket handshakes whose Origin header matches one of
// origins. An entry is one of:
//
//   - "*": every origin, even one that is not well formed.
//   - "scheme://host[:port]", such as "https://example.com": that origin
//     exactly. Scheme and host compare case-insensitively; an omitted port
//     is the scheme's default (80 for http and ws, 443 for https and wss),
//     so "https://example.com" also matches "https://example.com:443".
//   - "scheme://*.example.com[:port]": any subdomain of example.com, at any
//     depth, with that scheme and port; example.com itself is not matched,
//     list it too if you want it.
//   - "host[:port]" or "*.example.com[:port]" without a scheme: that host
//     (or its subdomains) under any scheme, and on any port when the entry
//     has none.
//
// A request without an Origin header is allowed: browsers always send one
// with a WebSocket handshake, so such a request comes from a program, which
// could forge the header anyway; checking origins protects browser users
// against other sites (cross-site WebSocket hijacking), not the server
// against programs. An Origin that is present but is not a
// scheme://host[:port] origin ("null", a URL with a path) is refused. Unlike
// the server's default check, the request's own host is not allowed unless
// listed.
//
// AllowedOrigins panics on a malformed entry, like regexp.MustCompile: the
// list is configuration, fixed when the program starts. The returned
// function is safe for concurrent use.
func AllowedOrigins(origins ...string) func(*http.Request) bool {
	patterns := make([]originPattern, 0, len(origins))
	all := false
	for _, o := range origins {
		p, err := parseOriginPattern(o)
		if err != nil {
			panic(fmt.Sprintf("auth: AllowedOrigins: %v", err))
		}
		patterns = append(patterns, p)
		all = all || p.all
	}
	return func(r *http.Request) bool {
		values := r.Header.Values("Origin")
		if len(values) == 0 || all {
			return true
		}
		scheme, host, port, ok := parseOrigin(values[0])
		if !ok {
			return false
		}
		for _, p := range patterns {
			if p.match(scheme, host, port) {
				return true
			}
		}
		return false
	}
}

// originPattern is a parsed entry of AllowedOrigins.
type originPattern struct {
	all      bool   // "*"
	scheme   string // "" for any scheme
	host     string // the domain after "*." when wildcard
	wildcard bool
	port     string
	anyPort  bool // no scheme and no port given
}

func (p originPattern) match(scheme, host, port string) bool {
	switch {
	case p.scheme != "" && p.scheme != scheme:
		return false
	case !p.anyPort && p.port != port:
		return false
	case p.wildcard:
		return strings.HasSuffix(host, "."+p.host)
	}
	return host == p.host
}

func parseOriginPattern(s string) (originPattern, error) {
	if s == "*" {
		return originPattern{all: true}, nil
	}
	var p originPattern
	rest := s
	if scheme, after, ok := strings.Cut(s, "://"); ok {
		if scheme == "" {
			return p, fmt.Errorf("origin %q has an empty scheme", s)
		}
		p.scheme, rest = strings.ToLower(scheme), after
	}
	if after, ok := strings.CutPrefix(rest, "*."); ok {
		p.wildcard, rest = true, after
	}
	host, port, err := splitHostPort(rest)
	if err != nil || host == "" || strings.Contains(host, "*") ||
		(p.wildcard && strings.HasPrefix(host, "[")) {
		return p, fmt.Errorf("origin %q is not [scheme://][*.]host[:port]", s)
	}
	p.host, p.port = host, port
	switch {
	case p.scheme == "" && port == "":
		p.anyPort = true
	case port == "":
		p.port = defaultPort(p.scheme)
	}
	return p, nil
}

// parseOrigin splits the value of an Origin header into its lowercase
// scheme and host and its port (the scheme's default when omitted).
func parseOrigin(origin string) (scheme, host, port string, ok bool) {
	scheme, rest, found := strings.Cut(origin, "://")
	if !found || scheme == "" {
		return "", "", "", false
	}
	host, port, err := splitHostPort(rest)
	if err != nil || host == "" || strings.Contains(host, "*") {
		return "", "", "", false
	}
	scheme = strings.ToLower(scheme)
	if port == "" {
		port = defaultPort(scheme)
	}
	return scheme, host, port, true
}

// splitHostPort splits "host[:port]" (host may be a bracketed IPv6
// address) and lowercases the host. Anything else, such as a path, a user
// or a query, is an error.
func splitHostPort(s string) (host, port string, err error) {
	u, err := url.Parse("x://" + s)
	if err != nil {
		return "", "", err
	}
	if u.Host != s || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("%q is not host[:port]", s)
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", "", fmt.Errorf("%q has an empty port", s)
	}
	host = strings.ToLower(u.Hostname())
	if strings.HasPrefix(u.Host, "[") {
		host = "[" + host + "]"
	}
	if _, _, err := net.SplitHostPort(u.Host); err == nil {
		port = u.Port()
	}
	return host, port, nil
}

// defaultPort is the port of a scheme's URLs that name none; "" when the
// scheme has no usual default.
func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}
