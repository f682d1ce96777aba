package channelstest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// failT records a harness failure instead of failing the real test.
type failT struct {
	mu       sync.Mutex
	failures []string
	cleanups []func()
}

func (f *failT) Helper()           {}
func (f *failT) Log(a ...any)      {}
func (f *failT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *failT) Fatalf(format string, a ...any) {
	f.mu.Lock()
	f.failures = append(f.failures, fmt.Sprintf(format, a...))
	f.mu.Unlock()
	runtime.Goexit()
}

// expectFailure runs fn with a failT and returns the failure it reported.
func expectFailure(t *testing.T, fn func(ft *failT)) string {
	t.Helper()
	ft := &failT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ft)
	}()
	<-done
	for _, c := range ft.cleanups {
		c()
	}
	if len(ft.failures) == 0 {
		t.Fatal("the harness did not fail the test")
	}
	return ft.failures[0]
}

func TestClientSendFillsTheMessage(t *testing.T) {
	env := channelstest.New(t)
	client := env.Client()
	client.Path = "/chat/?room=1"
	client.SetHeader("Origin", "http://example.com")
	client.SetCookie("csrftoken", "abc")
	client.Send("websocket.connect", nil)
	client.SendText("websocket.receive", map[string]any{"a": 1})

	connect := env.RequireNextMessage("websocket.connect")
	if connect.ReplyChannel() != client.ReplyChannel || !strings.HasPrefix(client.ReplyChannel, "default") {
		t.Errorf("reply_channel = %q, client's = %q", connect.ReplyChannel(), client.ReplyChannel)
	}
	if connect.Path() != "/chat/" || connect.QueryString() != "room=1" {
		t.Errorf("path, query = %q, %q; want /chat/, room=1", connect.Path(), connect.QueryString())
	}
	if o, _ := connect.Order(); o != 0 {
		t.Errorf("connect order = %d, want 0", o)
	}
	if connect.Header("origin") != "http://example.com" || connect.Header("cookie") != "csrftoken=abc" {
		t.Errorf("headers = %v", connect.Headers())
	}
	receive := env.RequireNextMessage("websocket.receive")
	if text, _ := receive.Text(); text != `{"a":1}` {
		t.Errorf("text = %q, want the JSON encoding", text)
	}
	if o, _ := receive.Order(); o != 1 {
		t.Errorf("receive order = %d, want 1", o)
	}
	if receive.Content().Has("headers") {
		t.Errorf("a websocket.receive carries headers: %v", receive.Content())
	}
}

func TestEnvCapacityIsTen(t *testing.T) {
	msg := expectFailure(t, func(ft *failT) {
		env := channelstest.New(ft)
		for i := range channelstest.TestCapacity + 1 {
			env.Send("test.channel", channels.Content{"n": i})
		}
	})
	if !strings.Contains(msg, "full") {
		t.Errorf("failure = %q, want the channel full", msg)
	}
}

func TestConsumeFailures(t *testing.T) {
	tests := []struct {
		name string
		run  func(ft *failT)
		want string
	}{
		{"no message", func(ft *failT) {
			channelstest.New(ft, channels.Route("websocket.receive", pingConsumer)).Client().Consume("websocket.receive")
		}, "no message on websocket.receive"},
		{"no route", func(ft *failT) {
			c := channelstest.New(ft).Client()
			c.SendTextAndConsume("websocket.receive", "x")
		}, "no route for message on websocket.receive"},
		{"consumer error", func(ft *failT) {
			c := channelstest.New(ft, channels.Route("websocket.receive", pingConsumer)).Client()
			c.SendTextAndConsume("websocket.receive", "not json")
		}, "consumer of websocket.receive failed"},
		{"rejected connection", func(ft *failT) {
			reject := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error { return m.Reject(ctx) })
			channelstest.New(ft, channels.Route("websocket.connect", reject)).Client().Connect("/")
		}, "connection rejected: got map[accept:false]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg := expectFailure(t, tt.run); !strings.Contains(msg, tt.want) {
				t.Errorf("failure = %q, want it to contain %q", msg, tt.want)
			}
		})
	}
}

func TestConnectAcceptAndDeny(t *testing.T) {
	deny := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		if m.Path() == "/private/" {
			return channels.ErrDenyConnection
		}
		return m.Accept(ctx)
	})
	env := channelstest.New(t, channels.Route("websocket.connect", deny))
	env.Client().Connect("/public/")

	client := env.Client()
	client.CheckAccept = false
	client.Connect("/private/")
	if got := client.ReceiveContent(); got == nil || got["close"] != true {
		t.Errorf("reply to a denied connection = %v, want {close: true}", got)
	}
}

func TestReceive(t *testing.T) {
	env := channelstest.New(t)
	client := env.Client()
	if got := client.Receive(); got != nil {
		t.Fatalf("Receive with nothing sent = %v, want nil", got)
	}
	ctx := context.Background()
	env.Layer.Send(ctx, client.ReplyChannel, channels.Content{"text": `{"x":[1,2]}`})
	env.Layer.Send(ctx, client.ReplyChannel, channels.Content{"text": "plain"})
	env.Layer.Send(ctx, client.ReplyChannel, channels.Content{"bytes": []byte{1}})
	if got := fmt.Sprint(client.Receive()); got != "map[x:[1 2]]" {
		t.Errorf("JSON text = %s", got)
	}
	if got := client.Receive(); got != "plain" {
		t.Errorf("plain text = %v", got)
	}
	if got := fmt.Sprint(client.Receive()); got != "map[bytes:[1]]" {
		t.Errorf("bytes message = %s, want its content", got)
	}
}

func TestJoinGroup(t *testing.T) {
	env := channelstest.New(t)
	a, b := env.Client(), env.Client()
	a.JoinGroup("room")
	b.JoinGroup("room")
	channels.Group{Name: "room", Layer: env.Layer}.Send(context.Background(), channels.Content{"text": `"hi"`})
	if a.Receive() != "hi" || b.Receive() != "hi" {
		t.Error("a group member did not receive the group message")
	}
}

func TestChannelSessionAndLogin(t *testing.T) {
	type seen struct{ user, visits string }
	var got seen
	counter := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		n, _ := m.ChannelSession.Int("visits")
		m.ChannelSession.Set("visits", n+1)
		got = seen{m.Header("cookie"), fmt.Sprint(n + 1)}
		return m.Accept(ctx)
	})
	env := channelstest.New(t)
	env.ApplyRoutes(channels.Route("websocket.connect", channels.Chain(counter, channels.ChannelSession(env.Sessions))))
	client := env.Client()
	client.Login(user("42"))
	client.Connect("/")
	if n, _ := client.ChannelSession().Int("visits"); n != 1 {
		t.Errorf("channel session visits = %d, want 1", n)
	}
	key := client.Session().Key()
	if got.user != channelstest.SessionCookieName+"="+key {
		t.Errorf("cookie header = %q, want the session cookie %s", got.user, key)
	}
	if id := client.Session().String("_auth_user_id"); id != "42" {
		t.Errorf("session user id = %q, want 42", id)
	}
}

type user string

func (u user) ID() string            { return string(u) }
func (u user) IsAuthenticated() bool { return u != "" }

func TestConsumersRunInTestMode(t *testing.T) {
	var testMode bool
	probe := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		testMode = channels.TestMode(ctx)
		return nil
	})
	env := channelstest.New(t, channels.Route("websocket.receive", probe))
	env.Client().SendTextAndConsume("websocket.receive", "x")
	if !testMode {
		t.Error("consumer context is not in test mode")
	}
}

func TestLiveServer(t *testing.T) {
	live := channelstest.NewLiveServer(t, channels.Route("websocket.receive", pingConsumer))
	conn := live.Dial("/ws/")
	conn.SendText(map[string]any{"jsonrpc": "2.0", "method": "ping", "id": "a"})
	reply := conn.ReceiveJSON().(map[string]any)
	if reply["result"] != "pong" || reply["id"] != "a" {
		t.Errorf("reply = %v", reply)
	}
}

// A typed event on the client's channel is consumed as the interface
// server passes it on when a route takes websocket.event, and returned as
// it came otherwise.
func TestClientReceivesTypedEventsAsTheServerDoes(t *testing.T) {
	upper := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		event, _, _ := m.Event()
		return m.SendText(ctx, strings.ToUpper(event.String("text")))
	})
	env := channelstest.New(t, channels.Route(channels.EventChannel, upper))
	c := env.Client()
	env.Send(c.ReplyChannel, channels.Content{"type": "chat.message", "text": "hi"})
	if got := c.Receive(); got != "HI" {
		t.Errorf("routed event: received %v, want the consumer's answer", got)
	}
	env.Send(c.ReplyChannel, channels.Content{"type": "x.y", channels.EventTextKey: "as is"})
	if got := c.Receive(); got != "as is" {
		t.Errorf("event with its text: received %v", got)
	}

	bare := channelstest.New(t, channels.Route("websocket.receive", upper))
	b := bare.Client()
	bare.Send(b.ReplyChannel, channels.Content{"type": "chat.message", "text": "hi"})
	if got := b.ReceiveContent(); got.String("type") != "chat.message" {
		t.Errorf("unrouted event: received %v, want it as it came", got)
	}
}
