package channelstest

import (
	"context"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// SessionCookieName is the cookie that carries a client's HTTP session key,
// Django's default SESSION_COOKIE_NAME.
const SessionCookieName = "sessionid"

// Client plays the part of a browser talking to the consumers under test:
// Channels' HttpClient (WSClient). It sends messages as the interface
// server would, with its own reply channel, path, headers, cookies and
// order, runs the consumers synchronously, and reads what they sent back.
type Client struct {
	env *Env
	// ReplyChannel is the client's reply channel: "default" and five
	// random letters, as in Channels' test client.
	ReplyChannel string
	// Path is the path sent when the content has none ("/" by default). A
	// query string after '?' becomes the query_string of connect and
	// request messages.
	Path string
	// CheckAccept, true by default, makes consuming a websocket.connect
	// require that the consumer accepted, as Channels' check_accept does.
	CheckAccept bool

	headers    map[string]string
	cookies    map[string]string
	order      int64
	sessionKey string
}

// Client returns a new client of the environment.
func (e *Env) Client() *Client {
	b := make([]byte, 5)
	for i := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[rand.IntN(52)]
	}
	return &Client{
		env:          e,
		ReplyChannel: "default" + string(b),
		Path:         "/",
		CheckAccept:  true,
		headers:      map[string]string{},
		cookies:      map[string]string{},
	}
}

// SetHeader sets a header sent with connect and request messages. Cookies
// are set with SetCookie.
func (c *Client) SetHeader(name, value string) {
	c.env.tb.Helper()
	if strings.EqualFold(name, "cookie") {
		c.env.tb.Fatalf("channelstest: use SetCookie to set cookies, not SetHeader")
	}
	c.headers[strings.ToLower(name)] = value
}

// SetCookie sets a cookie sent with connect and request messages.
func (c *Client) SetCookie(name, value string) { c.cookies[name] = value }

// Send sends content to channel as the interface server would: it fills in
// reply_channel, path, order, and for websocket.connect and http.request
// the query_string and headers (with the cookies), unless content has them.
func (c *Client) Send(channel string, content channels.Content) {
	c.env.tb.Helper()
	c.env.Send(channel, c.complete(channel, content))
}

// SendText sends a websocket.receive-style message whose text is text, or
// text encoded as JSON when it is not a string.
func (c *Client) SendText(channel string, text any) {
	c.env.tb.Helper()
	c.Send(channel, channels.Content{"text": c.encodeText(text)})
}

func (c *Client) encodeText(text any) string {
	c.env.tb.Helper()
	if s, ok := text.(string); ok {
		return s
	}
	b, err := json.Marshal(text)
	if err != nil {
		c.env.tb.Fatalf("channelstest: encode text as JSON: %v", err)
	}
	return string(b)
}

func (c *Client) complete(channel string, content channels.Content) channels.Content {
	out := channels.Content{}
	maps.Copy(out, content)
	path, query, _ := strings.Cut(c.Path, "?")
	setDefault(out, "reply_channel", c.ReplyChannel)
	setDefault(out, "path", path)
	if channel == "websocket.connect" {
		c.order = 0
	}
	if !out.Has("order") {
		out["order"] = c.order
		c.order++
	}
	if channel == "websocket.connect" || channel == "http.request" {
		setDefault(out, "query_string", []byte(query))
		setDefault(out, "headers", c.headerList())
	}
	if channel == "http.request" {
		setDefault(out, "method", "GET")
		setDefault(out, "body", []byte{})
	}
	return out
}

func setDefault(c channels.Content, key string, v any) {
	if !c.Has(key) {
		c[key] = v
	}
}

// headerList returns the headers in the interface server's form: a list of
// [name, value] byte pairs, names lowercased, with a cookie header.
func (c *Client) headerList() []any {
	var hs []any
	for _, name := range slices.Sorted(maps.Keys(c.headers)) {
		hs = append(hs, []any{[]byte(name), []byte(c.headers[name])})
	}
	cookies := maps.Clone(c.cookies)
	if c.sessionKey != "" {
		cookies[SessionCookieName] = c.sessionKey
	}
	if len(cookies) > 0 {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(cookies)) {
			parts = append(parts, name+"="+cookies[name])
		}
		hs = append(hs, []any{[]byte("cookie"), []byte(strings.Join(parts, "; "))})
	}
	return hs
}

// Consume runs the routed consumer on the next message of channel (see
// Env.Consume). For websocket.connect with CheckAccept, it then takes the
// first reply and fails the test unless it is {"accept": true}.
func (c *Client) Consume(channel string) {
	c.env.tb.Helper()
	c.env.Consume(channel)
	if channel == "websocket.connect" && c.CheckAccept {
		c.checkAccept()
	}
}

func (c *Client) checkAccept() {
	c.env.tb.Helper()
	reply := c.ReceiveContent()
	if accept, _ := reply.Bool("accept"); !accept || len(reply) != 1 {
		c.env.tb.Fatalf("channelstest: connection rejected: got %v, want {accept: true}", reply)
	}
}

// SendAndConsume sends content to channel and consumes it.
func (c *Client) SendAndConsume(channel string, content channels.Content) {
	c.env.tb.Helper()
	c.Send(channel, content)
	c.Consume(channel)
}

// SendTextAndConsume sends text (JSON-encoded unless a string) to channel
// and consumes it: the usual way to test a WebSocket consumer.
func (c *Client) SendTextAndConsume(channel string, text any) {
	c.env.tb.Helper()
	c.SendText(channel, text)
	c.Consume(channel)
}

// SendEventAndConsume sends a typed event ({"type": "chat.message", ...})
// to the client's connection, as a group_send or a send to its channel
// does, and consumes it: the interface server passes such an event to the
// connection's consumer on channels.EventChannel, which is what this
// sends, and the consumer's answers reach the client.
func (c *Client) SendEventAndConsume(event channels.Content) {
	c.env.tb.Helper()
	path, _, _ := strings.Cut(c.Path, "?")
	c.env.Send(channels.EventChannel, channels.Content{
		"reply_channel": c.ReplyChannel, "path": path, "event": map[string]any(event),
	})
	c.Consume(channels.EventChannel)
}

// Connect sends and consumes websocket.connect for path, checking the
// accept when CheckAccept is set.
func (c *Client) Connect(path string) {
	c.env.tb.Helper()
	c.Path = path
	c.SendAndConsume("websocket.connect", nil)
}

// ReceiveContent returns the next message sent to the client's reply
// channel, as the interface server would write it (see
// channels.WebsocketReply), or nil when there is none. A typed event is
// consumed on channels.EventChannel, as the server passes it on, and what
// the consumer answers comes next; without a route for it, the event is
// returned as it came.
func (c *Client) ReceiveContent() channels.Content {
	c.env.tb.Helper()
	for {
		m := c.env.GetNextMessage(c.ReplyChannel)
		if m == nil {
			return nil
		}
		reply, isEvent := channels.WebsocketReply(m.Content())
		if !isEvent {
			return reply
		}
		path, _, _ := strings.Cut(c.Path, "?")
		probe := channels.NewMessage(channels.EventChannel, channels.Content{"path": path})
		if _, _, routed := c.env.router.Match(probe); !routed {
			return m.Content()
		}
		c.SendEventAndConsume(m.Content())
	}
}

// Receive returns the next message sent to the client: a text message
// decoded from JSON (or its text, when it is not JSON), otherwise the whole
// content; nil when nothing came.
func (c *Client) Receive() any {
	c.env.tb.Helper()
	content := c.ReceiveContent()
	if content == nil {
		return nil
	}
	text, ok := content["text"].(string)
	if !ok {
		return content
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return text
	}
	return v
}

// GetNextMessage returns the next message on channel, or nil.
func (c *Client) GetNextMessage(channel string) *channels.Message {
	c.env.tb.Helper()
	return c.env.GetNextMessage(channel)
}

// JoinGroup adds the client's reply channel to group.
func (c *Client) JoinGroup(group string) {
	c.env.tb.Helper()
	if err := c.env.Layer.GroupAdd(context.Background(), group, c.ReplyChannel); err != nil {
		c.env.tb.Fatalf("channelstest: join group %s: %v", group, err)
	}
}

// ChannelSession returns the client's channel session as stored now.
func (c *Client) ChannelSession() *channels.Session {
	c.env.tb.Helper()
	return c.loadSession(channels.ChannelSessionKey(c.ReplyChannel))
}

// Session returns the client's HTTP session (the one its session cookie
// names), creating it on first use.
func (c *Client) Session() *channels.Session {
	c.env.tb.Helper()
	if c.sessionKey == "" {
		c.sessionKey = randomKey()
	}
	return c.loadSession(c.sessionKey)
}

// SaveSession stores the client's HTTP session.
func (c *Client) SaveSession(s *channels.Session) {
	c.env.tb.Helper()
	if err := c.env.Sessions.Save(context.Background(), s.Key(), s.Values()); err != nil {
		c.env.tb.Fatalf("channelstest: save session: %v", err)
	}
}

// Login logs user in: the client's HTTP session gets a new key (as
// Django's login does) holding the user's id under "_auth_user_id", and
// the session cookie is sent from then on.
func (c *Client) Login(user channels.User) {
	c.env.tb.Helper()
	values := channels.Content{}
	if c.sessionKey != "" {
		if old := c.loadSession(c.sessionKey); old != nil {
			values = old.Values()
		}
		c.env.Sessions.Delete(context.Background(), c.sessionKey)
	}
	c.sessionKey = randomKey()
	values["_auth_user_id"] = user.ID()
	c.SaveSession(channels.NewSession(c.sessionKey, values))
}

// Logout forgets the client's HTTP session.
func (c *Client) Logout() {
	if c.sessionKey != "" {
		c.env.Sessions.Delete(context.Background(), c.sessionKey)
		c.sessionKey = ""
	}
}

func (c *Client) loadSession(key string) *channels.Session {
	c.env.tb.Helper()
	values, err := c.env.Sessions.Load(context.Background(), key)
	if err != nil {
		c.env.tb.Fatalf("channelstest: load session %s: %v", key, err)
	}
	return channels.NewSession(key, values)
}

func randomKey() string {
	const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	for i := range b {
		b[i] = digits[rand.IntN(len(digits))]
	}
	return string(b)
}
