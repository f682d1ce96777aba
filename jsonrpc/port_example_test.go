package jsonrpc_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	"github.com/gochannels/channels-jsonrpc/jsonrpc/django"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// The examples of django-channels-jsonrpc's README, one by one, in Go. The
// README's section "From django-channels-jsonrpc, example by example" shows
// these functions beside their Python.

// MyJSONRPCConsumer is the README's consumer: its own Connect and
// Disconnect are called on websocket.connect and websocket.disconnect.
type MyJSONRPCConsumer struct{ jsonrpc.Consumer }

func (c *MyJSONRPCConsumer) Connect(ctx context.Context, m *channels.Message) error {
	return m.Accept(ctx)
}
func (c *MyJSONRPCConsumer) Disconnect(ctx context.Context, m *channels.Message) error { return nil }

func ping() string { return "pong" }

func pingOrFail(fakeAnError bool) (string, error) {
	if fakeAnError {
		return "", errors.New("fake_error") // an error response
	}
	return "pong", nil // a result
}

func pingWithSession(ctx context.Context) string {
	jsonrpc.MessageFrom(ctx).ChannelSession.Set("test", true)
	return "pong"
}

func notification1(ctx context.Context, param1, param2 string) {
	message := jsonrpc.MessageFrom(ctx)
	message.ChannelSession.Set("last_notification", param1+" "+param2)
}

func (c *MyJSONRPCConsumer) sendToGroup(ctx context.Context, groupName string) (bool, error) {
	m := jsonrpc.MessageFrom(ctx)
	return true, c.NotifyGroup(ctx, m.Layer, groupName, "notification.notif", map[string]any{"payload": 1234})
}

func (c *MyJSONRPCConsumer) sendToReplyChannel(ctx context.Context) (bool, error) {
	m := jsonrpc.MessageFrom(ctx)
	return true, c.NotifyChannel(ctx, m.Layer, m.ReplyChannel(), "notification.reply_channel", map[string]any{"payload": 12})
}

func newMyJSONRPCConsumer() *MyJSONRPCConsumer {
	api := &MyJSONRPCConsumer{}
	api.MustRegister(ping)
	api.MustRegister(ping, jsonrpc.Name("mymodule.rpc_ping"))
	api.MustRegister(pingOrFail, jsonrpc.Params("fake_an_error"))
	api.MustRegister(pingWithSession, jsonrpc.Name("session.ping"))
	api.MustRegisterNotification(notification1, jsonrpc.Name("notification.alt_name"), jsonrpc.OnlyWebsocket())
	api.MustRegister(api.sendToGroup, jsonrpc.Name("send_to_group"), jsonrpc.Params("group_name"))
	api.MustRegister(api.sendToReplyChannel, jsonrpc.Name("send_to_reply_channel"))
	api.ErrorData = true           // data = the error's message, as the original put it
	api.Encoder = django.Encoder{} // json_encoder_class = DjangoJSONEncoder
	return api
}

// The README's test, assertResult, with the test client of channelstest.
func assertResult(t channelstest.TB, client *channelstest.Client, method string, params, want any, isError bool) {
	client.SendTextAndConsume("websocket.receive", map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	key := map[bool]string{false: "result", true: "error"}[isError]
	if got := client.Receive().(map[string]any)[key]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s = %v, want %v", key, got, want)
	}
}

func Example_djangoChannelsJSONRPC() {
	t := docT{} // in a test: the test's *testing.T
	api := newMyJSONRPCConsumer()
	env := channelstest.New(t)
	api.Sessions = env.Sessions
	env.ApplyRoutes(jsonrpc.WebsocketRoute(api))
	client := env.Client()
	client.Connect("/")

	assertResult(t, client, "ping", map[string]any{}, "pong", false)
	assertResult(t, client, "mymodule.rpc_ping", map[string]any{}, "pong", false)
	assertResult(t, client, "pingOrFail", []any{false}, "pong", false)
	assertResult(t, client, "pingOrFail", map[string]any{"fake_an_error": true},
		map[string]any{"code": -32000, "message": "fake_error", "data": "fake_error"}, true)
	assertResult(t, client, "session.ping", map[string]any{}, "pong", false)
	saved, _ := client.ChannelSession().Get("test")
	fmt.Println("channel session test =", saved)

	client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"notification.alt_name","params":["val_param1","val_param2"]}`)
	fmt.Println("notification answered:", client.Receive() != nil)

	// The notifications reach the client before the call's response.
	client.JoinGroup("friends")
	client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"send_to_group","params":["friends"],"id":2}`)
	fmt.Println(client.ReceiveContent().String("text"))
	fmt.Println(client.ReceiveContent().String("text"))
	client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"send_to_reply_channel","id":3}`)
	fmt.Println(client.ReceiveContent().String("text"))
	fmt.Println(client.ReceiveContent().String("text"))
	// Output:
	// channel session test = true
	// notification answered: false
	// {"jsonrpc":"2.0","method":"notification.notif","params":{"payload":1234}}
	// {"jsonrpc":"2.0","id":2,"result":true}
	// {"jsonrpc":"2.0","method":"notification.reply_channel","params":{"payload":12}}
	// {"jsonrpc":"2.0","id":3,"result":true}
}
