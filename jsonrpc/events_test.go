package jsonrpc_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// Typed events sent to a group a client is in: one with a handler runs it,
// with the connection at hand; the others reach the client as
// notifications named after their type.
func TestTypedEventsAsNotifications(t *testing.T) {
	api := &testAPI{}
	must(t, api.Register(func(ctx context.Context) (bool, error) {
		return true, jsonrpc.MessageFrom(ctx).GroupAdd(ctx, "room")
	}, jsonrpc.Name("join")))
	api.HandleEvent("chat.special", func(ctx context.Context, m *channels.Message, event channels.Content) error {
		return m.SendText(ctx, `{"special":"`+event.String("text")+`"}`)
	})
	live := channelstest.NewLiveServer(t, jsonrpc.WebsocketRoute(api))
	conn := live.Dial("/")
	conn.SendText(`{"jsonrpc":"2.0","method":"join","id":1}`)
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","id":1,"result":true}` {
		t.Fatalf("join: %s", got)
	}
	ctx := context.Background()
	send := func(c channels.Content) {
		t.Helper()
		if err := (channels.Group{Name: "room", Layer: live.Layer}).Send(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	send(channels.Content{"type": "chat.message", "text": "hi", "n": 1})
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","method":"chat.message","params":{"n":1,"text":"hi"}}` {
		t.Errorf("unhandled event reached the client as %s", got)
	}
	send(channels.Content{"type": "chat.special", "text": "ho"})
	if got := conn.ReceiveText(); got != `{"special":"ho"}` {
		t.Errorf("handled event: the client got %s", got)
	}
	// Channels 1-style messages are still frames.
	send(channels.Content{"text": "plain"})
	if got := conn.ReceiveText(); got != "plain" {
		t.Errorf("a text message reached the client as %s", got)
	}
}

// The harness consumes a typed event without a network.
func TestTypedEventInTheHarness(t *testing.T) {
	api := &testAPI{}
	api.HandleEvent("chat.special", func(ctx context.Context, m *channels.Message, event channels.Content) error {
		return m.SendText(ctx, "special "+event.String("text"))
	})
	env := channelstest.New(t, jsonrpc.WebsocketRoute(api))
	client := env.Client()
	client.Connect("/")
	client.SendEventAndConsume(channels.Content{"type": "chat.special", "text": "hi"})
	if got := client.Receive(); got != "special hi" {
		t.Errorf("handled event: %v", got)
	}
	client.SendEventAndConsume(channels.Content{"type": "chat.message", "text": "hi"})
	want := map[string]any{"jsonrpc": "2.0", "method": "chat.message", "params": map[string]any{"text": "hi"}}
	if got := client.Receive(); !reflect.DeepEqual(got, want) {
		t.Errorf("unhandled event: %v, want %v", got, want)
	}
}
