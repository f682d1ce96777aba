package jsonrpc_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// BenchmarkHTTPPing measures JSON-RPC ping POSTs over the whole path
// (server → memory layer → worker → JSON-RPC consumer → layer → server)
// beside a net/http handler that answers the same body without decoding,
// in the same run. The allocations per op include the client's (the same
// in both); their difference is the server's cost.
//
//	go test -run '^$' -bench HTTPPing -benchmem ./jsonrpc
func BenchmarkHTTPPing(b *testing.B) {
	const conns = 16
	msg := []byte(`{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}`)
	pong := []byte(`{"jsonrpc":"2.0","id":1,"result":"pong"}`)
	b.Run("raw-net-http", func(b *testing.B) {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.ReadAll(r.Body); err != nil {
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(pong)
		}))
		defer ts.Close()
		posts(b, ts.URL+"/", conns, msg, pong)
	})
	b.Run("jsonrpc", func(b *testing.B) {
		api := &testAPI{}
		if err := api.Register(func() string { return "pong" }, jsonrpc.Name("ping")); err != nil {
			b.Fatal(err)
		}
		cfg := channelstest.LiveConfig{Layer: channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 1000})}
		live := channelstest.NewLiveServerConfig(b, cfg, jsonrpc.HTTPRoute(api))
		posts(b, live.URL+"/", conns, msg, pong)
	})
}

// posts sends b.N POSTs of msg to url over conns keep-alive connections,
// one at a time on each, and checks every answer is want.
func posts(b *testing.B, url string, conns int, msg, want []byte) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i := range conns {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Go(func() {
			buf := new(bytes.Buffer)
			for range n {
				res, err := client.Post(url, "application/json", bytes.NewReader(msg))
				if err != nil {
					b.Error(err)
					return
				}
				buf.Reset()
				_, err = buf.ReadFrom(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusOK || !bytes.Equal(buf.Bytes(), want) {
					b.Errorf("POST: %d %q %v", res.StatusCode, buf.Bytes(), err)
					return
				}
			}
		})
	}
	wg.Wait()
}
