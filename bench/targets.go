package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A target is a server under test, run as child processes of the bench on
// a free loopback port: the raw echo (this binary's serve-echo), the
// example with its memory layer, and optionally the example split into a
// server and a worker process sharing Redis.

const (
	listenWithin = 30 * time.Second // the longest a child may take to listen
	stopWithin   = 10 * time.Second // SIGTERM to SIGKILL
)

// target is a server under test: procs[0] listens on addr, the others
// (a split worker) do not listen.
type target struct {
	name  string // short, as in the children's log names
	label string // as the report shows it
	addr  string
	procs []*child
	// goroutinesURL gives the server's number of goroutines, as plain text
	// or as a goroutine profile (debug=1); empty when it does not tell.
	goroutinesURL string
	// heapURLs give the heap profile of each process (see mallocCount), in
	// procs' order; "" where a process does not serve one.
	heapURLs []string
	// redis is the split target's redis-server, nil for the others.
	redis *redisProbe
	// callgrind probes the server of a target run under callgrind
	// (-instructions), nil otherwise.
	callgrind *callgrindProbe
}

func (t *target) wsURL() string  { return "ws://" + t.addr + "/ws/" }
func (t *target) rpcURL() string { return "http://" + t.addr + "/rpc/" }
func (t *target) server() *child { return t.procs[0] }

// pids are the target's processes, procs' order.
func (t *target) pids() []int {
	pids := make([]int, len(t.procs))
	for i, p := range t.procs {
		pids[i] = p.pid()
	}
	return pids
}

// stop ends every process of t.
func (t *target) stop() {
	for _, p := range t.procs {
		p.stop()
	}
	if t.redis != nil {
		t.redis.close()
	}
}

// child is a server process the bench started.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string        // its stdout and stderr
	done chan struct{} // closed once it is reaped
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// startChild starts bin with args, its output in logDir/name.log. It gets
// a process group of its own, so that a Ctrl-C meant for the bench reaches
// it only through stop, and SIGKILL should the bench die first.
func startChild(logDir, name, bin string, args ...string) (*child, error) {
	logPath := filepath.Join(logDir, name+".log")
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		log.Close()
		close(c.done)
	}()
	return c, nil
}

// stop ends the child: SIGTERM, then SIGKILL if it has not exited in time.
func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(stopWithin):
		c.cmd.Process.Kill()
		<-c.done
	}
}

// waitListening waits until addr accepts TCP connections, and fails at
// once should the child exit first, with the end of its log.
func (c *child) waitListening(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, listenWithin)
	defer cancel()
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-c.done:
			return fmt.Errorf("%s exited before listening on %s:\n%s", c.name, addr, logTail(c.log))
		case <-ctx.Done():
			return fmt.Errorf("%s: not listening on %s after %v", c.name, addr, listenWithin)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startTarget starts a target's listening process and, once it listens,
// its other processes (each a name and a command line).
func startTarget(ctx context.Context, logDir, name, label string, server []string, others ...[]string) (*target, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	t := &target{name: name, label: label, addr: addr}
	commands := append([][]string{slices.Concat(server, []string{"-addr", addr})}, others...)
	for i, command := range commands {
		c, err := startChild(logDir, fmt.Sprintf("%s-%d", name, i), command[0], command[1:]...)
		if err != nil {
			t.stop()
			return nil, err
		}
		t.procs = append(t.procs, c)
		if i == 0 {
			if err := c.waitListening(ctx, addr); err != nil {
				t.stop()
				return nil, err
			}
		}
	}
	return t, nil
}

// startTargets starts the raw echo, with o.control a second one, the
// example (the binary o.exampleBin), with o.pipeline the pipeline (this binary's serve-pipeline) and, with
// o.redisURL, the example split into a server and a worker sharing that
// Redis. On an error it stops those it started.
func startTargets(ctx context.Context, dir string, o *options) ([]*target, error) {
	exampleBin, redisURL := o.exampleBin, o.redisURL
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	echo, err := startEcho(ctx, dir, self, "echo", "raw echo")
	if err != nil {
		return nil, err
	}
	targets := []*target{echo}
	fail := func(err error) ([]*target, error) {
		stopAll(targets)
		return nil, err
	}
	if o.control {
		control, err := startEcho(ctx, dir, self, "control", "echo again")
		if err != nil {
			return fail(err)
		}
		targets = append(targets, control)
	}
	pprofAddrs, err := freeAddrs(3)
	if err != nil {
		return fail(err)
	}
	example, err := startTarget(ctx, dir, "example", "example",
		[]string{exampleBin, "-layer", "memory://", "-pprof", pprofAddrs[0]})
	if err != nil {
		return fail(err)
	}
	example.goroutinesURL = "http://" + pprofAddrs[0] + "/debug/pprof/goroutine?debug=1"
	example.heapURLs = []string{"http://" + pprofAddrs[0] + heapProfile}
	targets = append(targets, example)
	if o.pipeline {
		p, err := startTarget(ctx, dir, "pipeline", "pipeline", []string{self, "serve-pipeline"})
		if err != nil {
			return fail(err)
		}
		p.goroutinesURL = "http://" + p.addr + "/debug/goroutines"
		p.heapURLs = []string{"http://" + p.addr + heapProfile}
		targets = append(targets, p)
	}
	if redisURL == "" {
		return targets, nil
	}
	split, err := startTarget(ctx, dir, "split", "split/redis",
		[]string{exampleBin, "-mode", "server", "-layer", redisURL, "-pprof", pprofAddrs[1]},
		[]string{exampleBin, "-mode", "worker", "-layer", redisURL, "-pprof", pprofAddrs[2]})
	if err != nil {
		return fail(err)
	}
	split.heapURLs = []string{"http://" + pprofAddrs[1] + heapProfile, "http://" + pprofAddrs[2] + heapProfile}
	targets = append(targets, split)
	if split.redis, err = newRedisProbe(ctx, redisURL); err != nil {
		return fail(err)
	}
	return targets, nil
}

// startEcho starts a raw echo (this binary's serve-echo).
func startEcho(ctx context.Context, dir, self, name, label string) (*target, error) {
	echo, err := startTarget(ctx, dir, name, label, []string{self, "serve-echo"})
	if err != nil {
		return nil, err
	}
	echo.goroutinesURL = "http://" + echo.addr + "/debug/goroutines"
	echo.heapURLs = []string{"http://" + echo.addr + heapProfile}
	return echo, nil
}

// stopAll stops every target, at once.
func stopAll(targets []*target) {
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Go(t.stop)
	}
	wg.Wait()
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// freeAddrs is n distinct loopback addresses with ports free a moment ago.
func freeAddrs(n int) ([]string, error) {
	var addrs []string
	for len(addrs) < n {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		if !slices.Contains(addrs, addr) {
			addrs = append(addrs, addr)
		}
	}
	return addrs, nil
}

// buildExample builds the example into dir and gives the binary's path.
func buildExample(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "example")
	// -buildvcs=auto, whatever GOFLAGS says: the header names the commit.
	cmd := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, "./example")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./example: %w\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot is the nearest directory from the working one up that holds
// go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in the working directory or above it")
		}
		dir = parent
	}
}

// logTail is the last lines of a log file.
func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(len(lines)-10, 0):], "\n")
}
