package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
)

// API is the example's JSON-RPC consumer. It embeds jsonrpc.Consumer, as a
// Django project subclasses JsonRpcConsumer, and adds its own connection
// hook.
type API struct {
	jsonrpc.Consumer
}

// Connect accepts every WebSocket; the method is here to show that the
// consumer's own hooks are called.
func (a *API) Connect(ctx context.Context, m *channels.Message) error {
	slog.Debug("connected", "reply_channel", m.ReplyChannel(), "path", m.Path())
	return m.Accept(ctx)
}

// newAPI registers the example's methods and notification handlers.
func newAPI(sessions channels.SessionStore) (*API, error) {
	api := &API{}
	api.Sessions = sessions // handlers get the channel session
	api.Discover = jsonrpc.OpenRPCInfo{Title: "channels-jsonrpc example", Version: "1.0.0"}
	err := errors.Join(
		api.Register(ping),
		api.Register(echo, jsonrpc.Params("value")),
		api.Register(add, jsonrpc.Params("a", "b")),
		api.Register(subtract, jsonrpc.Params("minuend", "subtrahend")),
		api.Register(sum),
		api.Register(getData, jsonrpc.Name("get_data")),
		api.Register(divide, jsonrpc.Params("a", "b")),
		api.Register(ping2, jsonrpc.Name("mymodule.rpc_ping")),
		api.Register(ping, jsonrpc.Name("ws_only.ping"), jsonrpc.OnlyWebsocket()),
		api.Register(ping, jsonrpc.Name("http_only.ping"), jsonrpc.OnlyHTTP()),
		api.Register(groupJoin, jsonrpc.Name("group.join"), jsonrpc.Params("group"), jsonrpc.OnlyWebsocket()),
		api.Register(groupLeave, jsonrpc.Name("group.leave"), jsonrpc.Params("group"), jsonrpc.OnlyWebsocket()),
		api.Register(api.groupSend, jsonrpc.Name("group.send"), jsonrpc.Params("group", "payload")),
		api.Register(sessionSet, jsonrpc.Name("session.set"), jsonrpc.Params("key", "value")),
		api.Register(sessionGet, jsonrpc.Name("session.get"), jsonrpc.Params("key")),
		api.RegisterNotification(update),
		api.RegisterNotification(notifyHello, jsonrpc.Name("notify_hello")),
		api.RegisterNotification(notifySum, jsonrpc.Name("notify_sum")),
	)
	return api, err
}

func ping() string  { return "pong" }
func ping2() string { return "pong2" }

func echo(value any) any { return value }

func add(a, b float64) float64 { return a + b }

func subtract(minuend, subtrahend float64) float64 { return minuend - subtrahend }

func sum(values ...float64) float64 {
	total := 0.0
	for _, v := range values {
		total += v
	}
	return total
}

func getData() []any { return []any{"hello", 5} }

var errDivideByZero = errors.New("division by zero")

func divide(a, b float64) (float64, error) {
	if b == 0 {
		return 0, errDivideByZero
	}
	return a / b, nil
}

// message returns the channels message of the call.
func message(ctx context.Context) (*channels.Message, error) {
	m := jsonrpc.MessageFrom(ctx)
	if m == nil {
		return nil, errors.New("no connection")
	}
	return m, nil
}

func checkGroup(group string) error {
	if err := channels.ValidateGroup(group); err != nil {
		return jsonrpc.NewError(jsonrpc.CodeInvalidParams, "Invalid params",
			fmt.Sprintf("group %q: use letters, digits, '.', '-' and '_' (at most 99)", group))
	}
	return nil
}

// groupMessage is the message of a call naming group, once the group name
// is checked.
func groupMessage(ctx context.Context, group string) (*channels.Message, error) {
	if err := checkGroup(group); err != nil {
		return nil, err
	}
	return message(ctx)
}

// joinedKey is the channel-session key listing the groups a connection
// joined, so that Disconnect can leave them.
const joinedKey = "groups"

func groupJoin(ctx context.Context, group string) (bool, error) {
	m, err := groupMessage(ctx, group)
	if err != nil {
		return false, err
	}
	if err := m.GroupAdd(ctx, group); err != nil {
		return false, err
	}
	joined := joinedGroups(m)
	if !slices.Contains(joined, group) {
		m.ChannelSession.Set(joinedKey, append(joined, group))
	}
	return true, nil
}

func groupLeave(ctx context.Context, group string) (bool, error) {
	m, err := groupMessage(ctx, group)
	if err != nil {
		return false, err
	}
	if joined := joinedGroups(m); slices.Contains(joined, group) {
		m.ChannelSession.Set(joinedKey, slices.DeleteFunc(joined, func(g string) bool { return g == group }))
	}
	return true, m.GroupDiscard(ctx, group)
}

// joinedGroups lists the groups the connection joined with group.join.
func joinedGroups(m *channels.Message) []string {
	v, _ := m.ChannelSession.Get(joinedKey)
	var groups []string
	switch v := v.(type) {
	case []string:
		groups = append(groups, v...)
	case []any:
		for _, g := range v {
			if s, ok := g.(string); ok {
				groups = append(groups, s)
			}
		}
	}
	return groups
}

// Disconnect leaves the groups the connection joined, so that a closed
// connection does not stay a member until the group expires.
func (a *API) Disconnect(ctx context.Context, m *channels.Message) error {
	var errs []error
	for _, g := range joinedGroups(m) {
		errs = append(errs, m.GroupDiscard(ctx, g))
	}
	return errors.Join(errs...)
}

// groupSend notifies every member of group with group.message.
func (a *API) groupSend(ctx context.Context, group string, payload any) (bool, error) {
	m, err := groupMessage(ctx, group)
	if err != nil {
		return false, err
	}
	params := map[string]any{"group": group, "payload": payload}
	return true, a.NotifyGroup(ctx, m.Layer, group, "group.message", params)
}

func sessionSet(ctx context.Context, key string, value any) (bool, error) {
	m, err := message(ctx)
	if err != nil {
		return false, err
	}
	m.ChannelSession.Set(key, value)
	return true, nil
}

func sessionGet(ctx context.Context, key string) (any, error) {
	m, err := message(ctx)
	if err != nil {
		return nil, err
	}
	v, _ := m.ChannelSession.Get(key)
	return v, nil
}

// The notifications of the JSON-RPC 2.0 specification's examples.

func update(values ...any)    { slog.Debug("update", "values", values) }
func notifyHello(n any)       { slog.Debug("notify_hello", "n", n) }
func notifySum(ns ...float64) { slog.Debug("notify_sum", "sum", sum(ns...)) }
