package channels

import (
	"maps"
	"net"
	"net/http"
	"slices"
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
// lowercase names. Names containing '_' are dropped, as Daphne does, so
// that they cannot pass for their '-' twins.
func asgiHeaders(r *http.Request) []any {
	hs := make([]any, 0, len(r.Header)+1)
	if r.Host != "" {
		hs = append(hs, []any{[]byte("host"), []byte(r.Host)})
	}
	for _, name := range slices.Sorted(maps.Keys(r.Header)) {
		if strings.Contains(name, "_") {
			continue
		}
		lower := []byte(strings.ToLower(name))
		for _, v := range r.Header[name] {
			hs = append(hs, []any{lower, []byte(v)})
		}
	}
	return hs
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
