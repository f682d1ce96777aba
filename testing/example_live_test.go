package channelstest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// A live server runs routes behind a real loopback listener, with an
// interface server, a worker and a memory layer, so that a test can talk
// to them over real sockets: a WebSocket with Dial, HTTP with any client
// at its URL. In a test, t is the test's *testing.T, and the server and
// the connections close when the test ends.
func ExampleNewLiveServer() {
	t := &liveDocT{}
	defer t.finish()

	shout := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		text, _ := m.Text()
		return m.SendText(ctx, strings.ToUpper(text)+"!")
	})
	hello := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		return m.Reply(ctx, channels.Content{
			"status":  200,
			"headers": []any{[]any{"Content-Type", "text/plain"}},
			"content": []byte("hello " + m.Path()),
		})
	})
	live := channelstest.NewLiveServer(t,
		channels.Route("websocket.receive", shout, channels.Path(`^/shout/$`)),
		channels.Route("http.request", hello),
	)

	// websocket.connect has no route: the worker accepts the connection.
	conn := live.Dial("/shout/")
	conn.SendText("hi")
	fmt.Println(conn.ReceiveText())

	resp, err := http.Get(live.URL + "/world")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// HI!
	// 200 hello /world
}

// liveDocT stands in for the *testing.T of a test in the example; it runs
// the cleanups registered on it when the example calls finish.
type liveDocT struct{ cleanups []func() }

func (*liveDocT) Helper()                        {}
func (*liveDocT) Log(args ...any)                {}
func (*liveDocT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (t *liveDocT) Cleanup(f func())             { t.cleanups = append(t.cleanups, f) }
func (t *liveDocT) finish() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
