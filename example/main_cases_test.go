package main

import (
	"encoding/json"
	"slices"
)

// The golden cases of TestGoldenWebsocket and TestGoldenHTTP (main_test.go).

// rpcCase is one request with the response expected over each transport;
// "" means no response (nothing on the WebSocket, 204 over HTTP).
type rpcCase struct {
	name string
	req  string
	ws   string
	http string
}

// same is a case answered alike over both transports.
func same(name, req, want string) rpcCase { return rpcCase{name, req, want, want} }

// Frequent responses.
const (
	parseError     = `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`
	invalidRequest = `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`
)

func notFound(id string) string {
	return `{"jsonrpc":"2.0","id":` + id + `,"error":{"code":-32601,"message":"Method not found"}}`
}

func invalidParams(id, data string) string {
	b, _ := json.Marshal(data)
	return `{"jsonrpc":"2.0","id":` + id + `,"error":{"code":-32602,"message":"Invalid params","data":` + string(b) + `}}`
}

// The examples of the JSON-RPC 2.0 specification (section 7), which the
// example's subtract, sum, get_data, update, notify_hello and notify_sum
// exist to answer.
var specCases = []rpcCase{
	same("spec/positional",
		`{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`,
		`{"jsonrpc":"2.0","id":1,"result":19}`),
	same("spec/positional reversed",
		`{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}`,
		`{"jsonrpc":"2.0","id":2,"result":-19}`),
	same("spec/named",
		`{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}`,
		`{"jsonrpc":"2.0","id":3,"result":19}`),
	same("spec/named other order",
		`{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}`,
		`{"jsonrpc":"2.0","id":4,"result":19}`),
	same("spec/notification update", `{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}`, ""),
	same("spec/notification of unknown method", `{"jsonrpc": "2.0", "method": "foobar"}`, ""),
	same("spec/unknown method", `{"jsonrpc": "2.0", "method": "foobar", "id": "1"}`, notFound(`"1"`)),
	same("spec/invalid JSON", `{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`, parseError),
	same("spec/invalid request object", `{"jsonrpc": "2.0", "method": 1, "params": "bar"}`, invalidRequest),
	same("spec/batch with invalid JSON",
		"[\n  {\"jsonrpc\": \"2.0\", \"method\": \"sum\", \"params\": [1,2,4], \"id\": \"1\"},\n  {\"jsonrpc\": \"2.0\", \"method\"\n]",
		parseError),
	same("spec/empty batch", `[]`, invalidRequest),
	same("spec/batch of one invalid", `[1]`, `[`+invalidRequest+`]`),
	same("spec/batch of invalid", `[1,2,3]`, `[`+invalidRequest+`,`+invalidRequest+`,`+invalidRequest+`]`),
	same("spec/mixed batch", `[
		{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
		{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
		{"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
		{"foo": "boo"},
		{"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
		{"jsonrpc": "2.0", "method": "get_data", "id": "9"}
	]`, `[{"jsonrpc":"2.0","id":"1","result":7},`+
		`{"jsonrpc":"2.0","id":"2","result":19},`+
		invalidRequest+`,`+
		notFound(`"5"`)+`,`+
		`{"jsonrpc":"2.0","id":"9","result":["hello",5]}]`),
	same("spec/batch of notifications", `[
		{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
		{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
	]`, ""),
}

// The example's own methods.
var contractCases = []rpcCase{
	same("ping", `{"jsonrpc":"2.0","method":"ping","id":1}`, `{"jsonrpc":"2.0","id":1,"result":"pong"}`),
	same("ping with empty array", `{"jsonrpc":"2.0","method":"ping","params":[],"id":1}`, `{"jsonrpc":"2.0","id":1,"result":"pong"}`),
	same("ping with empty object", `{"jsonrpc":"2.0","method":"ping","params":{},"id":1}`, `{"jsonrpc":"2.0","id":1,"result":"pong"}`),
	same("echo positional", `{"jsonrpc":"2.0","method":"echo","params":["hello"],"id":2}`, `{"jsonrpc":"2.0","id":2,"result":"hello"}`),
	same("echo named", `{"jsonrpc":"2.0","method":"echo","params":{"value":{"b":[1,2.5,null],"a":true}},"id":2}`,
		`{"jsonrpc":"2.0","id":2,"result":{"a":true,"b":[1,2.5,null]}}`),
	same("echo null", `{"jsonrpc":"2.0","method":"echo","params":[null],"id":2}`, `{"jsonrpc":"2.0","id":2,"result":null}`),
	same("echo escapes like encoding/json", `{"jsonrpc":"2.0","method":"echo","params":["<a&b>"],"id":2}`,
		`{"jsonrpc":"2.0","id":2,"result":"\u003ca\u0026b\u003e"}`),
	same("add positional", `{"jsonrpc":"2.0","method":"add","params":[1,2],"id":3}`, `{"jsonrpc":"2.0","id":3,"result":3}`),
	same("add named", `{"jsonrpc":"2.0","method":"add","params":{"b":2,"a":1.5},"id":3}`, `{"jsonrpc":"2.0","id":3,"result":3.5}`),
	same("sum", `{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":4}`, `{"jsonrpc":"2.0","id":4,"result":7}`),
	same("sum of fractions", `{"jsonrpc":"2.0","method":"sum","params":[0.5,0.25],"id":4}`, `{"jsonrpc":"2.0","id":4,"result":0.75}`),
	same("sum of nothing", `{"jsonrpc":"2.0","method":"sum","params":[],"id":4}`, `{"jsonrpc":"2.0","id":4,"result":0}`),
	same("sum without params", `{"jsonrpc":"2.0","method":"sum","id":4}`, `{"jsonrpc":"2.0","id":4,"result":0}`),
	same("get_data", `{"jsonrpc":"2.0","method":"get_data","id":5}`, `{"jsonrpc":"2.0","id":5,"result":["hello",5]}`),
	same("notify_hello", `{"jsonrpc":"2.0","method":"notify_hello","params":[7]}`, ""),
	same("notify_sum", `{"jsonrpc":"2.0","method":"notify_sum","params":[1,2,4]}`, ""),
	same("divide", `{"jsonrpc":"2.0","method":"divide","params":[1,4],"id":6}`, `{"jsonrpc":"2.0","id":6,"result":0.25}`),
	same("divide named", `{"jsonrpc":"2.0","method":"divide","params":{"a":9,"b":3},"id":6}`, `{"jsonrpc":"2.0","id":6,"result":3}`),
	same("divide by zero", `{"jsonrpc":"2.0","method":"divide","params":[1,0],"id":6}`,
		`{"jsonrpc":"2.0","id":6,"error":{"code":-32000,"message":"division by zero"}}`),
	same("divide by zero named", `{"jsonrpc":"2.0","method":"divide","params":{"a":1,"b":0},"id":6}`,
		`{"jsonrpc":"2.0","id":6,"error":{"code":-32000,"message":"division by zero"}}`),
	same("divide by zero as notification", `{"jsonrpc":"2.0","method":"divide","params":[1,0]}`, ""),
	same("dotted name", `{"jsonrpc":"2.0","method":"mymodule.rpc_ping","id":7}`, `{"jsonrpc":"2.0","id":7,"result":"pong2"}`),
	same("notification to a method", `{"jsonrpc":"2.0","method":"ping"}`, ""),
	same("request to a notification handler", `{"jsonrpc":"2.0","method":"notify_hello","params":[7],"id":8}`, notFound("8")),
	{"websocket-only method",
		`{"jsonrpc":"2.0","method":"ws_only.ping","id":9}`,
		`{"jsonrpc":"2.0","id":9,"result":"pong"}`, notFound("9")},
	{"http-only method",
		`{"jsonrpc":"2.0","method":"http_only.ping","id":9}`,
		notFound("9"), `{"jsonrpc":"2.0","id":9,"result":"pong"}`},
	{"websocket-only method in a batch",
		`[{"jsonrpc":"2.0","method":"ws_only.ping","id":1},{"jsonrpc":"2.0","method":"http_only.ping","id":2}]`,
		`[{"jsonrpc":"2.0","id":1,"result":"pong"},` + notFound("2") + `]`,
		`[` + notFound("1") + `,{"jsonrpc":"2.0","id":2,"result":"pong"}]`},
	{"group.join over the wrong transport",
		`{"jsonrpc":"2.0","method":"group.join","params":["x"],"id":10}`,
		`{"jsonrpc":"2.0","id":10,"result":true}`, notFound("10")},
	{"session of an HTTP request is its own",
		`{"jsonrpc":"2.0","method":"session.get","params":["never-set"],"id":11}`,
		`{"jsonrpc":"2.0","id":11,"result":null}`, `{"jsonrpc":"2.0","id":11,"result":null}`},
}

// Ids, JSON-RPC 1.0 and bad params.
var ruleCases = []rpcCase{
	// A 2.0 request with "id": null is a request, not a notification: it
	// is answered, with id null.
	same("id null", `{"jsonrpc":"2.0","method":"ping","id":null}`, `{"jsonrpc":"2.0","id":null,"result":"pong"}`),
	same("id null with an error", `{"jsonrpc":"2.0","method":"divide","params":[1,0],"id":null}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"division by zero"}}`),
	same("id zero", `{"jsonrpc":"2.0","method":"ping","id":0}`, `{"jsonrpc":"2.0","id":0,"result":"pong"}`),
	same("id string echoed verbatim", `{"jsonrpc":"2.0","method":"ping","id":"a\u00e9\"b"}`, `{"jsonrpc":"2.0","id":"a\u00e9\"b","result":"pong"}`),
	same("id fraction echoed verbatim", `{"jsonrpc":"2.0","method":"ping","id":1.50e+3}`, `{"jsonrpc":"2.0","id":1.50e+3,"result":"pong"}`),
	same("id object", `{"jsonrpc":"2.0","method":"ping","id":{"a":1}}`, invalidRequest),
	same("version 1.0 in the jsonrpc member", `{"jsonrpc":"1.0","method":"ping","id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request"}}`),
	same("empty method name", `{"jsonrpc":"2.0","method":"","id":1}`, notFound("1")),
	same("rpc. prefix is reserved", `{"jsonrpc":"2.0","method":"rpc.ping","id":1}`, notFound("1")),
	same("not an object", `5`, invalidRequest),
	same("null", `null`, invalidRequest),

	// JSON-RPC 1.0: an object without "jsonrpc". The response has result,
	// error and id, and no jsonrpc member; id null makes a notification.
	same("1.0/request", `{"method":"echo","params":["Hello JSON-RPC"],"id":1}`,
		`{"result":"Hello JSON-RPC","error":null,"id":1}`),
	same("1.0/any id type", `{"method":"echo","params":["x"],"id":{"seq":[1,2]}}`,
		`{"result":"x","error":null,"id":{"seq":[1,2]}}`),
	same("1.0/application error", `{"method":"divide","params":[1,0],"id":"d"}`,
		`{"result":null,"error":{"code":-32000,"message":"division by zero"},"id":"d"}`),
	same("1.0/unknown method", `{"method":"nope","params":[],"id":2}`,
		`{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":2}`),
	same("1.0/params by name", `{"method":"add","params":{"a":1,"b":2},"id":3}`,
		`{"result":null,"error":{"code":-32602,"message":"Invalid params","data":"add: params must be an array, got object"},"id":3}`),
	same("1.0/notification id null", `{"method":"notify_hello","params":[7],"id":null}`, ""),
	same("1.0/notification to a method", `{"method":"ping","params":[],"id":null}`, ""),
	same("1.0/notification id absent", `{"method":"update","params":[1]}`, ""),
	same("1.0/not in a batch", `[{"method":"ping","params":[],"id":1}]`,
		`[{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request"}}]`),

	// Params that do not fit: -32602 with a data string saying why.
	same("params/too few", `{"jsonrpc":"2.0","method":"add","params":[1],"id":1}`,
		invalidParams("1", "add: want 2 params (a, b), got 1")),
	same("params/too many", `{"jsonrpc":"2.0","method":"add","params":[1,2,3],"id":1}`,
		invalidParams("1", "add: want 2 params (a, b), got 3")),
	same("params/wrong type", `{"jsonrpc":"2.0","method":"add","params":["1",2],"id":1}`,
		invalidParams("1", `add: param "a": want number, got string`)),
	same("params/missing name", `{"jsonrpc":"2.0","method":"add","params":{"a":1},"id":1}`,
		invalidParams("1", `add: missing param "b"`)),
	same("params/unknown name", `{"jsonrpc":"2.0","method":"add","params":{"a":1,"b":2,"c":3},"id":1}`,
		invalidParams("1", `add: unknown param "c"`)),
	same("params/none wanted", `{"jsonrpc":"2.0","method":"ping","params":[1],"id":1}`,
		invalidParams("1", "ping: want no params, got 1")),
	same("params/one wanted", `{"jsonrpc":"2.0","method":"echo","params":[],"id":1}`,
		invalidParams("1", "echo: want 1 param (value), got 0")),
	same("params/variadic element", `{"jsonrpc":"2.0","method":"sum","params":[1,"x"],"id":1}`,
		invalidParams("1", `sum: params[1]: want number, got string`)),
	same("params/unnamed method by name", `{"jsonrpc":"2.0","method":"sum","params":{"x":1},"id":1}`,
		invalidParams("1", "sum: params must be given by position (an array)")),
	same("params/neither array nor object", `{"jsonrpc":"2.0","method":"subtract","params":"x","id":1}`,
		invalidParams("1", "subtract: params must be an array or an object, got string")),
	same("params/null", `{"jsonrpc":"2.0","method":"subtract","params":null,"id":1}`,
		invalidParams("1", "subtract: params must be an array or an object, got null")),
	same("params/bad group name", `{"jsonrpc":"2.0","method":"group.send","params":["no spaces", 1],"id":1}`,
		invalidParams("1", `group "no spaces": use letters, digits, '.', '-' and '_' (at most 99)`)),
	same("params/notification with bad params", `{"jsonrpc":"2.0","method":"add","params":[1]}`, ""),
}

// The test vectors of the original library's Channels 1 suite that apply
// to the example, answered as the JSON-RPC specification requires where
// the original did not: id null where it left the id out, the
// specification's error messages, -32602 (not -32000) for arguments that
// do not fit, and JSON-RPC 1.0 accepted.
var seedCases = []rpcCase{
	// An object with neither method nor jsonrpc: a malformed 1.0 request.
	// Neither "jsonrpc" nor "method": no telling the version, so 2.0.
	same("seed/object without method", `{"value": "my_value"}`, invalidRequest),
	same("seed/empty object", `{}`, invalidRequest),
	// An array of strings is a batch of invalid requests, one error each
	// (the original answered one error for the whole array).
	same("seed/array of strings", `["value", "my_value"]`, `[`+invalidRequest+`,`+invalidRequest+`]`),
	same("seed/method missing keeps the id", `{"id":"2", "jsonrpc":"2.0", "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32600,"message":"Invalid Request"}}`),
	same("seed/method not a string keeps the id", `{"id":"2", "jsonrpc":"2.0", "method":2, "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32600,"message":"Invalid Request"}}`),
	same("seed/names starting with underscore are private", `{"id":"2", "jsonrpc":"2.0", "method":"_test", "params":{}}`, notFound(`"2"`)),
	same("seed/not JSON", `sqwdw`, parseError),
	same("seed/unknown method", `{"id": 1, "jsonrpc": "2.0", "method": "unknown_method", "params": {}}`, notFound("1")),
	// Without "jsonrpc" the request is 1.0, whose params must be an array.
	same("seed/1.0 request with object params", `{"id":"2", "method":"ping", "params":{}}`,
		`{"result":null,"error":{"code":-32602,"message":"Invalid params","data":"ping: params must be an array, got object"},"id":"2"}`),
	same("seed/unknown notification is silent", `{"jsonrpc":"2.0", "method":"a_notif", "params":{}}`, ""),
	same("seed/registered method", `{"id":1, "jsonrpc":"2.0", "method":"mymodule.rpc_ping", "params":{}}`,
		`{"jsonrpc":"2.0","id":1,"result":"pong2"}`),
	same("seed/too many arguments", `{"id":1, "jsonrpc":"2.0", "method":"ping", "params":["test"]}`,
		invalidParams("1", "ping: want no params, got 1")),
	same("seed/params true", `{"id":1, "jsonrpc":"2.0", "method":"ping", "params":true}`,
		invalidParams("1", "ping: params must be an array or an object, got boolean")),
	{"seed/method disabled for the transport",
		`{"id":1, "jsonrpc":"2.0", "method":"http_only.ping", "params":[]}`,
		notFound("1"), `{"jsonrpc":"2.0","id":1,"result":"pong"}`},
	{"seed/notification disabled for the transport is silent",
		`{"jsonrpc":"2.0", "method":"http_only.ping", "params":[]}`, "", ""},
	same("seed/garbage notification is silent", `{"jsonrpc":"2.0", "method":"dwqwdq", "params":[]}`, ""),
	same("seed/batch of one", `[{"id": 1, "jsonrpc": "2.0", "method": "mymodule.rpc_ping"}]`,
		`[{"jsonrpc":"2.0","id":1,"result":"pong2"}]`),
}

func allCases() []rpcCase {
	return slices.Concat(specCases, contractCases, ruleCases, seedCases)
}
