package channels_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// app is a server, a worker and a layer in one process, behind a real
// HTTP listener: the harness's live server.
type app struct {
	*channelstest.LiveServer
	url string
}

func startApp(t *testing.T, layer channels.Layer, cfg channels.ServerConfig, routes ...channels.Routing) *app {
	t.Helper()
	live := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{
		Layer:  layer,
		Server: cfg,
		Worker: channels.WorkerConfig{Concurrency: 2},
	}, routes...)
	return &app{LiveServer: live, url: live.URL}
}

func (a *app) stop() { a.Shutdown() }

func (a *app) dial(t *testing.T, path string) *websocket.Conn {
	t.Helper()
	conn := a.Dial(path).Conn
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	return conn
}

func (a *app) dialStatus(t *testing.T, path string) int {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(a.WebsocketURL(path), nil)
	if err == nil {
		conn.Close()
		return http.StatusSwitchingProtocols
	}
	if resp == nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	return resp.StatusCode
}

func readText(t *testing.T, conn *websocket.Conn) string {
	t.Helper()
	kind, data, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if kind != websocket.TextMessage {
		t.Fatalf("read a frame of type %d, want text", kind)
	}
	return string(data)
}

func readCloseCode(t *testing.T, conn *websocket.Conn) int {
	t.Helper()
	code, err := closeCode(conn)
	if err != nil {
		t.Fatalf("read: %v, want a close frame", err)
	}
	return code
}

// closeCode reads until the connection ends and returns its close code.
func closeCode(conn *websocket.Conn) (int, error) {
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			return 0, err
		}
		return ce.Code, nil
	}
}

func echo(ctx context.Context, m *channels.Message) error {
	if text, ok := m.Text(); ok {
		return m.SendText(ctx, text)
	}
	b, _ := m.Bytes()
	return m.SendBytes(ctx, b)
}

func TestWebsocketEchoThroughLayerAndWorker(t *testing.T) {
	a := startApp(t, nil, channels.ServerConfig{},
		channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
	conn := a.dial(t, "/echo/")
	var sizes []string // around the longest frame read without a buffer, 96 bytes
	for _, n := range []int{0, 1, 95, 96, 97, 98, 200} {
		sizes = append(sizes, strings.Repeat("0123456789", 20)[:n])
	}
	for _, msg := range append([]string{"hello", "world", strings.Repeat("x", 70000)}, sizes...) {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if got := readText(t, conn); got != msg {
			t.Fatalf("echo = %.20q (%d bytes), want %.20q", got, len(got), msg)
		}
	}
	if err := conn.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	kind, data, err := conn.ReadMessage()
	if err != nil || kind != websocket.BinaryMessage || string(data) != "\x00\x01\x02" {
		t.Fatalf("binary echo = %d %q %v, want binary 000102", kind, data, err)
	}
}

// recorder is a consumer that keeps every message it sees.
type recorder struct {
	mu   sync.Mutex
	msgs []*channels.Message
	seen chan struct{}
}

func newRecorder() *recorder { return &recorder{seen: make(chan struct{}, 100)} }

func (r *recorder) Consume(ctx context.Context, m *channels.Message) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.seen <- struct{}{}
	return nil
}

func (r *recorder) wait(t *testing.T, n int) []*channels.Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		msgs := append([]*channels.Message(nil), r.msgs...)
		r.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-r.seen:
		case <-timeout:
			t.Fatalf("got %d messages, want %d", len(msgs), n)
		}
	}
}

func TestWebsocketMessageContent(t *testing.T) {
	connects, receives, disconnects := newRecorder(), newRecorder(), newRecorder()
	accept := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		connects.Consume(ctx, m)
		return m.Accept(ctx)
	})
	a := startApp(t, nil, channels.ServerConfig{},
		channels.Route("websocket.connect", accept),
		channels.Route("websocket.receive", receives),
		channels.Route("websocket.disconnect", disconnects))
	conn := a.dial(t, "/chat/lobby/?x=1")
	for _, text := range []string{"a", "b", "c"} {
		conn.WriteMessage(websocket.TextMessage, []byte(text))
	}
	got := receives.wait(t, 3)
	conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "bye"))

	c := connects.wait(t, 1)[0]
	reply := c.ReplyChannel()
	if !channels.IsProcessLocal(reply) || channels.ValidateChannel(reply) != nil {
		t.Errorf("reply_channel = %q, want a valid process-local name", reply)
	}
	if c.Path() != "/chat/lobby/" || c.QueryString() != "x=1" {
		t.Errorf("connect path, query = %q, %q; want /chat/lobby/, x=1", c.Path(), c.QueryString())
	}
	if o, _ := c.Order(); o != 0 {
		t.Errorf("connect order = %d, want 0", o)
	}
	if c.Header("host") == "" || c.Header("upgrade") != "websocket" {
		t.Errorf("connect headers = %v, want host and upgrade", c.Headers())
	}
	if _, ok := c.Content()["client"].([]any); !ok {
		t.Errorf("connect client = %#v, want [host, port]", c.Content()["client"])
	}
	orders := map[int64]string{}
	for _, m := range got {
		o, _ := m.Order()
		text, _ := m.Text()
		orders[o] = text
		if m.ReplyChannel() != reply {
			t.Errorf("receive reply_channel = %q, want %q", m.ReplyChannel(), reply)
		}
	}
	if orders[1] != "a" || orders[2] != "b" || orders[3] != "c" {
		t.Errorf("frames by order = %v, want 1:a 2:b 3:c", orders)
	}
	d := disconnects.wait(t, 1)[0]
	if o, _ := d.Order(); d.Code() != 4001 || o != 4 || d.ReplyChannel() != reply {
		t.Errorf("disconnect = %v, want code 4001, order 4, reply %q", d.Content(), reply)
	}
}

func TestWebsocketConsumerCloses(t *testing.T) {
	disconnects := newRecorder()
	closer := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		text, _ := m.Text()
		if text == "error" {
			return &channels.CloseError{Code: 4400}
		}
		return m.Reply(ctx, channels.Content{"text": "bye", "close": int64(4000)})
	})
	a := startApp(t, nil, channels.ServerConfig{},
		channels.Route("websocket.receive", closer),
		channels.Route("websocket.disconnect", disconnects))
	conn := a.dial(t, "/")
	conn.WriteMessage(websocket.TextMessage, []byte("close please"))
	if got := readText(t, conn); got != "bye" {
		t.Fatalf("frame = %q, want bye", got)
	}
	if code := readCloseCode(t, conn); code != 4000 {
		t.Fatalf("close code = %d, want 4000", code)
	}
	if d := disconnects.wait(t, 1)[0]; d.Code() != 4000 {
		t.Errorf("disconnect code = %d, want 4000", d.Code())
	}

	conn = a.dial(t, "/")
	conn.WriteMessage(websocket.TextMessage, []byte("error"))
	if code := readCloseCode(t, conn); code != 4400 {
		t.Fatalf("close code after CloseError = %d, want 4400", code)
	}
}

// myText is a named string type, as applications often have.
type myText string

func TestRepliesInOtherGoTypesAreConverted(t *testing.T) {
	odd := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		if err := m.Reply(ctx, channels.Content{"text": myText("named")}); err != nil {
			return err
		}
		return m.Reply(ctx, channels.Content{"bytes": [2]byte{7, 8}, "close": int32(4321)})
	})
	a := startApp(t, nil, channels.ServerConfig{}, channels.Route("websocket.receive", odd))
	conn := a.dial(t, "/")
	conn.WriteMessage(websocket.TextMessage, []byte("go"))
	if got := readText(t, conn); got != "named" {
		t.Errorf("text of a named string type = %q", got)
	}
	kind, data, err := conn.ReadMessage()
	if err != nil || kind != websocket.BinaryMessage || string(data) != "\x07\x08" {
		t.Errorf("bytes of a byte array = %d %q %v", kind, data, err)
	}
	if code := readCloseCode(t, conn); code != 4321 {
		t.Errorf("close code given as int32 = %d, want 4321", code)
	}
}
