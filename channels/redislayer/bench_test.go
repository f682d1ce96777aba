package redislayer_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// The benchmarks mirror those of the memory layer in package channels
// (BenchmarkMemoryLayerSendReceive, BenchmarkMemoryGroupSend); run them in
// one command to compare:
//
//	go test -run '^$' -bench 'MemoryLayerSendReceive|MemoryGroupSend|Redis' ./channels ./channels/redislayer
//
// Each runs on a redis-server of its own (skipped when there is none) and
// on miniredis.

// benchHosts returns the URL of a fresh Redis of each kind.
func benchHosts(b *testing.B) map[string]string {
	hosts := map[string]string{}
	m := miniredis.RunT(b)
	hosts["miniredis"] = "redis://" + m.Addr()
	if _, err := redisServerLookup(); err == nil {
		hosts["redis-server"] = startRedis(b).url()
	}
	return hosts
}

func benchLayer(b *testing.B, url string, cfg redislayer.Config) *redislayer.Layer {
	cfg.Hosts = []string{url}
	cfg.Logger = quiet
	l, err := redislayer.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	if err := l.Flush(b.Context()); err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkRedisSendReceive measures a round trip: a ping sent to a
// goroutine that answers with a pong, on normal channels ("normal") and
// with the pong on a process-local channel, the way replies reach an
// interface server ("reply").
func BenchmarkRedisSendReceive(b *testing.B) {
	for kind, url := range benchHosts(b) {
		for _, reply := range []string{"normal", "reply"} {
			b.Run(kind+"/"+reply, func(b *testing.B) {
				l := benchLayer(b, url, redislayer.Config{})
				if reply == "reply" {
					channelstest.SendReceive(b, l, "bench.pong!conn", "bench.pong!")
				} else {
					channelstest.SendReceive(b, l, "bench.pong", "bench.pong")
				}
			})
		}
	}
}

// BenchmarkRedisGroupSend measures GroupSend to a group of 100 members:
// 100 worker channels ("channels", 100 keys), or 100 connections of one
// interface server ("connections", one key and one message). The keys are
// emptied, outside the timer, before they fill up.
func BenchmarkRedisGroupSend(b *testing.B) {
	const members, drainEvery = 100, 50
	for kind, url := range benchHosts(b) {
		for _, shape := range []string{"channels", "connections"} {
			b.Run(kind+"/"+shape, func(b *testing.B) {
				l := benchLayer(b, url, redislayer.Config{Capacity: drainEvery})
				ctx := b.Context()
				for i := range members {
					name := fmt.Sprintf("bench.member.%d", i)
					if shape == "connections" {
						name = fmt.Sprintf("bench.server!%d", i)
					}
					if err := l.GroupAdd(ctx, "bench", name); err != nil {
						b.Fatal(err)
					}
				}
				msg := channels.Content{"text": "hello, group"}
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					if err := l.GroupSend(ctx, "bench", msg); err != nil {
						b.Fatal(err)
					}
					if n++; n%drainEvery == 0 {
						b.StopTimer()
						drain(b, l, members, shape)
						b.StartTimer()
					}
				}
			})
		}
	}
}

// drain deletes the messages of the group's members, keeping the group.
func drain(b *testing.B, l *redislayer.Layer, members int, shape string) {
	now, cancel := context.WithCancel(b.Context())
	cancel()
	chans := []string{"bench.server!"}
	if shape == "channels" {
		chans = chans[:0]
		for i := range members {
			chans = append(chans, fmt.Sprintf("bench.member.%d", i))
		}
	}
	for {
		if _, _, err := l.Receive(now, chans...); err != nil {
			return
		}
	}
}
