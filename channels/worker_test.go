package channels_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// runWorker runs a worker on layer until the test ends.
func runWorker(t *testing.T, layer channels.Layer, c channels.Consumer, cfg channels.WorkerConfig) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		channels.NewWorker(layer, c, cfg).Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func TestWorkerKeepsTheOrderOfEachConnection(t *testing.T) {
	const conns, frames = 4, 50
	layer := channels.NewMemoryLayer(channels.MemoryConfig{Capacity: conns * frames})
	var mu sync.Mutex
	seen := map[string][]int64{}
	all := make(chan struct{}, conns*frames)
	record := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		o, _ := m.Order()
		if o%7 == 0 {
			time.Sleep(time.Millisecond) // let the other goroutines overtake
		}
		mu.Lock()
		seen[m.ReplyChannel()] = append(seen[m.ReplyChannel()], o)
		mu.Unlock()
		all <- struct{}{}
		return nil
	})
	runWorker(t, layer, record, channels.WorkerConfig{Concurrency: 4, Channels: []string{"websocket.receive"}})
	ctx := context.Background()
	for o := range int64(frames) {
		for c := range conns {
			layer.Send(ctx, "websocket.receive", channels.Content{"reply_channel": fmt.Sprintf("conn%d", c), "order": o})
		}
	}
	for range conns * frames {
		<-all
	}
	for reply, orders := range seen {
		for i, o := range orders {
			if o != int64(i) {
				t.Fatalf("%s consumed in order %v, want 0..%d", reply, orders, frames-1)
			}
		}
	}
}

func TestWorkerUnorderedRunsOneConnectionInParallel(t *testing.T) {
	layer := channels.NewMemoryLayer(channels.MemoryConfig{})
	inside := make(chan struct{})
	release := make(chan struct{})
	block := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		inside <- struct{}{}
		<-release
		return nil
	})
	runWorker(t, layer, block, channels.WorkerConfig{Concurrency: 2, Unordered: true, Channels: []string{"x"}})
	ctx := context.Background()
	layer.Send(ctx, "x", channels.Content{"reply_channel": "conn"})
	layer.Send(ctx, "x", channels.Content{"reply_channel": "conn"})
	<-inside
	<-inside // both messages of "conn" are in the consumer at once
	close(release)
}

// A message handed over to a running worker is consumed in the sender's
// goroutine, and Run waits for it on shutdown; InlineLimit -1 leaves every
// message to the worker's own goroutines.
func TestWorkerConsumesHandedOverMessagesInline(t *testing.T) {
	for _, limit := range []int{0, -1} {
		synctest.Test(t, func(t *testing.T) {
			layer := channels.NewMemoryLayer(channels.MemoryConfig{})
			gate := make(chan struct{})
			consumed := make(chan struct{})
			w := channels.NewWorker(layer, channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
				close(consumed)
				<-gate
				return nil
			}), channels.WorkerConfig{Channels: []string{"work"}, Concurrency: 1, InlineLimit: limit})
			ctx, stop := context.WithCancel(context.Background())
			ran := make(chan struct{})
			go func() { w.Run(ctx); close(ran) }()
			synctest.Wait()
			handedOver := make(chan struct{})
			go func() {
				layer.HandOver(ctx, channels.NewMessage("work", channels.Content{"n": int64(1)}))
				close(handedOver)
			}()
			<-consumed
			synctest.Wait()
			select {
			case <-handedOver:
				if limit == 0 {
					t.Errorf("HandOver returned before the message was consumed")
				}
			default:
				if limit < 0 {
					t.Errorf("InlineLimit -1: HandOver waits for the consumer")
				}
			}
			stop()
			synctest.Wait()
			select {
			case <-ran:
				t.Fatalf("Run returned while a message was being consumed")
			default:
			}
			close(gate)
			<-ran
		})
	}
}
