package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// ErrNotificationParams is returned for notification params that are
// neither an array nor an object.
var ErrNotificationParams = errors.New("jsonrpc: notification params must be an array, an object or nil")

// NotifyGroup sends the notification method(params) to every member of
// group on layer: django-channels-jsonrpc's notify_group. params must
// encode to a JSON array or object, or be nil to leave them out. Sent while
// a call is handled, it reaches the members before that call's response
// (over the pub/sub layer, where group messages are forwarded by the
// process that added the member, it may come after it).
//
// The message is a Channels 4 typed event, so that Django consumers in the
// group run their handler for it (method "group.message" calls
// group_message) instead of failing on a message without a type: {"type":
// method, the params' fields...} (an array goes under "params"), plus the
// notification's frame under channels.EventTextKey, which Go interface
// servers write to their clients as it is.
func (c *Consumer) NotifyGroup(ctx context.Context, layer channels.Layer, group, method string, params any) error {
	event, err := c.notificationEvent(method, params)
	if err != nil {
		return err
	}
	return channels.Group{Name: group, Layer: layer}.Send(ctx, event)
}

// NotifyChannel sends the notification method(params) to one client, the
// owner of replyChannel: django-channels-jsonrpc's notify_channel. It is a
// typed event as NotifyGroup's.
func (c *Consumer) NotifyChannel(ctx context.Context, layer channels.Layer, replyChannel, method string, params any) error {
	event, err := c.notificationEvent(method, params)
	if err != nil {
		return err
	}
	return layer.Send(ctx, replyChannel, event)
}

// notificationEvent is the typed event of a notification.
func (c *Consumer) notificationEvent(method string, params any) (channels.Content, error) {
	p, err := c.encodeParams(params)
	if err != nil {
		return nil, err
	}
	event := channels.Content{}
	if len(p) > 0 {
		d := json.NewDecoder(bytes.NewReader(p))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("jsonrpc: notification params: %w", err)
		}
		switch v := canonicalJSON(v).(type) {
		case map[string]any:
			maps.Copy(event, v)
		default:
			event["params"] = v
		}
	}
	event["type"] = method
	event[channels.EventTextKey] = notificationText(method, p)
	return event, nil
}

// canonicalJSON turns the numbers of a decoded JSON value into int64 when
// whole and in range, float64 otherwise, as a channel layer carries them.
func canonicalJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = canonicalJSON(x)
		}
	case []any:
		for i, x := range v {
			v[i] = canonicalJSON(x)
		}
	}
	return v
}

// notification encodes a JSON-RPC 2.0 notification frame.
func (c *Consumer) notification(method string, params any) (string, error) {
	p, err := c.encodeParams(params)
	if err != nil {
		return "", err
	}
	return notificationText(method, p), nil
}

// encodeParams encodes notification params, which must be a JSON array or
// object; nil gives none.
func (c *Consumer) encodeParams(params any) ([]byte, error) {
	if params == nil {
		return nil, nil
	}
	enc := c.Encoder
	if enc == nil {
		enc = JSONEncoder{}
	}
	p, err := enc.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("jsonrpc: encode notification params: %w", err)
	}
	if p = bytes.TrimSpace(p); len(p) == 0 || (p[0] != '[' && p[0] != '{') {
		return nil, fmt.Errorf("%w, got %s", ErrNotificationParams, p)
	}
	return p, nil
}

// notificationText is the frame of the notification method(p), p encoded
// params or nil.
func notificationText(method string, p []byte) string {
	name, _ := json.Marshal(method) // a string always encodes
	buf := append([]byte(`{"jsonrpc":"2.0","method":`), name...)
	if p != nil {
		buf = append(append(buf, `,"params":`...), p...)
	}
	return string(append(buf, '}'))
}
