package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gochannels/channels-jsonrpc/auth"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
	"github.com/gorilla/sessions"
)

// greeter accepts connections and greets every frame with the user's id.
var greeter = channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
	switch m.Channel {
	case "websocket.connect":
		return m.Accept(ctx)
	case "websocket.receive":
		if !m.User.IsAuthenticated() {
			return m.SendText(ctx, "hello stranger")
		}
		return m.SendText(ctx, "hello user "+m.User.ID())
	}
	return nil
})

// wsRoutes routes the three WebSocket channels of path to c.
func wsRoutes(path string, c channels.Consumer) []channels.Routing {
	var routes []channels.Routing
	for _, ch := range []string{"websocket.connect", "websocket.receive", "websocket.disconnect"} {
		routes = append(routes, channels.Route(ch, c, channels.Path(path)))
	}
	return routes
}

// The user logged in to the website at connect stays the connection's
// user. In a test file, t is the test's *testing.T.
func Example() {
	t := exampleT{}
	env := channelstest.New(t)
	users := auth.UserLoaderFunc(func(ctx context.Context, id string) (channels.User, error) {
		return auth.UserID(id), nil // look the user up in your database here
	})
	env.ApplyRoutes(wsRoutes(`^/ws/$`, channels.Chain(greeter,
		channels.ChannelSession(env.Sessions),
		auth.ChannelSessionUserFromHTTP(env.Sessions, users),
	))...)

	alice := env.Client()
	alice.Login(auth.UserID("42")) // sets the session cookie
	alice.Connect("/ws/")
	alice.SendTextAndConsume("websocket.receive", "hi")
	fmt.Println(alice.Receive())

	stranger := env.Client()
	stranger.Connect("/ws/")
	stranger.SendTextAndConsume("websocket.receive", "hi")
	fmt.Println(stranger.Receive())
	// Output:
	// hello user 42
	// hello stranger
}

// A consumer logs the connection in and out; the HTTP session is not
// involved.
func ExampleLogin() {
	t := exampleT{}
	env := channelstest.New(t)
	consumer := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		text, _ := m.Text()
		switch text {
		case "login":
			return auth.Login(ctx, m, auth.UserID("7"))
		case "logout":
			return auth.Logout(ctx, m)
		}
		return m.SendText(ctx, fmt.Sprintf("user %q", m.User.ID()))
	})
	env.ApplyRoutes(channels.Route("websocket.receive", channels.Chain(consumer,
		channels.ChannelSession(env.Sessions),
		auth.ChannelSessionUser(nil), // nil: the user is auth.UserID(id)
	)))
	client := env.Client()
	for _, text := range []string{"who", "login", "who", "logout", "who"} {
		client.SendTextAndConsume("websocket.receive", text)
		if text == "who" {
			fmt.Println(client.Receive())
		}
	}
	// Output:
	// user ""
	// user "7"
	// user ""
}

// Consumers see the user a gorilla/sessions web application logged in.
func ExampleGorillaSessions() {
	t := exampleT{}
	store := sessions.NewCookieStore([]byte("a 32-byte authentication key...."))

	// The web application's login handler.
	login := func(w http.ResponseWriter, r *http.Request) {
		s, _ := store.Get(r, "app")
		s.Values[auth.UserIDKey] = 42 // an integer id is read as "42"
		s.Save(r, w)
	}
	rec := httptest.NewRecorder()
	login(rec, httptest.NewRequest("POST", "/login", nil))
	cookie := rec.Result().Cookies()[0]

	env := channelstest.New(t)
	env.ApplyRoutes(wsRoutes(`^/ws/$`, channels.Chain(greeter,
		channels.ChannelSession(env.Sessions),
		auth.ChannelSessionUserFromHTTP(auth.GorillaSessions(store, "app"), nil),
	))...)
	client := env.Client()
	client.SetCookie(cookie.Name, cookie.Value) // the browser sends it
	client.Connect("/ws/")
	client.SendTextAndConsume("websocket.receive", "hi")
	fmt.Println(client.Receive())
	// Output: hello user 42
}

func ExampleAllowedOrigins() {
	check := auth.AllowedOrigins("https://example.com", "https://*.example.com")
	for _, origin := range []string{"https://example.com", "https://chat.example.com", "https://evil.com", ""} {
		r := httptest.NewRequest("GET", "/ws/", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		fmt.Printf("%q %v\n", origin, check(r))
	}
	// The server refuses the handshakes the check refuses:
	_ = channels.ServerConfig{CheckOrigin: check}
	// Output:
	// "https://example.com" true
	// "https://chat.example.com" true
	// "https://evil.com" false
	// "" true
}

// exampleT stands in for *testing.T in examples.
type exampleT struct{}

func (exampleT) Helper()                        {}
func (exampleT) Log(args ...any)                {}
func (exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (exampleT) Cleanup(func())                 {}

// Channels' http_user = True on the JSON-RPC consumer: the user logs in to
// the website over HTTP (a gorilla/sessions application here), and every
// WebSocket call sees that user. Over HTTP POST, the call sees the user of
// the request's cookie.
func ExampleWithHTTPUser() {
	t := exampleT{}
	website := sessions.NewCookieStore([]byte("a 32-byte authentication key...."))
	login := func(w http.ResponseWriter, r *http.Request) { // the website's login handler
		s, _ := website.Get(r, "app")
		s.Values[auth.UserIDKey] = "alice"
		s.Save(r, w)
	}
	rec := httptest.NewRecorder()
	login(rec, httptest.NewRequest("POST", "/login", nil))
	cookie := rec.Result().Cookies()[0]

	env := channelstest.New(t)
	api := &jsonrpc.Consumer{}
	api.Sessions = env.Sessions
	api.Middleware = auth.WithHTTPUser(auth.GorillaSessions(website, "app"), nil) // http_user = True
	api.MustRegister(func(ctx context.Context) string {
		return "hello " + jsonrpc.MessageFrom(ctx).User.ID()
	}, jsonrpc.Name("whoami"))
	env.ApplyRoutes(jsonrpc.AsRoute(api, channels.Path(`^/rpc/$`)))

	browser := env.Client()
	browser.SetCookie(cookie.Name, cookie.Value)
	browser.Connect("/rpc/") // the WebSocket
	browser.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","id":1,"method":"whoami"}`)
	fmt.Println(browser.ReceiveContent()["text"])

	browser.SetHeader("Content-Type", "application/json") // an HTTP POST
	resp := browser.Request("POST", []byte(`{"jsonrpc":"2.0","id":2,"method":"whoami"}`))
	fmt.Println(resp.Status, string(resp.Body))
	// Output:
	// {"jsonrpc":"2.0","id":1,"result":"hello alice"}
	// 200 {"jsonrpc":"2.0","id":2,"result":"hello alice"}
}
