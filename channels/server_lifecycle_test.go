package channels_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// Shutdown: clients are closed with 1001, new ones refused, and no goroutine outlives the server.
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
