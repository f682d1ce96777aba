package channelstest_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// pingConsumer answers the JSON-RPC request {"method": "ping"} with "pong".
var pingConsumer = channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
	text, _ := m.Text()
	var req struct {
		Method string          `json:"method"`
		ID     json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal([]byte(text), &req); err != nil {
		return err
	}
	resp, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "result": "pong", "id": req.ID})
	return m.SendText(ctx, string(resp))
})

// The test of the seed README, assertResult("ping", {}, "pong"), in Go. In
// a test file, t is the test's *testing.T.
func Example() {
	t := exampleT{}
	env := channelstest.New(t, channels.Route("websocket.receive", pingConsumer))
	client := env.Client()

	client.SendTextAndConsume("websocket.receive", map[string]any{
		"jsonrpc": "2.0", "method": "ping", "params": map[string]any{}, "id": 1,
	})
	reply := client.Receive().(map[string]any)
	if reply["result"] != "pong" {
		t.Fatalf("result = %v, want pong", reply["result"])
	}
	fmt.Println(reply["result"], reply["id"])
	// Output: pong 1
}

// exampleT stands in for *testing.T in examples.
type exampleT struct{}

func (exampleT) Helper()                        {}
func (exampleT) Log(args ...any)                { fmt.Println(args...) }
func (exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (exampleT) Cleanup(func())                 {}
