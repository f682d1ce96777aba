package channels_test

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// observed is an Observer that keeps what it is told, as "event args".
type observed struct {
	mu     sync.Mutex
	events map[string]int
	queue  int // the worker queue's depth
	most   int // the deepest it was
}

func newObserved() *observed { return &observed{events: map[string]int{}} }

func (r *observed) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events[fmt.Sprintf(format, args...)]++
}

func (r *observed) count(event string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events[event]
}

func (r *observed) ConnectionOpened(t channels.Transport)           { r.add("opened %s", t) }
func (r *observed) ConnectionClosed(t channels.Transport, code int) { r.add("closed %s %d", t, code) }
func (r *observed) MessageSent(k channels.Kind)                     { r.add("sent %s", k) }
func (r *observed) MessageReceived(k channels.Kind)                 { r.add("received %s", k) }
func (r *observed) MessageRefused(k channels.Kind, full bool)       { r.add("refused %s %v", k, full) }
func (r *observed) FullWait(k channels.Kind, d time.Duration)       { r.add("waited %s %v", k, d) }
func (r *observed) LayerError()                                     { r.add("layer error") }
func (r *observed) SlowClientCut()                                  { r.add("cut") }
func (r *observed) GroupSent(members int)                           { r.add("group %d", members) }
func (r *observed) Drained(d time.Duration)                         { r.add("drained") }
func (r *observed) depth() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queue
}

func (r *observed) WorkerQueue(delta int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queue += delta
	r.most = max(r.most, r.queue)
}

func TestObserverSeesTheSlowClientCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newObserved()
		b := startBubble(t, nil, channels.ServerConfig{SendQueue: 8, Observer: obs}, channels.WorkerConfig{Observer: obs},
			channels.Route("websocket.receive", flood(100)))
		conn := b.mustDial("/")
		conn.WriteMessage(websocket.TextMessage, []byte("flood")) // and never read
		time.Sleep(5 * time.Second)
		for _, event := range []string{"opened websocket", "cut", "closed websocket 1008", "sent websocket.connect",
			"sent websocket.receive", "received websocket.receive", "sent websocket.disconnect"} {
			if n := obs.count(event); n != 1 {
				t.Errorf("%q observed %d times, want once", event, n)
			}
		}
	})
}

func TestObserverSeesWaitsAndRefusals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		obs := newObserved()
		b := startBubble(t, oneReceive(), channels.ServerConfig{BackpressureTimeout: 3 * time.Second, Observer: obs},
			channels.WorkerConfig{Concurrency: 2, InlineLimit: 2}, channels.Route("websocket.receive", gatedEcho(gate)))
		t.Cleanup(func() { close(gate) })
		conn := takeEveryTurn(b) // then a message that waits for room in vain
		writeTexts(conn, "a", "b", "c")
		if code, _ := closeCode(conn); code != channels.CloseTryAgainLater {
			t.Fatalf("close %d, want 1013", code)
		}
		synctest.Wait()
		for _, event := range []string{"waited websocket.receive 3s", "refused websocket.receive true", "closed websocket 1013"} {
			if n := obs.count(event); n != 1 {
				t.Errorf("%q observed %d times, want once; all: %v", event, n, obs.events)
			}
		}
	})
}

func TestObserverSeesTheWorkerQueueAndTheDrain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		obs := newObserved()
		// Without the hot path, two receiving goroutines take a and b of one
		// connection: b waits behind a in the worker.
		layer := &plainLayer{GroupLayer: channels.NewMemoryLayer(channels.MemoryConfig{})}
		b := startBubble(t, layer, channels.ServerConfig{Observer: obs},
			channels.WorkerConfig{Concurrency: 2, Observer: obs}, channels.Route("websocket.receive", gatedEcho(gate)))
		conn := b.mustDial("/")
		writeTexts(conn, "a", "b")
		synctest.Wait()
		if obs.depth() != 1 {
			t.Fatalf("worker queue %d deep with a in hand and b behind it, want 1", obs.depth())
		}
		close(gate)
		for _, want := range []string{"a", "b"} {
			if _, data, err := conn.ReadMessage(); err != nil || string(data) != want {
				t.Fatalf("read %q, %v; want %q", data, err, want)
			}
		}
		b.shutdown()
		obs.mu.Lock()
		defer obs.mu.Unlock()
		if obs.most != 1 || obs.queue != 0 {
			t.Errorf("worker queue: deepest %d, now %d; want 1, then 0", obs.most, obs.queue)
		}
		for _, event := range []string{"drained", "closed websocket 1001", "sent reply", "received reply"} {
			if n := obs.events[event]; n == 0 {
				t.Errorf("%q not observed; all: %v", event, obs.events)
			}
		}
	})
}
