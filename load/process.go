package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// process is the server's process, as the sigterm scenario needs it.
type process interface {
	signal(sig syscall.Signal) error
	// waitExit waits up to within for the process to end, and gives when
	// it was seen gone; false when it still runs.
	waitExit(within time.Duration) (time.Time, bool)
}

// child is a server started by -exec.
type child struct {
	cmd      *exec.Cmd
	done     chan struct{} // closed once the process is reaped
	exitedAt time.Time     // set before done is closed
}

// childStopWait is how long a child gets to stop after SIGTERM before it
// is killed.
const childStopWait = 30 * time.Second

// startServer starts cmdline with sh -c, its output appended to logPath
// (discarded when empty). The shell execs the command, so the child's pid
// is the server's. The child gets a process group of its own, so that a
// Ctrl-C meant for this tool reaches the server only through stop.
func startServer(cmdline, logPath string) (*child, error) {
	cmd := exec.Command("/bin/sh", "-c", "exec "+cmdline)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var log *os.File
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("-server-log: %w", err)
		}
		log, cmd.Stdout, cmd.Stderr = f, f, f
	}
	if err := cmd.Start(); err != nil {
		if log != nil {
			log.Close()
		}
		return nil, fmt.Errorf("-exec %q: %w", cmdline, err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		c.exitedAt = time.Now()
		if log != nil {
			log.Close()
		}
		close(c.done)
	}()
	return c, nil
}

func (c *child) signal(sig syscall.Signal) error { return c.cmd.Process.Signal(sig) }

func (c *child) waitExit(within time.Duration) (time.Time, bool) {
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case <-c.done:
		return c.exitedAt, true
	case <-t.C:
		return time.Time{}, false
	}
}

// stop ends the child: SIGTERM, then SIGKILL if it does not exit in time.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	c.signal(syscall.SIGTERM)
	if _, ok := c.waitExit(childStopWait); !ok {
		c.cmd.Process.Kill()
		<-c.done
	}
}

// pidProcess is a server started by someone else, known by its pid.
type pidProcess int

// exitPoll is how often a pid is checked while waiting for its exit.
const exitPoll = 5 * time.Millisecond

func watchPID(pid int) process { return pidProcess(pid) }

func (p pidProcess) signal(sig syscall.Signal) error { return syscall.Kill(int(p), sig) }

func (p pidProcess) waitExit(within time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(within)
	for {
		if !alive(int(p)) {
			return time.Now(), true
		}
		if time.Now().After(deadline) {
			return time.Time{}, false
		}
		time.Sleep(exitPoll)
	}
}

// alive reports whether pid runs: kill(pid, 0) finds it and it is not a
// zombie (dead, waiting for its parent to reap it).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	return !isZombie(pid)
}

func isZombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "pid (command) state ...": the command may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// runCommand runs cmdline with sh -c, its output on this tool's stderr,
// and waits for the shell to finish, at most within.
func runCommand(ctx context.Context, cmdline string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", cmdline)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// waitListening waits up to within for addr to accept TCP connections.
func waitListening(ctx context.Context, addr string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var d net.Dialer
	var refusal error // the last answer, rather than the end of the wait
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		if ctx.Err() != nil {
			return cmp.Or(refusal, err)
		}
		refusal = err
		sleepContext(ctx, 50*time.Millisecond)
	}
}

// raiseFileLimit lifts this process's open-file limit to its hard limit:
// thousands of sockets need thousands of descriptors.
func raiseFileLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= lim.Max {
		return nil
	}
	lim.Cur = lim.Max
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

// descriptorMargin is what a scenario needs beyond its sockets: the
// runtime's, the standard streams, a few extra sockets.
const descriptorMargin = 64

// fileLimit gives the open-file limit, and a warning when it is below need.
func fileLimit(need int) (limit uint64, warning string) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, "open-file limit unknown: " + err.Error()
	}
	if lim.Cur < uint64(need) {
		warning = fmt.Sprintf("the open-file limit %d is below the %d descriptors this scenario needs: "+
			"raise the hard limit (ulimit -Hn, as root) for this tool and the server", lim.Cur, need)
	}
	return lim.Cur, warning
}
