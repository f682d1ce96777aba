package channels_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// waitsForCancel is a consumer that waits for its context to end and
// reports how, and when.
type waitsForCancel struct {
	started chan struct{}
	ended   chan error
}

func newWaitsForCancel() *waitsForCancel {
	return &waitsForCancel{started: make(chan struct{}, 1), ended: make(chan error, 1)}
}

func (c *waitsForCancel) Consume(ctx context.Context, m *channels.Message) error {
	c.started <- struct{}{}
	<-ctx.Done()
	c.ended <- ctx.Err()
	return nil
}

func TestCallContextEndsWhenTheWebsocketCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		call := newWaitsForCancel()
		// Frames go through the layer's queue (InlineLimit < 0), so that the
		// server reads on and sees the close while the call runs.
		b := startBubble(t, nil, channels.ServerConfig{}, channels.WorkerConfig{InlineLimit: -1},
			channels.Route("websocket.receive", call))
		conn := b.mustDial("/")
		conn.WriteMessage(websocket.TextMessage, []byte("wait"))
		<-call.started
		start := time.Now()
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		conn.Close()
		if err := <-call.ended; !errors.Is(err, context.Canceled) || time.Since(start) != 0 {
			t.Errorf("the call's context ended with %v after %v; want Canceled at once", err, time.Since(start))
		}
	})
}

// The request is consumed in its own goroutine (inline) or by a worker
// goroutine (InlineLimit < 0): either way its client's leaving cancels it.
func TestCallContextEndsWhenTheHTTPClientLeaves(t *testing.T) {
	for name, inline := range inlineModes {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				call := newWaitsForCancel()
				b := startBubble(t, nil, channels.ServerConfig{}, channels.WorkerConfig{InlineLimit: inline},
					channels.Route("http.request", call))
				ctx, leave := context.WithCancel(context.Background())
				req, _ := http.NewRequestWithContext(ctx, "POST", "http://pipe/", strings.NewReader("{}"))
				go b.client.Do(req)
				<-call.started
				start := time.Now()
				leave()
				if err := <-call.ended; !errors.Is(err, context.Canceled) || time.Since(start) != 0 {
					t.Errorf("the call's context ended with %v after %v; want Canceled at once", err, time.Since(start))
				}
			})
		})
	}
}

// The context of a call whose client stays is not cancelled: it ends
// with the worker's ConsumeTimeout.
func TestCallContextOutlivesNothingButItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		call := newWaitsForCancel()
		b := startBubble(t, nil, channels.ServerConfig{}, channels.WorkerConfig{ConsumeTimeout: 3 * time.Second},
			channels.Route("websocket.receive", call))
		conn := b.mustDial("/")
		conn.WriteMessage(websocket.TextMessage, []byte("wait"))
		<-call.started
		start := time.Now()
		if err := <-call.ended; !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 3*time.Second {
			t.Errorf("the call's context ended with %v after %v; want DeadlineExceeded after 3 s", err, time.Since(start))
		}
	})
}
