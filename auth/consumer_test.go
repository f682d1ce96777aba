package auth_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gochannels/channels-jsonrpc/auth"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// The user and, with WithHTTPUserAndSession, the HTTP session reach every
// call, over WebSocket (after connect, whose cookie named the session) and
// over HTTP.
func TestHTTPUserOptionsOnTheJSONRPCConsumer(t *testing.T) {
	for _, tt := range []struct {
		name        string
		option      func(channels.SessionStore, auth.UserLoader, ...auth.Option) channels.Middleware
		withSession bool
	}{
		{"WithHTTPUser", auth.WithHTTPUser, false},
		{"WithHTTPUserAndSession", auth.WithHTTPUserAndSession, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := channelstest.New(t)
			api := &jsonrpc.Consumer{}
			api.Sessions = env.Sessions
			api.Middleware = tt.option(env.Sessions, nil)
			api.MustRegister(func(ctx context.Context) string {
				m := jsonrpc.MessageFrom(ctx)
				return fmt.Sprintf("%s %v", m.User.ID(), m.HTTPSession != nil)
			}, jsonrpc.Name("who"))
			env.ApplyRoutes(jsonrpc.AsRoute(api))

			c := env.Client()
			c.Login(auth.UserID("7"))
			c.Connect("/")
			c.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","id":1,"method":"who"}`)
			want := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"result":"7 %v"}`, tt.withSession)
			if got := c.ReceiveContent()["text"]; got != want {
				t.Errorf("over WebSocket: %v, want %s", got, want)
			}
			c.SetHeader("Content-Type", "application/json")
			r := c.Request("POST", []byte(`{"jsonrpc":"2.0","id":2,"method":"who"}`))
			if want := `{"jsonrpc":"2.0","id":2,"result":"7 true"}`; string(r.Body) != want {
				t.Errorf("over HTTP: %d %s, want %s", r.Status, r.Body, want)
			}

			stranger := env.Client()
			stranger.Connect("/")
			stranger.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","id":1,"method":"who"}`)
			if got, want := stranger.ReceiveContent()["text"], `{"jsonrpc":"2.0","id":1,"result":" false"}`; got != want {
				t.Errorf("without a login: %v, want %s", got, want)
			}
		})
	}
}
