package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Exit statuses: counted errors are measurements, not failures.
const (
	exitMeasured    = 0
	exitUnreachable = 1 // the target could not be reached or started
	exitUsage       = 2
)

// options are the command line's flags. Zero conns and inflight mean the
// scenario's own default.
type options struct {
	addr         string
	conns        int
	inflight     int
	duration     time.Duration
	settle       time.Duration
	total        int
	parallel     int
	group        string
	clean        bool
	pid          int
	after        time.Duration
	redisPID     int
	redisRestart string
	down         time.Duration
	httpConns    int
	exec         string
	serverLog    string
	timeout      time.Duration
	json         bool
}

const usageIntro = `Usage: load [flags] SCENARIO [SCENARIO...]

Drives a channels-jsonrpc server on a loopback address from outside and
reports what a client sees. Scenarios (see the package documentation):

  ws          pipelined ping calls over WebSockets
  http        concurrent ping POSTs over keep-alive HTTP
  connect     many WebSocket handshakes, one call each, clean closes
  disconnect  thousands of group members leave at once
  sigterm     SIGTERM to the server under load (-pid or -exec)
  redis-kill  SIGKILL to the server's Redis under load, then a restart
              (-redis-pid and -redis-restart)

Flags may come before or after the scenarios.

Flags:
`

func newFlagSet(o *options, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8000", "the server's loopback `host:port`")
	fs.IntVar(&o.conns, "conns", 0, "sockets or HTTP clients (default: 50; disconnect 10000; sigterm 20)")
	fs.IntVar(&o.inflight, "inflight", 0, "calls in flight per socket or client (default: 16; sigterm 8)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long ws, http and redis-kill (after the restart) send")
	fs.DurationVar(&o.settle, "settle", 5*time.Second, "the wait for outstanding answers after sending, and after a disconnect storm")
	fs.IntVar(&o.total, "total", 5000, "connect: WebSocket dials in all")
	fs.IntVar(&o.parallel, "parallel", 512, "connect and disconnect: dials at a time")
	fs.StringVar(&o.group, "group", "load.storm", "disconnect: the group the sockets join")
	fs.BoolVar(&o.clean, "clean", false, "disconnect: send close frames instead of dropping the TCP connections")
	fs.IntVar(&o.pid, "pid", 0, "sigterm: the server's process `id`")
	fs.DurationVar(&o.after, "after", 2*time.Second, "sigterm and redis-kill: the fault comes this long into the load")
	fs.IntVar(&o.redisPID, "redis-pid", 0, "redis-kill: the `id` of the redis-server the server uses")
	fs.StringVar(&o.redisRestart, "redis-restart", "", "redis-kill: the `command` (run with sh -c) that starts Redis again; it must not wait for Redis to exit")
	fs.DurationVar(&o.down, "down", 3*time.Second, "redis-kill: how long Redis stays down")
	fs.IntVar(&o.httpConns, "http-conns", 4, "sigterm and redis-kill: HTTP clients alongside the WebSockets")
	fs.StringVar(&o.exec, "exec", "", "start the server with this `command line` (sh -c) for each scenario, and stop it after")
	fs.StringVar(&o.serverLog, "server-log", "", "with -exec: the `file` for the server's output (default: discarded)")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "a hard bound on each scenario")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per scenario instead of tables")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageIntro)
		fs.PrintDefaults()
	}
	return fs
}

// parseCommandLine reads the flags and the scenario names, which may be
// mixed, and checks them.
func parseCommandLine(args []string, out io.Writer) (*options, []string, error) {
	o := &options{}
	fs := newFlagSet(o, out)
	var names []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(names) == 0 {
		fs.Usage()
		return nil, nil, errors.New("name at least one scenario")
	}
	return o, names, o.validate(names)
}

// validate checks what flags cannot check alone.
func (o *options) validate(names []string) error {
	if err := checkLoopback(o.addr); err != nil {
		return err
	}
	for _, name := range names {
		if _, ok := scenarioFor(name); !ok {
			return fmt.Errorf("unknown scenario %q (see -h)", name)
		}
		if name == "sigterm" && o.pid == 0 && o.exec == "" {
			return errors.New("sigterm needs -pid or -exec")
		}
		if name == "redis-kill" && (o.redisPID <= 0 || o.redisRestart == "") {
			return errors.New("redis-kill needs -redis-pid and -redis-restart")
		}
	}
	if o.pid != 0 && o.exec != "" {
		return errors.New("-pid and -exec both name the server's process: give one")
	}
	if o.conns < 0 || o.inflight < 0 || o.total < 1 || o.parallel < 1 || o.httpConns < 0 {
		return errors.New("-conns, -inflight and -http-conns must be 0 or more, -total and -parallel 1 or more")
	}
	if o.duration <= 0 || o.settle < 0 || o.after < 0 || o.down < 0 || o.timeout <= 0 {
		return errors.New("-duration and -timeout must be positive, -settle, -after and -down not negative")
	}
	return nil
}

// checkLoopback refuses any address but a loopback one: this tool loads
// servers on this machine only.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %v", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-addr %q: only loopback addresses (127.0.0.0/8, ::1, localhost) may be loaded", addr)
}

// orDefault is v, or def when v is 0 (not given).
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command and gives its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	o, names, err := parseCommandLine(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitMeasured
	}
	if err != nil {
		fmt.Fprintf(stderr, "load: %v\n", err)
		return exitUsage
	}
	if err := raiseFileLimit(); err != nil {
		fmt.Fprintf(stderr, "load: could not raise the open-file limit: %v\n", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, name := range names {
		rep, err := runScenario(ctx, o, name)
		if err != nil {
			fmt.Fprintf(stderr, "load: %s: %v\n", name, err)
			return exitUnreachable
		}
		if o.json {
			err = rep.writeJSON(stdout)
		} else {
			err = rep.writeTable(stdout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "load: %v\n", err)
		}
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "load: interrupted")
			break
		}
	}
	return exitMeasured
}

// target is the server under test: where it listens and, when known, its
// process (the -exec child or -pid).
type target struct {
	addr string
	proc process // nil when neither -exec nor -pid is given
}

func (t *target) wsURL() string  { return "ws://" + t.addr + "/ws/" }
func (t *target) rpcURL() string { return "http://" + t.addr + "/rpc/" }

// scenarioFunc runs one scenario against t within ctx.
type scenarioFunc func(ctx context.Context, t *target, o *options) (*Report, error)

// scenarioFor gives the scenario a name on the command line stands for.
func scenarioFor(name string) (scenarioFunc, bool) {
	switch name {
	case "ws":
		return runWSScenario, true
	case "http":
		return runHTTPScenario, true
	case "connect":
		return runConnectScenario, true
	case "disconnect":
		return runDisconnectScenario, true
	case "sigterm":
		return runSigtermScenario, true
	case "redis-kill":
		return runRedisKillScenario, true
	}
	return nil, false
}

// Waits for the server to listen: a server started by -exec may take a
// while; one started by the user should be there already.
const (
	startedServerWait = 20 * time.Second
	runningServerWait = 2 * time.Second
)

// runScenario runs the scenario name within -timeout: with -exec against a
// server started for it (and stopped after), else against -addr.
func runScenario(ctx context.Context, o *options, name string) (*Report, error) {
	run, _ := scenarioFor(name) // names were checked
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	t := &target{addr: o.addr}
	wait := runningServerWait
	switch {
	case o.exec != "":
		srv, err := startServer(o.exec, o.serverLog)
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		t.proc, wait = srv, startedServerWait
	case o.pid != 0:
		t.proc = watchPID(o.pid)
	}
	if err := waitListening(ctx, t.addr, wait); err != nil {
		return nil, fmt.Errorf("the server at %s cannot be reached: %w", t.addr, err)
	}
	return run(ctx, t, o)
}
