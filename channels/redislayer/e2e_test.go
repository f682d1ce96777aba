package redislayer_test

import (
	"context"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// Two applications, each an interface server and a worker on a layer of its
// own, share one Redis as two processes would: a message from a client of
// one reaches, through a group, the clients of both.
func TestTwoProcessesChat(t *testing.T) {
	m := miniredis.RunT(t)
	routes := []channels.Routing{
		channels.Route("websocket.connect", channels.ConsumerFunc(func(ctx context.Context, msg *channels.Message) error {
			if err := msg.GroupAdd(ctx, "chat"); err != nil {
				return err
			}
			return msg.Accept(ctx)
		})),
		channels.Route("websocket.receive", channels.ConsumerFunc(func(ctx context.Context, msg *channels.Message) error {
			text, _ := msg.Text()
			return msg.Group("chat").Send(ctx, channels.Content{"text": "says " + text})
		})),
	}
	var apps []*channelstest.LiveServer
	for range 2 {
		l, err := redislayer.New(redislayer.Config{Hosts: []string{"redis://" + m.Addr()}, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		app := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{Layer: l}, routes...)
		t.Cleanup(func() { app.Close(); l.Close() })
		apps = append(apps, app)
	}
	a, b := apps[0].Dial("/"), apps[1].Dial("/")
	a.SendText("hello")
	for name, c := range map[string]*channelstest.WSConn{"a": a, "b": b} {
		if got := c.ReceiveText(); got != "says hello" {
			t.Errorf("client %s received %q", name, got)
		}
	}
	b.SendText("hi")
	for name, c := range map[string]*channelstest.WSConn{"a": a, "b": b} {
		if got := c.ReceiveText(); got != "says hi" {
			t.Errorf("client %s received %q", name, got)
		}
	}
}
