package channels

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// asgiHeaders: the host first, then the headers sorted by name, names
// lowercased, one pair per value, names with '_' dropped, all as bytes;
// Message.Header finds them whatever the case.
func TestASGIHeaders(t *testing.T) {
	r := httptest.NewRequest("POST", "http://example.com/rpc/", nil)
	r.Header = map[string][]string{
		"X-B": {"2", "3"}, "Accept": {"a"}, "X_Bad": {"z"}, "Upper-CASE": {"V"},
	}
	hs := asgiHeaders(r.Host, r.Header)
	var got []string
	for _, h := range hs {
		pair := h.([]any)
		got = append(got, fmt.Sprintf("%s=%s", pair[0].([]byte), pair[1].([]byte)))
	}
	if want := "[host=example.com accept=a upper-case=V x-b=2 x-b=3]"; fmt.Sprint(got) != want {
		t.Fatalf("headers %v, want %s", got, want)
	}
	// The pairs share arrays: growing one must not write over the next.
	first := hs[0].([]any)
	_ = append(first, "extra")
	name := first[0].([]byte)
	_ = append(name, 'X')
	if pair := hs[1].([]any); string(pair[0].([]byte)) != "accept" {
		t.Errorf("appending to the first pair changed the second: %q", pair[0])
	}
	m := NewMessage("", Content{"headers": hs})
	for name, want := range map[string]string{"HOST": "example.com", "x-b": "2", "Upper-Case": "V", "X_Bad": "", "none": ""} {
		if got := m.Header(name); got != want {
			t.Errorf("Header(%q) = %q, want %q", name, got, want)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { m.Header("x-b") }); allocs > 1 {
		t.Errorf("Header allocates %v times, want at most 1 (the value)", allocs)
	}
}

// An http.request in compact form answers its accessors as its map does,
// without building the map, and builds the ASGI map on demand.
func TestRequestMessageCompactContent(t *testing.T) {
	r := httptest.NewRequest("POST", "http://example.com/rpc/?a=1", nil)
	r.RemoteAddr = "10.0.0.1:5555"
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey,
		&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}))
	r.Header = http.Header{"Content-Type": {"application/json"}, "X-B": {"2", "3"},
		"x-b": {"9"}, "X_Bad": {"z"}} // "X-B" sorts before "x-b": its value is first
	body := []byte(`{"id":1}`)
	scope := func() *requestScope { return newHTTPRequestScope(r, "srv!abc", body) }

	m := newRequestMessage(scope())
	asMap := NewMessage("http.request", scope().content())
	for _, name := range []string{"host", "HOST", "x-b", "X-B", "content-type", "x_bad", "X_Bad", "none"} {
		if got, want := m.Header(name), asMap.Header(name); got != want {
			t.Errorf("Header(%q) = %q, its map says %q", name, got, want)
		}
	}
	if m.ReplyChannel() != "srv!abc" || m.Path() != "/rpc/" || m.QueryString() != "a=1" ||
		m.Method() != "POST" || string(m.Body()) != `{"id":1}` {
		t.Errorf("accessors read %q %q %q %q %q", m.ReplyChannel(), m.Path(), m.QueryString(), m.Method(), m.Body())
	}
	if _, ok := m.Order(); ok {
		t.Error("an http.request has an order")
	}
	if m.built.Load() != nil {
		t.Fatal("the accessors built the map")
	}
	if allocs := testing.AllocsPerRun(100, func() {
		m.Header("content-type")
		m.Method()
		m.Body()
		m.ReplyChannel()
	}); allocs != 0 {
		t.Errorf("the accessors allocate %v times, want 0", allocs)
	}

	want := Content{
		"reply_channel": "srv!abc", "path": "/rpc/", "query_string": []byte("a=1"),
		"headers": asgiHeaders("example.com", r.Header),
		"client":  []any{"10.0.0.1", int64(5555)}, "server": []any{"127.0.0.1", int64(8000)},
		"http_version": "1.1", "method": "POST", "root_path": "", "scheme": "http", "body": body,
	}
	if got := m.Content(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Content() = %v\nwant        %v", got, want)
	}
	m.Content()["method"] = "PUT" // once built, the map is the content
	if m.Method() != "PUT" {
		t.Errorf("Method() = %q after the map changed", m.Method())
	}
}

func TestRequestScopeSchemeAndVersion(t *testing.T) {
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	r.ProtoMinor = 0
	c := newHTTPRequestScope(r, "srv!abc", nil).content()
	if c["scheme"] != "https" || c["http_version"] != "1.0" {
		t.Errorf("scheme %v, http_version %v", c["scheme"], c["http_version"])
	}
	scope := newRequestScope(r, "srv!abc")
	connect := scope.content()
	if _, ok := connect["method"]; ok || connect["path"] != "/" {
		t.Errorf("a connect's scope %v has request keys", connect)
	}
}
