package redislayer_test

import (
	"context"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
)

// Receives take several waiting messages per round trip and keep the
// others for later receives: every message arrives once, each channel's in
// order, and a receive of one channel does not get another's.
func TestBatchedReceiveKeepsOrder(t *testing.T) {
	ctx := context.Background()
	l, _ := newMiniLayer(t, 1, redislayer.Config{Capacity: 1000})
	reply, err := l.NewChannel(ctx, "batch.reply")
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	for i := range n {
		for _, ch := range []string{"batch.a", "batch.b", reply} {
			if err := l.Send(ctx, ch, channels.Content{"n": int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, ch := range []string{"batch.a", reply, "batch.b"} {
		for i := range n {
			got, c, err := l.Receive(ctx, channels.NonLocalName(ch))
			if err != nil {
				t.Fatalf("%s #%d: %v", ch, i, err)
			}
			if v, _ := c.Int("n"); got != ch || v != int64(i) {
				t.Fatalf("%s #%d: got %s n=%d", ch, i, got, v)
			}
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	cancel()
	if ch, c, err := l.Receive(rctx, "batch.a", "batch.b"); err == nil {
		t.Errorf("a message left over: %s %v", ch, c)
	}
}
