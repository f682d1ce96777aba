package channels_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
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
	for _, msg := range []string{"hello", "world", strings.Repeat("x", 70000)} {
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
	if _, ok := c.Content["client"].([]any); !ok {
		t.Errorf("connect client = %#v, want [host, port]", c.Content["client"])
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
		t.Errorf("disconnect = %v, want code 4001, order 4, reply %q", d.Content, reply)
	}
}

func TestWebsocketConnectAnswers(t *testing.T) {
	deny := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		switch m.Path() {
		case "/reject/":
			return m.Reject(ctx)
		case "/close/":
			return m.Close(ctx, 0)
		case "/deny/":
			return channels.ErrDenyConnection
		case "/greet/":
			return m.SendText(ctx, "welcome")
		case "/silent/":
			return nil
		}
		return m.Accept(ctx)
	})
	a := startApp(t, nil, channels.ServerConfig{ConnectTimeout: 2 * time.Second},
		channels.Route("websocket.connect", deny))
	for path, want := range map[string]int{
		"/reject/": 403, "/close/": 403, "/deny/": 403, "/silent/": 403, "/ok/": 101,
	} {
		if got := a.dialStatus(t, path); got != want {
			t.Errorf("connect %s: status %d, want %d", path, got, want)
		}
	}
	conn := a.dial(t, "/greet/")
	if got := readText(t, conn); got != "welcome" {
		t.Errorf("first frame = %q, want the text sent while connecting", got)
	}
}

func TestWebsocketDefaultConnectIsAccepted(t *testing.T) {
	a := startApp(t, nil, channels.ServerConfig{},
		channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
	conn := a.dial(t, "/")
	conn.WriteMessage(websocket.TextMessage, []byte("ping"))
	if got := readText(t, conn); got != "ping" {
		t.Fatalf("echo = %q", got)
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

func TestWebsocketReadLimit(t *testing.T) {
	disconnects := newRecorder()
	a := startApp(t, nil, channels.ServerConfig{MaxMessageSize: 1024},
		channels.Route("websocket.receive", channels.ConsumerFunc(echo)),
		channels.Route("websocket.disconnect", disconnects))
	conn := a.dial(t, "/")
	conn.WriteMessage(websocket.TextMessage, make([]byte, 2048))
	if code := readCloseCode(t, conn); code != websocket.CloseMessageTooBig {
		t.Fatalf("close code = %d, want 1009", code)
	}
	if d := disconnects.wait(t, 1)[0]; d.Code() != 1009 {
		t.Errorf("disconnect code = %d, want 1009", d.Code())
	}
}

func TestWebsocketKeepalive(t *testing.T) {
	disconnects := newRecorder()
	a := startApp(t, nil, channels.ServerConfig{PingInterval: 50 * time.Millisecond, PongTimeout: time.Second},
		channels.Route("websocket.disconnect", disconnects))

	// A client that reads answers pings and stays connected.
	conn := a.dial(t, "/")
	pinged := make(chan struct{}, 1)
	conn.SetPingHandler(func(data string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case <-pinged:
	case <-time.After(10 * time.Second):
		t.Fatal("no ping from the server")
	}

	// A client that never reads never answers a ping and is dropped.
	a.dial(t, "/")
	if d := disconnects.wait(t, 1)[0]; d.Code() != 1006 {
		t.Errorf("disconnect code of a silent client = %d, want 1006", d.Code())
	}
}

func TestWebsocketSlowClientIsCutOffAlone(t *testing.T) {
	flood := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		text, _ := m.Text()
		if text != "flood" {
			return m.SendText(ctx, text)
		}
		big := strings.Repeat("z", 64<<10)
		for range 400 { // 25 MiB: more than the socket buffers hold
			m.SendText(ctx, big)
		}
		return nil
	})
	disconnects := newRecorder()
	layer := channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 1000})
	a := startApp(t, layer, channels.ServerConfig{SendQueue: 8, WriteTimeout: 300 * time.Millisecond},
		channels.Route("websocket.receive", flood),
		channels.Route("websocket.disconnect", disconnects))
	slow := a.dial(t, "/")
	fast := a.dial(t, "/")
	slow.WriteMessage(websocket.TextMessage, []byte("flood"))
	for i := range 20 {
		msg := strings.Repeat("y", i+1)
		fast.WriteMessage(websocket.TextMessage, []byte(msg))
		if got := readText(t, fast); got != msg {
			t.Fatalf("fast client got %q, want %q", got, msg)
		}
	}
	// The slow client, which has read nothing, is cut off with 1008.
	if d := disconnects.wait(t, 1)[0]; d.Code() != channels.ClosePolicyViolation {
		t.Errorf("disconnect code of the slow client = %d, want 1008", d.Code())
	}
	for {
		if _, _, err := slow.ReadMessage(); err != nil {
			break
		}
	}
	fast.WriteMessage(websocket.TextMessage, []byte("still there"))
	if got := readText(t, fast); got != "still there" {
		t.Fatalf("fast client got %q after the slow one was cut off", got)
	}
}

// fullLayer reports every channel in full as being at capacity. It embeds
// the layer's GroupLayer only: the server must see every Send.
type fullLayer struct {
	channels.GroupLayer
	mu   sync.Mutex
	full map[string]bool
}

func (l *fullLayer) setFull(ch string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.full[ch] = true
}

func (l *fullLayer) Send(ctx context.Context, ch string, c channels.Content) error {
	l.mu.Lock()
	full := l.full[ch]
	l.mu.Unlock()
	if full {
		return &channels.ChannelFullError{Channel: ch, Capacity: 1}
	}
	return l.GroupLayer.Send(ctx, ch, c)
}

func TestFullLayerIsReportedToTheClient(t *testing.T) {
	layer := &fullLayer{GroupLayer: channels.NewMemoryLayer(channels.MemoryConfig{}), full: map[string]bool{}}
	// The wait for room is TestBackpressure's; here it expires at once.
	a := startApp(t, layer, channels.ServerConfig{BackpressureTimeout: time.Millisecond},
		channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
	conn := a.dial(t, "/")
	layer.setFull("websocket.receive")
	conn.WriteMessage(websocket.TextMessage, []byte("x"))
	if code := readCloseCode(t, conn); code != 1013 {
		t.Errorf("close code with websocket.receive full = %d, want 1013", code)
	}
	layer.setFull("websocket.connect")
	if got := a.dialStatus(t, "/"); got != 503 {
		t.Errorf("connect with websocket.connect full: status %d, want 503", got)
	}
	layer.setFull("http.request")
	resp, err := http.Post(a.url+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("HTTP with http.request full: status %d, want 503", resp.StatusCode)
	}
}

func TestHTTPThroughLayerAndWorker(t *testing.T) {
	view := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		switch m.Path() {
		case "/hello/":
			return m.Reply(ctx, channels.Content{
				"status":  200,
				"headers": []any{[]any{"Content-Type", "text/plain"}, []any{"X-Method", m.Method()}},
				"content": append([]byte("hello "), m.Body()...),
			})
		case "/chunks/":
			for i, part := range []string{"one,", "two,", "three"} {
				err := m.Reply(ctx, channels.Content{"status": 201, "content": part, "more_content": i < 2})
				if err != nil {
					return err
				}
			}
			return nil
		case "/fail/":
			return errors.New("view failed")
		case "/panic/":
			panic("view panicked")
		case "/silent/":
			return nil
		}
		return channels.ErrNoRoute
	})
	a := startApp(t, nil, channels.ServerConfig{ResponseTimeout: 2 * time.Second, MaxBodySize: 100},
		channels.Route("http.request", view))
	tests := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/hello/", "world", 200, "hello world"},
		{"GET", "/hello/", "", 200, "hello "},
		{"GET", "/chunks/", "", 200, "one,two,three"},
		{"GET", "/missing/", "", 404, "Not Found"},
		{"GET", "/fail/", "", 500, "Internal Server Error"},
		{"GET", "/panic/", "", 500, "Internal Server Error"},
		{"GET", "/silent/", "", 504, "no response from the application\n"},
		{"POST", "/hello/", strings.Repeat("b", 101), 413, "request body larger than 100 bytes\n"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, a.url+tt.path, strings.NewReader(tt.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status := tt.status
		if tt.path == "/chunks/" {
			status = 201
		}
		if resp.StatusCode != status || string(body) != tt.want {
			t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, body, status, tt.want)
		}
		if tt.path == "/hello/" && tt.status == 200 && resp.Header.Get("X-Method") != tt.method {
			t.Errorf("%s %s: X-Method = %q", tt.method, tt.path, resp.Header.Get("X-Method"))
		}
	}
}

func TestGracefulShutdown(t *testing.T) {
	a := startApp(t, nil, channels.ServerConfig{},
		channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
	conn := a.dial(t, "/")
	code := make(chan int, 1)
	go func() {
		c, _ := closeCode(conn)
		code <- c
	}()
	a.stop()
	if got := <-code; got != websocket.CloseGoingAway {
		t.Errorf("close code on shutdown = %d, want 1001", got)
	}
	if got := a.dialStatus(t, "/"); got != 503 {
		t.Errorf("connect after shutdown: status %d, want 503", got)
	}
}

func TestWebsocketOriginIsCheckedBeforeConnect(t *testing.T) {
	connects := newRecorder()
	accept := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		connects.Consume(ctx, m)
		return m.Accept(ctx)
	})
	a := startApp(t, nil, channels.ServerConfig{}, channels.Route("websocket.connect", accept))
	dial := func(origin string) int {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		conn, resp, err := websocket.DefaultDialer.Dial(a.WebsocketURL("/"), h)
		if err == nil {
			conn.Close()
			return 101
		}
		return resp.StatusCode
	}
	if got := dial("http://evil.example"); got != 403 {
		t.Errorf("cross-origin handshake: status %d, want 403", got)
	}
	if got := dial(a.url); got != 101 {
		t.Errorf("same-origin handshake: status %d, want 101", got)
	}
	if got := dial(""); got != 101 {
		t.Errorf("handshake without Origin: status %d, want 101", got)
	}
	if n := len(connects.wait(t, 2)); n != 2 {
		t.Errorf("websocket.connect consumed %d times, want 2 (none for the refused origin)", n)
	}
}

// downLayer fails every Send as a layer whose service is down does. It
// embeds the layer's GroupLayer only: the server must see every Send.
type downLayer struct{ channels.GroupLayer }

func (l downLayer) Send(ctx context.Context, ch string, c channels.Content) error {
	if ch == "websocket.receive" || ch == "http.request" {
		return fmt.Errorf("testlayer: %w", channels.ErrLayerUnavailable)
	}
	return l.GroupLayer.Send(ctx, ch, c)
}

func TestUnavailableLayerIsReportedToTheClient(t *testing.T) {
	a := startApp(t, downLayer{channels.NewMemoryLayer(channels.MemoryConfig{})}, channels.ServerConfig{})
	conn := a.dial(t, "/")
	conn.WriteMessage(websocket.TextMessage, []byte("x"))
	if code := readCloseCode(t, conn); code != websocket.CloseInternalServerErr {
		t.Errorf("close code with the layer down = %d, want 1011", code)
	}
	resp, err := http.Post(a.url+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("HTTP with the layer down: status %d, want 503", resp.StatusCode)
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

// TestNoGoroutineOutlivesTheServer: after shutdown, the goroutines of the
// server, its connections and the worker are gone.
func TestNoGoroutineOutlivesTheServer(t *testing.T) {
	before := runtime.NumGoroutine()
	live := channelstest.NewLiveServer(t, channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
	var conns []*channelstest.WSConn
	for range 5 {
		conn := live.Dial("/")
		conn.SendText("hi")
		conn.ReceiveText()
		conns = append(conns, conn)
	}
	conns[0].Close() // one client leaves; the others are closed by the shutdown
	resp, err := http.Post(live.URL+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	done := make(chan struct{})
	go func() { // the clients answer the server's close frames
		defer close(done)
		for _, c := range conns[1:] {
			closeCode(c.Conn) // reading answers the close frame
		}
	}()
	live.Close()
	<-done
	for _, c := range conns {
		c.Close()
	}
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after shutdown, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
