package redislayer_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

var suiteConfig = redislayer.Config{
	Capacity: 10, Expiry: time.Minute, GroupExpiry: time.Hour,
	Logger: slog.New(slog.DiscardHandler),
}

// suiteCapacity is the capacity the suite may count on. With several hosts
// a normal channel holds Capacity messages on each host, as with
// channels_redis, which the suite's capacity subtests do not expect: they
// are skipped, and TestCapacityTwoHosts checks capacity instead.
func suiteCapacity(shards int) int {
	if shards > 1 {
		return 0
	}
	return suiteConfig.Capacity
}

// The conformance suite on miniredis, with its clock moved by the suite:
// every subtest runs, expiry included.
func TestLayerMiniredis(t *testing.T) {
	for _, shards := range []int{1, 2} {
		t.Run(map[int]string{1: "OneHost", 2: "TwoHosts"}[shards], func(t *testing.T) {
			t.Parallel()
			var clock *fakeClock
			channelstest.TestLayer(t, func(t *testing.T) channels.Layer {
				var l *redislayer.Layer
				l, clock = newMiniLayer(t, shards, suiteConfig)
				return l
			}, channelstest.Features{
				Capacity:    suiteCapacity(shards),
				Expiry:      suiteConfig.Expiry,
				GroupExpiry: suiteConfig.GroupExpiry,
				Advance:     func(d time.Duration) { clock.Advance(d) },
			})
		})
	}
}

// The conformance suite on real redis-servers, in real time: the expiry
// subtests are skipped. One host has no BZMPOP (as Redis before 7), so
// that the receives of older servers pass the suite too.
func TestLayerRedisServer(t *testing.T) {
	for _, c := range []struct {
		name   string
		shards int
		args   []string // redis-server's
	}{
		{"OneHost", 1, nil},
		{"TwoHosts", 2, nil},
		{"OneHostWithoutBZMPOP", 1, []string{"--rename-command", "BZMPOP", ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := suiteConfig
			for range c.shards {
				cfg.Hosts = append(cfg.Hosts, startRedis(t, c.args...).url())
			}
			channelstest.TestLayer(t, func(t *testing.T) channels.Layer {
				l, err := redislayer.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Close() })
				return l
			}, channelstest.Features{Capacity: suiteCapacity(c.shards)})
		})
	}
}
