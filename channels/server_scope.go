package channels

import (
	"net"
	"net/http"
	"strconv"
	"strings"
)

// scope returns the ASGI keys shared by connect and request messages.
func scope(r *http.Request, reply string) Content {
	c := Content{
		"reply_channel": reply,
		"path":          r.URL.Path,
		"query_string":  []byte(r.URL.RawQuery),
		"headers":       asgiHeaders(r),
		"client":        hostPort(r.RemoteAddr),
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		c["server"] = hostPort(la.String())
	}
	return c
}

// asgiHeaders lists the request headers as [name, value] byte pairs with
// lowercase names, sorted by name. Names containing '_' are dropped, as
// Daphne does, so that they cannot pass for their '-' twins. Every name
// and value shares one byte array and every pair one array of values, so
// that a header costs the boxing of its two byte strings and its pair.
func asgiHeaders(r *http.Request) []any {
	names := make([]string, 0, len(r.Header))
	size, n := 0, 0
	if r.Host != "" {
		size, n = len("host")+len(r.Host), 1
	}
	for name, values := range r.Header {
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
	if r.Host != "" {
		h.add("host", r.Host)
	}
	for _, name := range names {
		for _, v := range r.Header[name] {
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
