package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestScaleOutOverRedis runs the example as real processes, as a
// deployment does: two interface servers and two workers on one
// redis-server. Clients of either server reach each other through a group,
// and both servers answer calls over WebSocket and HTTP.
func TestScaleOutOverRedis(t *testing.T) {
	redisBin := scaleLookup(t, "CHANNELS_TEST_REDIS_SERVER", "redis-server", "/usr/bin/redis-server", "Debian package redis-server")
	bin := filepath.Join(t.TempDir(), "example")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	redisURL := scaleRedis(t, redisBin)

	var servers []string
	for range 2 {
		servers = append(servers, scaleStart(t, bin, "-mode", "server", "-layer", redisURL, "-addr", "127.0.0.1:0"))
	}
	for range 2 {
		scaleStart(t, bin, "-mode", "worker", "-layer", redisURL, "-workers", "2")
	}

	var conns []*websocket.Conn
	for i, base := range servers {
		conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws/", nil)
		if err != nil {
			t.Fatalf("dial server %d: %v", i, err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		conns = append(conns, conn)
		scaleCall(t, conn, `{"jsonrpc":"2.0","method":"group.join","params":["scale"],"id":1}`, `{"jsonrpc":"2.0","id":1,"result":true}`)
	}
	// Sent through server 0: the members on both servers get it.
	conns[0].WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","method":"group.send","params":["scale","hi"],"id":2}`))
	note := `{"jsonrpc":"2.0","method":"group.message","params":{"group":"scale","payload":"hi"}}`
	for i, conn := range conns {
		frames := 1 // the group message
		if i == 0 {
			frames = 2 // and, after it, the sender's own result
		}
		var got []string
		for len(got) < frames {
			_, data, err := conn.ReadMessage()
			if err != nil {
				t.Fatalf("client of server %d: %v (got %q)", i, err, got)
			}
			got = append(got, string(data))
		}
		if got[0] != note {
			t.Errorf("client of server %d got %q first, want the group message", i, got)
		}
	}
	for i, base := range servers {
		resp, err := http.Post(base+"/rpc/", "application/json", strings.NewReader(`{"jsonrpc":"2.0","method":"ping","id":3}`))
		if err != nil {
			t.Fatalf("POST to server %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != `{"jsonrpc":"2.0","id":3,"result":"pong"}` {
			t.Errorf("POST to server %d: %d %s", i, resp.StatusCode, body)
		}
	}
}

func scaleCall(t *testing.T, conn *websocket.Conn, req, want string) {
	t.Helper()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(req)); err != nil {
		t.Fatal(err)
	}
	_, data, err := conn.ReadMessage()
	if err != nil || string(data) != want {
		t.Fatalf("%s: got %s, %v; want %s", req, data, err, want)
	}
}

// scaleLookup finds a program the test needs, or skips (fails with
// CHANNELS_TEST_STRICT=1) naming it.
func scaleLookup(t *testing.T, env, name, fallback, pkg string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	} else if p, err := exec.LookPath(name); err == nil {
		return p
	} else if _, err := os.Stat(fallback); err == nil {
		return fallback
	}
	msg := fmt.Sprintf("%s not found (install the %s)", name, pkg)
	if os.Getenv("CHANNELS_TEST_STRICT") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// freePort is a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// scaleRedis starts a redis-server on a free loopback port for the test.
func scaleRedis(t *testing.T, bin string) string {
	t.Helper()
	port := freePort(t)
	startRedisAt(t, bin, port)
	return "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
}

// startRedisAt starts a redis-server on port, killed when the test ends,
// and waits until it listens.
func startRedisAt(t *testing.T, bin string, port int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not listen on %s", addr)
		}
	}
}

// scaleStart starts the example with args and stops it with SIGTERM when
// the test ends. For a server it returns its base URL, read from its log.
func scaleStart(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append(args, "-log-format", "json")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Errorf("%v did not stop on SIGTERM", args)
		}
	})
	page := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Page string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				page <- strings.TrimSuffix(line.Page, "/")
			}
		}
	}()
	if strings.Contains(strings.Join(args, " "), "-mode worker") {
		return ""
	}
	select {
	case p := <-page:
		return p
	case <-time.After(20 * time.Second):
		t.Fatalf("%v did not log where it serves", args)
	}
	return ""
}
