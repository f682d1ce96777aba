package jsonrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// The consumer is routed with WebsocketRoute and driven by the test client
// of package channelstest, with no network: each frame is consumed in the
// calling goroutine and the reply is read from the client's reply channel.
func ExampleConsumer() {
	// A JSON-RPC consumer embeds jsonrpc.Consumer, which holds the methods
	// registered on it.
	type Calculator struct {
		jsonrpc.Consumer
	}
	calc := &Calculator{}
	calc.Register(func(a, b int) int { return a + b }, jsonrpc.Name("add"), jsonrpc.Params("a", "b"))
	calc.RegisterNotification(func(msg string) {}, jsonrpc.Name("log"))

	t := docT{} // in a test: the test's *testing.T
	env := channelstest.New(t, jsonrpc.WebsocketRoute(calc, channels.Path(`^/rpc/$`)))
	client := env.Client()
	client.Connect("/rpc/")

	client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}`)
	fmt.Println(client.ReceiveContent().String("text"))
	client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"add","params":{"b":20,"a":10},"id":2}`)
	fmt.Println(client.ReceiveContent().String("text"))
	client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"add","params":[1],"id":3}`)
	fmt.Println(client.ReceiveContent().String("text"))

	// A notification gets no response.
	client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"log","params":["hi"]}`)
	fmt.Println(client.Receive())

	// Receive decodes the JSON of a frame.
	client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":4}`)
	reply := client.Receive().(map[string]any)
	fmt.Println(reply["result"])
	// Output:
	// {"jsonrpc":"2.0","id":1,"result":3}
	// {"jsonrpc":"2.0","id":2,"result":30}
	// {"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Invalid params","data":"add: want 2 params (a, b), got 1"}}
	// <nil>
	// 5
}

// A handler chooses the code, message and data of its error response by
// returning an *Error; any other error is a server error (-32000) whose
// message is the error's text.
func ExampleError() {
	var r jsonrpc.Registry
	r.Register(func(name string) (string, error) {
		switch name {
		case "":
			return "", jsonrpc.NewError(jsonrpc.CodeInvalidParams, "", "name must not be empty")
		case "teapot":
			return "", &jsonrpc.Error{Code: 418, Message: "I'm a teapot", Data: map[string]any{"retry": false}}
		case "boom":
			return "", errors.New("out of coffee")
		}
		return "hello " + name, nil
	}, jsonrpc.Name("greet"), jsonrpc.Params("name"))

	for _, name := range []string{"ann", "", "teapot", "boom"} {
		req := fmt.Sprintf(`{"jsonrpc":"2.0","method":"greet","params":[%q],"id":1}`, name)
		fmt.Printf("%s\n", r.Dispatch(context.Background(), []byte(req), nil).Body)
	}
	fmt.Println(jsonrpc.NewError(jsonrpc.CodeMethodNotFound, "", nil))
	// Output:
	// {"jsonrpc":"2.0","id":1,"result":"hello ann"}
	// {"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"name must not be empty"}}
	// {"jsonrpc":"2.0","id":1,"error":{"code":418,"message":"I'm a teapot","data":{"retry":false}}}
	// {"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"out of coffee"}}
	// jsonrpc: Method not found (-32601)
}

// Dispatch answers a payload without any transport: a request, a
// notification, a batch, or JSON-RPC 1.0. Reply.Body is nil when nothing
// is to be sent.
func ExampleRegistry_Dispatch() {
	var r jsonrpc.Registry
	r.Register(func(minuend, subtrahend int) int { return minuend - subtrahend },
		jsonrpc.Name("subtract"), jsonrpc.Params("minuend", "subtrahend"))

	ctx := context.Background()
	for _, payload := range []string{
		`{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}`,
		`{"jsonrpc":"2.0","method":"subtract","params":{"subtrahend":23,"minuend":42},"id":2}`,
		`[{"jsonrpc":"2.0","method":"subtract","params":[1,2],"id":"a"},{"jsonrpc":"2.0","method":"nope","id":"b"}]`,
		`{"method":"subtract","params":[5,3],"id":"v1"}`,
		`{"jsonrpc":"2.0","method":"subtract","params":[1,1]}`,
		`not json`,
	} {
		reply := r.Dispatch(ctx, []byte(payload), nil)
		if reply.Body == nil {
			fmt.Println("(no response)")
			continue
		}
		fmt.Printf("%s\n", reply.Body)
	}
	// Output:
	// {"jsonrpc":"2.0","id":1,"result":19}
	// {"jsonrpc":"2.0","id":2,"result":19}
	// [{"jsonrpc":"2.0","id":"a","result":-1},{"jsonrpc":"2.0","id":"b","error":{"code":-32601,"message":"Method not found"}}]
	// {"result":2,"error":null,"id":"v1"}
	// (no response)
	// {"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}
}

// A method reaches the channels message of its call with MessageFrom, and
// NotifyGroup sends a notification to every connection in a group; the
// caller gets it before its own response.
func ExampleConsumer_NotifyGroup() {
	type Chat struct {
		jsonrpc.Consumer
	}
	chat := &Chat{}
	chat.Register(func(ctx context.Context, text string) (bool, error) {
		m := jsonrpc.MessageFrom(ctx)
		params := map[string]any{"text": strings.ToUpper(text)}
		return true, chat.NotifyGroup(ctx, m.Layer, "room", "chat.message", params)
	}, jsonrpc.Name("say"), jsonrpc.Params("text"))

	env := channelstest.New(docT{}, jsonrpc.WebsocketRoute(chat))
	alice, bob := env.Client(), env.Client()
	alice.JoinGroup("room")
	bob.JoinGroup("room")

	alice.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"say","params":["hello"],"id":1}`)
	fmt.Println("alice:", alice.ReceiveContent().String("text"))
	fmt.Println("alice:", alice.ReceiveContent().String("text"))
	fmt.Println("bob:  ", bob.ReceiveContent().String("text"))
	fmt.Println("bob:  ", bob.ReceiveContent() == nil)
	// Output:
	// alice: {"jsonrpc":"2.0","method":"chat.message","params":{"text":"HELLO"}}
	// alice: {"jsonrpc":"2.0","id":1,"result":true}
	// bob:   {"jsonrpc":"2.0","method":"chat.message","params":{"text":"HELLO"}}
	// bob:   true
}

// docT stands in for the *testing.T of a test in these examples.
type docT struct{}

func (docT) Helper()                        {}
func (docT) Log(args ...any)                {}
func (docT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (docT) Cleanup(func())                 {}

// An interceptor around every call: here it logs the method and refuses
// the calls of an "admin." method that come without a user.
func ExampleRegistry_Use() {
	var r jsonrpc.Registry
	r.MustRegister(func(a, b int) int { return a + b }, jsonrpc.Name("add"), jsonrpc.Params("a", "b"))
	r.MustRegister(func() string { return "done" }, jsonrpc.Name("admin.reset"))
	r.Use(func(next jsonrpc.Method) jsonrpc.Method {
		return func(ctx context.Context, params json.RawMessage) (any, error) {
			call := jsonrpc.CallFrom(ctx)
			fmt.Printf("call %s params=%s\n", call.Method, params)
			if strings.HasPrefix(call.Method, "admin.") && (call.Message == nil || call.Message.User == nil) {
				return nil, &jsonrpc.Error{Code: -32003, Message: "Forbidden"}
			}
			return next(ctx, params)
		}
	})
	for _, req := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]}`,
		`{"jsonrpc":"2.0","id":2,"method":"admin.reset"}`,
	} {
		fmt.Println(string(r.Dispatch(context.Background(), []byte(req), nil).Body))
	}
	// Output:
	// call add params=[2,3]
	// {"jsonrpc":"2.0","id":1,"result":5}
	// call admin.reset params=
	// {"jsonrpc":"2.0","id":2,"error":{"code":-32003,"message":"Forbidden"}}
}
