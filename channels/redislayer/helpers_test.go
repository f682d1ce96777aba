package redislayer_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	"github.com/redis/go-redis/v9"
)

// Tests that need a real redis-server or Python's channels_redis skip when
// they are missing, unless CHANNELS_TEST_STRICT=1 (CI), where they fail.
// CHANNELS_TEST_REDIS_SERVER and CHANNELS_TEST_PYTHON override the
// programs used; pointing them at a missing file hides the program.
const (
	envStrict      = "CHANNELS_TEST_STRICT"
	envRedisServer = "CHANNELS_TEST_REDIS_SERVER"
	envPython      = "CHANNELS_TEST_PYTHON"
)

// missing skips t, or fails it under CHANNELS_TEST_STRICT=1.
func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(envStrict) == "1" {
		t.Fatalf("%s (%s=1: required)", why, envStrict)
	}
	t.Skip(why)
}

// redisServerLookup finds redis-server.
func redisServerLookup() (string, error) {
	if p, ok := os.LookupEnv(envRedisServer); ok {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("redis-server not found at $%s=%s (Debian package redis-server)", envRedisServer, p)
		}
		return p, nil
	}
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("redis-server is not installed (Debian package redis-server)")
	}
	return p, nil
}

func redisServerPath(t testing.TB) string {
	t.Helper()
	p, err := redisServerLookup()
	if err != nil {
		missing(t, err.Error())
	}
	return p
}

// redisServer is a redis-server process of a test, on a loopback port.
type redisServer struct {
	t    testing.TB
	bin  string
	port int
	dir  string   // its working directory: a replica writes the master's snapshot there
	args []string // more arguments, after the defaults
	cmd  *exec.Cmd
}

// startRedis starts a redis-server that stops when t ends; args are more
// arguments, such as "--replicaof", host, port.
func startRedis(t testing.TB, args ...string) *redisServer {
	t.Helper()
	s := &redisServer{t: t, bin: redisServerPath(t), dir: t.TempDir(), args: args}
	var err error
	for range 5 {
		if s.port, err = freePort(); err != nil {
			continue
		}
		if err = s.start(); err == nil {
			t.Cleanup(s.kill)
			return s
		}
	}
	t.Fatalf("starting redis-server: %v", err)
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }
func (s *redisServer) url() string  { return "redis://" + s.addr() + "/0" }

func (s *redisServer) start() error {
	cmd := exec.Command(s.bin, append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning", "--dir", s.dir}, s.args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	var logs strings.Builder
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			logMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logMu.Unlock()
		}
	}()
	c := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = c.Ping(ctx).Err()
		cancel()
		if err == nil {
			s.cmd = cmd
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	logMu.Lock()
	defer logMu.Unlock()
	return fmt.Errorf("redis-server on port %d did not answer: %v\n%s", s.port, err, logs.String())
}

// kill stops the server at once, as a crash would.
func (s *redisServer) kill() {
	if s.cmd != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// restart starts the server again on its port.
func (s *redisServer) restart() {
	s.t.Helper()
	s.kill()
	var err error
	for range 50 { // the port may take a moment to be free again
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("restarting redis-server: %v", err)
}

// fakeClock is a layer clock that tests move together with miniredis's.
type fakeClock struct {
	mu      sync.Mutex
	offset  time.Duration
	servers []*miniredis.Miniredis
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	for _, m := range c.servers {
		m.FastForward(d)
	}
}

// newMiniLayer returns a layer on shards new miniredis servers, with a
// fake clock.
func newMiniLayer(t testing.TB, shards int, cfg redislayer.Config) (*redislayer.Layer, *fakeClock) {
	t.Helper()
	clock := &fakeClock{}
	cfg.Hosts = nil
	for range shards {
		m := miniredis.RunT(t)
		clock.servers = append(clock.servers, m)
		cfg.Hosts = append(cfg.Hosts, "redis://"+m.Addr()+"/0")
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	l, err := redislayer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, clock
}

var quiet = slog.New(slog.DiscardHandler)

// members returns the members of a sorted set with their scores.
func members(t *testing.T, m *miniredis.Miniredis, key string) map[string]float64 {
	t.Helper()
	set, err := m.SortedSet(key)
	if err != nil {
		t.Fatalf("sorted set %q: %v (keys: %q)", key, err, m.Keys())
	}
	return set
}

// receiveWithin receives on chans, failing t when nothing comes within d.
func receiveWithin(t *testing.T, l channels.Layer, d time.Duration, chans ...string) (string, channels.Content) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	ch, c, err := l.Receive(ctx, chans...)
	if err != nil {
		t.Fatalf("Receive(%q): %v", chans, err)
	}
	return ch, c
}

// checkNoLeak fails when goroutines started since before are still running.
func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
