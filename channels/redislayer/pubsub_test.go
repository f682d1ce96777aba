package redislayer_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// pubsubFeatures are what the pub/sub layer has for the conformance suite:
// no capacity, no expiry, no flush; the suite makes it listen before it
// sends.
var pubsubFeatures = channelstest.Features{
	Listen: func(l channels.Layer, channel string) {
		l.(*redislayer.PubSubLayer).Listen(context.Background(), channel)
	},
}

func newPubSub(t *testing.T, hosts ...string) *redislayer.PubSubLayer {
	t.Helper()
	l, err := redislayer.NewPubSub(redislayer.PubSubConfig{Hosts: hosts, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestPubSubLayerMiniredis(t *testing.T) {
	channelstest.TestLayer(t, func(t *testing.T) channels.Layer {
		return newPubSub(t, "redis://"+miniredis.RunT(t).Addr()+"/0")
	}, pubsubFeatures)
}

func TestPubSubLayerRedisServer(t *testing.T) {
	for _, shards := range []int{1, 2} {
		t.Run(map[int]string{1: "OneHost", 2: "TwoHosts"}[shards], func(t *testing.T) {
			var hosts []string
			for range shards {
				hosts = append(hosts, startRedis(t).url())
			}
			channelstest.TestLayer(t, func(t *testing.T) channels.Layer { return newPubSub(t, hosts...) }, pubsubFeatures)
		})
	}
}
