package jsonrpc_test

import (
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// answerWatcher is an Observer that, when a call is recorded, takes what
// the client has received by then.
type answerWatcher struct {
	client *channelstest.Client
	seen   []string // the answer found at each record; "" when none yet
}

func (w *answerWatcher) Method(string) func(jsonrpc.Code, time.Duration) {
	return func(jsonrpc.Code, time.Duration) {
		got := ""
		if c := w.client.ReceiveContent(); c != nil {
			got = c.String("text")
		}
		w.seen = append(w.seen, got)
	}
}

// TestCallRecordedOnceAnswered: the consumer gives the Observer its record
// of a call after the answer is sent, with and without channel sessions
// (whose middleware holds the answer back until the session is saved), so
// that the Observer's work never delays a client.
func TestCallRecordedOnceAnswered(t *testing.T) {
	for _, sessions := range []bool{false, true} {
		env := channelstest.New(t)
		api := newTestAPI(t)
		if sessions {
			api.Sessions = env.Sessions
		}
		watch := &answerWatcher{}
		api.Options.Observer = watch
		env.ApplyRoutes(jsonrpc.WebsocketRoute(api))
		watch.client = env.Client()
		watch.client.Connect("/")

		watch.client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"ping","id":1}`)
		watch.client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"nope","id":2}`)
		want := []string{
			`{"jsonrpc":"2.0","id":1,"result":"pong"}`,
			`{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found"}}`,
		}
		if len(watch.seen) != len(want) {
			t.Fatalf("sessions %v: %d calls recorded, want %d", sessions, len(watch.seen), len(want))
		}
		for i := range want {
			if watch.seen[i] != want[i] {
				t.Errorf("sessions %v: at record %d the client had %q, want %q", sessions, i, watch.seen[i], want[i])
			}
		}
	}
}
