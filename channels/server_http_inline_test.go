package channels_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// inlineModes are the two ways a worker of the server's process consumes
// an HTTP request: in the request's goroutine (inline, the default) or in
// a goroutine of its own (queued). The tests below expect the same answers
// from both.
var inlineModes = map[string]int{"inline": 0, "queued": -1}

// A response in parts reaches the client part by part while its consumer
// runs, whether the request is consumed in its handler's goroutine
// (inline) or by a worker goroutine (queued), and however many parts it
// has: more than ServerConfig.SendQueue here.
func TestHTTPResponseStreamsWhileConsumed(t *testing.T) {
	const parts = 40 // in bursts of 4, SendQueue is 8 below
	for name, inline := range inlineModes {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				read := make(chan struct{})
				stream := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
					for i := range parts {
						part := channels.Content{"status": 200, "content": fmt.Sprintf("part %02d;", i), "more_content": i < parts-1}
						if err := m.Reply(ctx, part); err != nil {
							return err
						}
						if i%4 == 0 {
							<-read // the client has this part before the next ones are sent
						}
					}
					return nil
				})
				b := startBubble(t, nil, channels.ServerConfig{SendQueue: 8}, channels.WorkerConfig{InlineLimit: inline},
					channels.Route("http.request", stream))
				resp, err := b.client.Get("http://pipe/")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				buf := make([]byte, len("part 00;"))
				for i := range parts {
					if _, err := io.ReadFull(resp.Body, buf); err != nil {
						t.Fatalf("part %d: %v", i, err)
					}
					if want := fmt.Sprintf("part %02d;", i); string(buf) != want {
						t.Fatalf("read %q, want %q", buf, want)
					}
					if i%4 == 0 {
						read <- struct{}{}
					}
				}
				if rest, _ := io.ReadAll(resp.Body); len(rest) != 0 {
					t.Errorf("after the last part: %q", rest)
				}
			})
		})
	}
}

// ResponseTimeout counts from the send: without an answer, the client gets
// 504 at ResponseTimeout, or, consumed inline by a consumer that returns
// after that, as soon as the consumer returns.
func TestHTTPResponseTimeoutCountsFromTheSend(t *testing.T) {
	for name, inline := range inlineModes {
		for _, busy := range []time.Duration{0, time.Second, 3 * time.Second} {
			t.Run(fmt.Sprintf("%s/busy %v", name, busy), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					silent := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
						time.Sleep(busy)
						return nil
					})
					b := startBubble(t, nil, channels.ServerConfig{ResponseTimeout: 2 * time.Second},
						channels.WorkerConfig{InlineLimit: inline}, channels.Route("http.request", silent))
					start := time.Now()
					resp, err := b.client.Get("http://pipe/")
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					want := 2 * time.Second
					if inline == 0 {
						want = max(busy, want)
					}
					if resp.StatusCode != 504 || time.Since(start) != want {
						t.Errorf("status %d after %v, want 504 after %v", resp.StatusCode, time.Since(start), want)
					}
				})
			})
		}
	}
}
