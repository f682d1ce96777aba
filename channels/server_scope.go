package channels

import (
	"net"
	"net/http"
	"strconv"
	"strings"
)

// requestScope is what the server says of an HTTP request in its ASGI
// messages: the keys websocket.connect and http.request share, and, for a
// request, the keys of http.request. An http.request message keeps it as
// its compact content (newRequestMessage): its headers stay the request's
// header map, which net/http gives each request and no handler changes,
// until someone asks for the ASGI list.
type requestScope struct {
	reply, path, query string
	host               string      // r.Host, the "host" header
	header             http.Header // the request's own
	client             string      // host:port, "" when unknown
	server             net.Addr    // the local address, nil when unknown: made a string only when asked

	// http.request only.
	isRequest               bool
	method, version, scheme string
	body                    []byte
}

func newRequestScope(r *http.Request, reply string) requestScope {
	s := requestScope{reply: reply, path: r.URL.Path, query: r.URL.RawQuery, host: r.Host,
		header: r.Header, client: r.RemoteAddr}
	s.server, _ = r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return s
}

// newHTTPRequestScope is the scope of an http.request message of body.
func newHTTPRequestScope(r *http.Request, reply string, body []byte) *requestScope {
	s := newRequestScope(r, reply)
	s.isRequest, s.method, s.version, s.scheme, s.body = true, r.Method, httpVersion(r), "http", body
	if r.TLS != nil {
		s.scheme = "https"
	}
	return &s
}

// The keys of a scope's content: those websocket.connect and http.request
// share, then those of http.request.
var (
	scopeKeys   = []string{"reply_channel", "path", "query_string", "headers", "client", "server"}
	requestKeys = append(scopeKeys[:len(scopeKeys):len(scopeKeys)], "http_version", "method", "root_path", "scheme", "body")
)

// content is the scope as an ASGI content: get of each of its keys, but
// server when it is unknown.
func (s *requestScope) content() Content {
	keys := scopeKeys
	if s.isRequest {
		keys = requestKeys
	}
	c := make(Content, len(keys))
	for _, key := range keys {
		if key != "server" || s.server != nil {
			c[key] = s.get(key)
		}
	}
	return c
}

// get is the value of key in the scope's content, without building it.
func (s *requestScope) get(key string) any {
	switch key {
	case "reply_channel":
		return s.reply
	case "path":
		return s.path
	case "query_string":
		return []byte(s.query)
	case "headers":
		return asgiHeaders(s.host, s.header)
	case "client":
		return hostPort(s.client)
	case "server":
		if s.server != nil {
			return hostPort(s.server.String())
		}
		return nil
	}
	if !s.isRequest {
		return nil
	}
	switch key {
	case "http_version":
		return s.version
	case "method":
		return s.method
	case "root_path":
		return ""
	case "scheme":
		return s.scheme
	case "body":
		return s.body
	}
	return nil
}

// headerValue is the first value of the named header in the ASGI list,
// found without building it: that of the first name in the list's order.
func (s *requestScope) headerValue(name string) string {
	if strings.EqualFold(name, "host") && s.host != "" {
		return s.host
	}
	found, value := "", ""
	for key, values := range s.header {
		if len(values) > 0 && strings.EqualFold(key, name) && !strings.Contains(key, "_") &&
			(found == "" || key < found) {
			found, value = key, values[0]
		}
	}
	return value
}

// asgiHeaders lists the request headers as [name, value] byte pairs with
// lowercase names, sorted by name, after the host. Names containing '_'
// are dropped, as Daphne does, so that they cannot pass for their '-'
// twins. Every name and value shares one byte array and every pair one
// array of values, so that a header costs the boxing of its two byte
// strings and its pair.
func asgiHeaders(host string, header http.Header) []any {
	names := make([]string, 0, len(header))
	size, n := 0, 0
	if host != "" {
		size, n = len("host")+len(host), 1
	}
	for name, values := range header {
		if strings.Contains(name, "_") {
			continue
		}
		names = append(names, name)
		for _, v := range values {
			size, n = size+len(name)+len(v), n+1
		}
	}
	sortNames(names)
	h := headerList{text: make([]byte, 0, size), pairs: make([]any, 0, 2*n), list: make([]any, 0, n)}
	if host != "" {
		h.add("host", host)
	}
	for _, name := range names {
		for _, v := range header[name] {
			h.add(name, v)
		}
	}
	return h.list
}

// sortNames sorts a request's header names by insertion, as slices.Sort
// would for so few, but in one shallow frame: this runs in the goroutine
// of every connection, whose stack stays at its peak once grown, and a
// WebSocket's goroutine then parks for its whole life.
func sortNames(names []string) {
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
}

// headerList builds asgiHeaders' list in its three arrays.
type headerList struct {
	text  []byte // the names, lowercased, and the values
	pairs []any  // the pairs' elements
	list  []any  // the pairs
}

func (h *headerList) add(name, value string) {
	start := len(h.text)
	for i := range len(name) {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h.text = append(h.text, c)
	}
	mid := len(h.text)
	h.text = append(h.text, value...)
	end := len(h.text)
	k := len(h.pairs)
	h.pairs = append(h.pairs, h.text[start:mid:mid], h.text[mid:end:end])
	h.list = append(h.list, h.pairs[k:k+2:k+2])
}

func hostPort(addr string) any {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil
	}
	return []any{host, int64(p)}
}
