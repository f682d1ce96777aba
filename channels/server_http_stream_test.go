package channels_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"testing/synctest"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// A response in parts reaches the client part by part while its consumer
// runs, whether the request is consumed in its handler's goroutine
// (inline) or by a worker goroutine (queued), and however many parts it
// has: more than ServerConfig.SendQueue here.
func TestHTTPResponseStreamsWhileConsumed(t *testing.T) {
	const parts = 40 // in bursts of 4, SendQueue is 8 below
	for name, inline := range map[string]int{"inline": 0, "queued": -1} {
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
