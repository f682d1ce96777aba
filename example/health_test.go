package main

import (
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestReadyzFollowsRedis runs the example's interface server on a real
// redis-server: /readyz is 200, turns 503 within seconds of Redis going
// away and 200 again once it is back; /healthz stays 200.
func TestReadyzFollowsRedis(t *testing.T) {
	redisBin := scaleLookup(t, "CHANNELS_TEST_REDIS_SERVER", "redis-server", "/usr/bin/redis-server", "Debian package redis-server")
	bin := filepath.Join(t.TempDir(), "example")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := freePort(t)
	redis := startRedisAt(t, redisBin, port)
	redisURL := "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	base := scaleStart(t, bin, "-mode", "server", "-layer", redisURL, "-addr", "127.0.0.1:0")

	status := func(path string) int {
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get(base + path)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	waitStatus := func(path string, want int, within time.Duration) {
		t.Helper()
		for deadline := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
			if got := status(path); got == want {
				return
			} else if time.Now().After(deadline) {
				t.Fatalf("GET %s = %d, want %d within %v", path, got, want, within)
			}
		}
	}
	waitStatus("/readyz", 200, 10*time.Second)
	waitStatus("/healthz", 200, time.Second)

	redis.Process.Kill()
	redis.Wait()
	waitStatus("/readyz", 503, 10*time.Second)
	waitStatus("/healthz", 200, time.Second)

	startRedisAt(t, redisBin, port)
	waitStatus("/readyz", 200, 15*time.Second)
}
