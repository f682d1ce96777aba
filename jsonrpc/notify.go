package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// ErrNotificationParams is returned for notification params that are
// neither an array nor an object.
var ErrNotificationParams = errors.New("jsonrpc: notification params must be an array, an object or nil")

// NotifyGroup sends the notification method(params) to every member of
// group on layer: django-channels-jsonrpc's notify_group. params must
// encode to a JSON array or object, or be nil to leave them out. Sent while
// a call is handled, it reaches the members before that call's response.
func (c *Consumer) NotifyGroup(ctx context.Context, layer channels.Layer, group, method string, params any) error {
	text, err := c.notification(method, params)
	if err != nil {
		return err
	}
	return channels.GroupSend(ctx, layer, group, channels.Content{"text": text})
}

// NotifyChannel sends the notification method(params) to one client, the
// owner of replyChannel: django-channels-jsonrpc's notify_channel.
func (c *Consumer) NotifyChannel(ctx context.Context, layer channels.Layer, replyChannel, method string, params any) error {
	text, err := c.notification(method, params)
	if err != nil {
		return err
	}
	return layer.Send(ctx, replyChannel, channels.Content{"text": text})
}

// notification encodes a JSON-RPC 2.0 notification frame.
func (c *Consumer) notification(method string, params any) (string, error) {
	name, err := json.Marshal(method)
	if err != nil {
		return "", err
	}
	buf := append([]byte(`{"jsonrpc":"2.0","method":`), name...)
	if params != nil {
		enc := c.Encoder
		if enc == nil {
			enc = JSONEncoder{}
		}
		p, err := enc.Marshal(params)
		if err != nil {
			return "", fmt.Errorf("jsonrpc: encode notification params: %w", err)
		}
		if p = bytes.TrimSpace(p); len(p) == 0 || (p[0] != '[' && p[0] != '{') {
			return "", fmt.Errorf("%w, got %s", ErrNotificationParams, p)
		}
		buf = append(append(buf, `,"params":`...), p...)
	}
	return string(append(buf, '}')), nil
}
