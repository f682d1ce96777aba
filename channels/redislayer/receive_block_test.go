package redislayer_test

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	"github.com/redis/go-redis/v9"
)

// On Redis 7 a receive is one BZMPOP, whether its message waits or is yet
// to come: no pop script (whose ZPOPMIN calls the server counts) and no
// BZPOPMIN, for normal and process-local channels alike.
func TestReceiveIsOneBZMPOP(t *testing.T) {
	srv := startRedis(t)
	l := newServerLayer(t, srv, nil)
	got := roundTrips(t, srv, l)
	stats := commandCalls(t, srv)
	if stats["bzmpop"] == 0 || stats["zpopmin"] != 0 || stats["bzpopmin"] != 0 {
		t.Errorf("after %d round trips: bzmpop %d, zpopmin %d, bzpopmin %d calls; want only bzmpop",
			got, stats["bzmpop"], stats["zpopmin"], stats["bzpopmin"])
	}
}

// A server without BZMPOP (Redis before 7; here renamed away) is found at
// the first receive, said once in the log, and served with the pop script
// and BZPOPMIN.
func TestReceiveWithoutBZMPOP(t *testing.T) {
	srv := startRedis(t, "--rename-command", "BZMPOP", "")
	var logs syncBuffer
	l := newServerLayer(t, srv, slog.New(slog.NewTextHandler(&logs, nil)))
	roundTrips(t, srv, l)
	if n := strings.Count(logs.String(), "no BZMPOP"); n != 1 {
		t.Errorf("the log says %d times that the server has no BZMPOP, want once:\n%s", n, logs.String())
	}
	if stats := commandCalls(t, srv); stats["bzpopmin"] == 0 {
		t.Errorf("no BZPOPMIN ran: %v", stats)
	}
}

func newServerLayer(t *testing.T, srv *redisServer, log *slog.Logger) *redislayer.Layer {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l, err := redislayer.New(redislayer.Config{Hosts: []string{srv.url()}, Capacity: 100, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// roundTrips sends messages to a normal and a process-local channel, in
// turns to a receive already blocked in Redis and before the receive (the
// message waits), and checks that each arrives once, in order. It returns
// how many it sent.
func roundTrips(t *testing.T, srv *redisServer, l *redislayer.Layer) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	local, err := l.NewChannel(ctx, "blk.reply")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	for _, ch := range []string{"blk.normal", local} {
		for i := range n {
			send := func() {
				if err := l.Send(ctx, ch, channels.Content{"n": int64(i)}); err != nil {
					t.Error(err)
				}
			}
			if i%2 == 1 {
				send()
			}
			received := make(chan int64, 1)
			go func() {
				_, c, err := l.Receive(ctx, channels.NonLocalName(ch))
				if err != nil {
					t.Error(err)
				}
				v, _ := c.Int("n")
				received <- v
			}()
			if i%2 == 0 {
				awaitBlocked(t, srv)
				send()
			}
			if v := <-received; v != int64(i) {
				t.Fatalf("%s: got message %d, want %d", ch, v, i)
			}
		}
	}
	return 2 * n
}

// awaitBlocked waits until a client of srv is blocked in a pop.
func awaitBlocked(t *testing.T, srv *redisServer) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.addr()})
	defer c.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		info, err := c.Info(context.Background(), "clients").Result()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(info, "blocked_clients:0\r") {
			return
		}
		time.Sleep(time.Millisecond) // polling the server's own count
	}
	t.Fatal("no receive blocked in Redis within 5 s")
}

// commandCalls is the calls of each command srv counted (INFO
// commandstats), by lower-case name.
func commandCalls(t *testing.T, srv *redisServer) map[string]int {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.addr()})
	defer c.Close()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		calls[name], err = strconv.Atoi(n)
		if err != nil {
			t.Fatalf("INFO commandstats: %q: %v", line, err)
		}
	}
	return calls
}

// syncBuffer is a bytes.Buffer safe for the layer's goroutines to log to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
