package redislayer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	"github.com/redis/go-redis/v9"
)

// startSentinel runs redis-server in sentinel mode, watching master as
// "mymaster" with a one-second down-after, until t ends.
func startSentinel(t *testing.T, master *redisServer) int {
	t.Helper()
	bin := redisServerPath(t)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "sentinel.conf")
	text := fmt.Sprintf("port %d\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 5000\n", port, master.port)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, conf, "--sentinel")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return port
}

// waitFor polls ok every 50 ms for up to d.
func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not after %v", what, d)
}

// startReplicated starts a master, a replica of it and a sentinel watching
// the master, and waits until the sentinel sees the replica and the replica
// is in sync. It returns the master and the port of the sentinel.
func startReplicated(t *testing.T) (*redisServer, int) {
	t.Helper()
	master := startRedis(t)
	replica := startRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master.port))
	sport := startSentinel(t, master)
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(sport)})
	t.Cleanup(func() { sentinel.Close() })
	waitFor(t, 15*time.Second, "the sentinel sees the replica", func() bool {
		rs, err := sentinel.Replicas(t.Context(), "mymaster").Result()
		return err == nil && len(rs) == 1 && !strings.Contains(fmt.Sprint(rs[0]), "s_down")
	})
	rc := redis.NewClient(&redis.Options{Addr: replica.addr()})
	t.Cleanup(func() { rc.Close() })
	waitFor(t, 15*time.Second, "the replica is in sync", func() bool {
		info, err := rc.Info(t.Context(), "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	})
	return master, sport
}

// roundTrip sends a message and receives it back.
func roundTrip(t *testing.T, l *redislayer.Layer, n int) error {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := l.Send(ctx, "failover.q", channels.Content{"n": int64(n)}); err != nil {
		return err
	}
	_, c, err := l.Receive(ctx, "failover.q")
	if err == nil {
		if got, _ := c.Int("n"); got != int64(n) {
			return fmt.Errorf("received n=%d, want %d", got, n)
		}
	}
	return err
}

// TestSentinelFailover kills the master under load: the layer reports
// ErrLayerUnavailable meanwhile, and sends and receives work again within
// 10 s of the kill, on the replica the sentinel promoted.
func TestSentinelFailover(t *testing.T) {
	master, sport := startReplicated(t)
	l, err := redislayer.Open(fmt.Sprintf("redis+sentinel://127.0.0.1:%d/0?master_name=mymaster&call_timeout=1s&block_timeout=1", sport))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for n := range 20 { // load before the kill
		if err := roundTrip(t, l, n); err != nil {
			t.Fatalf("before the kill: %v", err)
		}
	}
	master.kill()
	killed := time.Now()
	var failures int
	for n := 20; ; n++ {
		err := roundTrip(t, l, n)
		if err == nil && failures > 0 || err == nil && time.Since(killed) > 3*time.Second {
			break
		}
		if err != nil {
			failures++
			if failures == 1 {
				t.Logf("first error after the kill: %v", err)
			}
			if !errors.Is(err, channels.ErrLayerUnavailable) {
				t.Errorf("during the failover: %v, want an error matching ErrLayerUnavailable", err)
			}
		}
		if time.Since(killed) > 10*time.Second {
			t.Fatalf("no service 10 s after the master was killed (%d failed round trips, last: %v)", failures, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("service back %v after the kill, %d round trips failed meanwhile", time.Since(killed).Round(time.Millisecond), failures)
}
