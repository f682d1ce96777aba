package channels_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// httpTestView answers http.request by path: /hello/ in one response,
// /chunks/ in three, /fail/ with an error, /panic/ with a panic, /silent/
// not at all, and any other path with ErrNoRoute.
func httpTestView(ctx context.Context, m *channels.Message) error {
	switch m.Path() {
	case "/hello/":
		return m.Reply(ctx, channels.Content{
			"status":  200,
			"headers": []any{[]any{"Content-Type", "text/plain"}, []any{"X-Method", m.Method()}},
			"content": append([]byte("hello "), m.Body()...),
		})
	case "/chunks/":
		for i, part := range []string{"one,", "two,", "three"} {
			err := m.Reply(ctx, channels.Content{"status": 201, "content": part, "more_content": i < 2})
			if err != nil {
				return err
			}
		}
		return nil
	case "/fail/":
		return errors.New("view failed")
	case "/panic/":
		panic("view panicked")
	case "/silent/":
		return nil
	}
	return channels.ErrNoRoute
}

// httpThroughLayerCases are the requests made to httpTestView and the
// responses they get, behind a server with a 100-byte body limit.
var httpThroughLayerCases = []struct {
	method, path, body string
	status             int
	want               string
}{
	{"POST", "/hello/", "world", 200, "hello world"},
	{"GET", "/hello/", "", 200, "hello "},
	{"GET", "/chunks/", "", 200, "one,two,three"},
	{"GET", "/missing/", "", 404, "Not Found"},
	{"GET", "/fail/", "", 500, "Internal Server Error"},
	{"GET", "/panic/", "", 500, "Internal Server Error"},
	{"GET", "/silent/", "", 504, "no response from the application\n"},
	{"POST", "/hello/", strings.Repeat("b", 101), 413, "request body larger than 100 bytes\n"},
}

func TestHTTPThroughLayerAndWorker(t *testing.T) {
	a := startApp(t, nil, channels.ServerConfig{ResponseTimeout: 2 * time.Second, MaxBodySize: 100},
		channels.Route("http.request", channels.ConsumerFunc(httpTestView)))
	for _, tt := range httpThroughLayerCases {
		req, _ := http.NewRequest(tt.method, a.url+tt.path, strings.NewReader(tt.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status := tt.status
		if tt.path == "/chunks/" {
			status = 201
		}
		if resp.StatusCode != status || string(body) != tt.want {
			t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, body, status, tt.want)
		}
		if tt.path == "/hello/" && tt.status == 200 && resp.Header.Get("X-Method") != tt.method {
			t.Errorf("%s %s: X-Method = %q", tt.method, tt.path, resp.Header.Get("X-Method"))
		}
	}
}
