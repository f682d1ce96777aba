package jsonrpc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

func TestCallPastConsumeTimeoutGetsAnError(t *testing.T) {
	api := &testAPI{}
	must(t, api.Register(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, jsonrpc.Name("hang")))
	for _, concurrent := range []int{0, 2} {
		api.ConcurrentCalls = concurrent
		live := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{
			Worker: channels.WorkerConfig{ConsumeTimeout: 50 * time.Millisecond},
		}, jsonrpc.WebsocketRoute(api))
		conn := live.Dial("/")
		conn.SendText(`{"jsonrpc":"2.0","method":"hang","id":1}`)
		want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"Call timed out"}}`
		if got := conn.ReceiveText(); got != want {
			t.Errorf("ConcurrentCalls %d: a call past ConsumeTimeout got %s, want %s", concurrent, got, want)
		}
	}
}

func TestShutdownAnswersConcurrentCallsFirst(t *testing.T) {
	api := &testAPI{}
	must(t, api.Register(func(n int) int { time.Sleep(100 * time.Millisecond); return n }, jsonrpc.Name("slow")))
	api.ConcurrentCalls = 4
	live := channelstest.NewLiveServer(t, jsonrpc.WebsocketRoute(api))
	conn := live.Dial("/")
	for i := range 4 {
		conn.SendText(fmt.Sprintf(`{"jsonrpc":"2.0","method":"slow","params":[%d],"id":%d}`, i, i))
	}
	go live.Shutdown()
	answered := map[string]bool{}
	for range 4 {
		answered[conn.ReceiveText()] = true
	}
	for i := range 4 {
		if want := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%d}`, i, i); !answered[want] {
			t.Errorf("no answer %s before the close; got %v", want, answered)
		}
	}
	if code := conn.ReceiveClose(); code != channels.CloseGoingAway {
		t.Errorf("close code = %d, want 1001", code)
	}
}

func TestNotificationsCountOffTheirFrame(t *testing.T) {
	api := &testAPI{}
	must(t, api.RegisterNotification(func(n int) {}, jsonrpc.Name("tick")))
	must(t, api.Register(func() string { return "pong" }, jsonrpc.Name("ping")))
	// One frame in flight at a time: a notification that left its frame
	// counted would hold back every frame after it.
	live := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{
		Server: channels.ServerConfig{MaxInFlight: 1},
	}, jsonrpc.WebsocketRoute(api))
	conn := live.Dial("/")
	for i := range 3 {
		conn.SendText(fmt.Sprintf(`{"jsonrpc":"2.0","method":"tick","params":[%d]}`, i))
	}
	conn.SendText(`[{"jsonrpc":"2.0","method":"tick","params":[3]}]`)
	conn.SendText(`{"jsonrpc":"2.0","method":"ping","id":1}`)
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","id":1,"result":"pong"}` {
		t.Errorf("after four frames of notifications: %s, want the ping's answer and nothing before it", got)
	}
}

// A call's context is cancelled when its client closes the WebSocket:
// with ConcurrentCalls, and when the server reads on during calls.
func TestCallContextEndsWithTheConnection(t *testing.T) {
	for _, tt := range []struct {
		name       string
		concurrent int
		worker     channels.WorkerConfig
	}{
		{"ConcurrentCalls 2", 2, channels.WorkerConfig{}},
		{"in order, through the queue", 0, channels.WorkerConfig{InlineLimit: -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &testAPI{}
			started, ended := make(chan struct{}, 1), make(chan error, 1)
			must(t, api.Register(func(ctx context.Context) error {
				started <- struct{}{}
				<-ctx.Done()
				ended <- ctx.Err()
				return ctx.Err()
			}, jsonrpc.Name("hang")))
			api.ConcurrentCalls = tt.concurrent
			live := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{Worker: tt.worker}, jsonrpc.WebsocketRoute(api))
			conn := live.Dial("/")
			conn.SendText(`{"jsonrpc":"2.0","method":"hang","id":1}`)
			<-started
			conn.Close()
			select {
			case err := <-ended:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("the call's context ended with %v, want Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the call's context was not cancelled when its client left")
			}
		})
	}
}
