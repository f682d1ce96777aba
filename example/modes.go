package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	"github.com/gochannels/channels-jsonrpc/metrics"
)

// The run modes: Channels' runserver (both halves in one process), daphne
// (the interface server alone) and runworker (a worker alone).
const (
	modeAll    = "all"
	modeServer = "server"
	modeWorker = "worker"
)

// config is what the command line asks for.
type config struct {
	Mode      string
	Layer     string
	Addr      string
	Workers   int
	LogLevel  slog.Level
	LogFormat string
	Pprof     string
	TLSCert   string
	TLSKey    string
}

// usageError is a command-line mistake: the command exits with status 2, as
// the flag package does for a bad flag.
type usageError struct {
	msg     string
	printed bool // the flag package has told the user already
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

const usageIntro = `Usage: example [flags]

The channels-jsonrpc example: a JSON-RPC API served through a channel layer
and a worker, with a web page (a chat and an RPC console) at /.

  /      the page: a chat whose rooms are groups, and an RPC console
  /ws/   JSON-RPC over WebSocket
  /rpc/  JSON-RPC over HTTP POST (Content-Type: application/json)

Modes:
  all     the interface server and a worker in one process (the default;
          Channels' runserver). Works with the memory layer.
  server  the interface server alone (Channels' daphne): it listens on -addr
          and passes requests to workers through a shared layer.
  worker  a worker alone (Channels' runworker): it consumes what servers
          put on the shared layer. Run as many as you like.
  server and worker need a layer that processes share, such as Redis: a
  memory layer lives inside one process.

Examples:
  example                                   # everything on 127.0.0.1:8000
  example -mode server -layer redis://localhost:6379/0
  example -mode worker -layer redis://localhost:6379/0 -workers 8

Flags (each also read from its environment variable; a flag given on the
command line wins):
`

// newFlagSet declares the flags into cfg.
func newFlagSet(cfg *config, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.Mode, "mode", modeAll, "what this process runs: all, server or worker (see Modes)")
	fs.StringVar(&cfg.Layer, "layer", "memory://", "the channel layer `URL`: memory:// (one process only), redis://host:port/db, redis+sentinel://sentinel:26379,.../db?master_name=NAME or redis+pubsub://host:port/db")
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8000", "`host:port` to listen on (modes all and server)")
	fs.IntVar(&cfg.Workers, "workers", 0, "consume up to `N` messages at once in the worker; 0 means 16 per CPU (modes all and worker)")
	fs.TextVar(&cfg.LogLevel, "log-level", slog.LevelInfo, "the least severe `level` logged: debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log lines as text (key=value) or json")
	fs.StringVar(&cfg.Pprof, "pprof", "", "serve Go's profiles (net/http/pprof) on this `host:port`; off when empty")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "serve https and wss with this certificate `file` (PEM; with -tls-key)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "the private key `file` of -tls-cert (PEM)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageIntro)
		printDefaults(fs)
	}
	return fs
}

// parseFlags reads and checks the command line. -h gives flag.ErrHelp.
func parseFlags(args []string, out io.Writer) (config, error) {
	var cfg config
	fs := newFlagSet(&cfg, out)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, &usageError{msg: err.Error(), printed: true}
	}
	if fs.NArg() > 0 {
		return cfg, usagef("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	if err := applyEnv(fs, os.LookupEnv); err != nil {
		return cfg, err
	}
	return cfg, cfg.validate()
}

// validate checks what flags cannot check alone.
func (cfg *config) validate() error {
	switch cfg.Mode {
	case modeAll, modeServer, modeWorker:
	default:
		return usagef("unknown -mode %q: use all, server or worker", cfg.Mode)
	}
	if cfg.Workers < 0 {
		return usagef("-workers %d: use 0 (16 per CPU) or more", cfg.Workers)
	}
	switch cfg.LogFormat {
	case "text", "json":
	default:
		return usagef("unknown -log-format %q: use text or json", cfg.LogFormat)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return usagef("-tls-cert and -tls-key go together")
	}
	if cfg.Mode != modeWorker && cfg.Addr == "" {
		return usagef("-mode %s needs -addr host:port", cfg.Mode)
	}
	if cfg.Mode != modeAll && isMemoryLayer(cfg.Layer) {
		return usagef("-mode %s needs a layer that processes share, such as -layer redis://localhost:6379/0: "+
			"the memory layer lives inside one process (use -mode all with it)", cfg.Mode)
	}
	return nil
}

func isMemoryLayer(layerURL string) bool {
	u, err := url.Parse(layerURL)
	return err == nil && strings.EqualFold(u.Scheme, "memory")
}

// openLayer makes the channel layer a URL names, as Django's
// CHANNEL_LAYERS setting does: memory://, or redis://host:port/db?options
// (see redislayer.ParseURL: capacity, expiry, group_expiry, prefix, more
// hosts, encryption keys).
func openLayer(layerURL string, obs channels.Observer) (channels.Layer, error) {
	u, err := url.Parse(layerURL)
	if err != nil || u.Scheme == "" {
		return nil, usagef("-layer %q is not a layer URL: use memory:// or redis://host:port/db", redislayer.RedactURL(layerURL))
	}
	switch strings.ToLower(u.Scheme) {
	case "memory":
		if u.Host != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Opaque != "" {
			return nil, usagef("-layer %q: the memory layer takes no host, path or options: use memory://", redislayer.RedactURL(layerURL))
		}
		return channels.NewMemoryLayer(channels.MemoryConfig{Observer: obs}), nil
	case "redis", "rediss", "redis+sentinel", "rediss+sentinel":
		lc, err := redislayer.ParseURL(layerURL)
		if err != nil {
			return nil, usagef("-layer: %v", err)
		}
		lc.Observer = obs
		l, err := redislayer.New(lc)
		if err != nil {
			return nil, usagef("-layer: %v", err)
		}
		return l, nil
	case "redis+pubsub":
		l, err := redislayer.OpenPubSub(layerURL)
		if err != nil {
			return nil, usagef("-layer: %v", err)
		}
		return l, nil
	default:
		return nil, usagef("-layer %q: unknown layer %q: use memory://, redis://host:port/db or redis+sentinel://host:port/db?master_name=NAME", redislayer.RedactURL(layerURL), u.Scheme)
	}
}

// newLogger makes the process's logger.
func newLogger(cfg config, out io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// app is the example's parts on one layer.
type app struct {
	layer   channels.Layer
	server  *channels.Server
	worker  *channels.Worker
	metrics *prometheus.Registry // what /metrics serves
	log     *slog.Logger
}

// newApp builds the interface server and the worker of the example on
// layer. Each mode runs the parts it needs.
//
// Channel sessions live beside the layer: in memory with the memory layer,
// in Redis with the Redis layer, so that every worker process shares them.
//
// m counts what the parts do (nil: nothing); /metrics serves it with the
// Go runtime's and the process's metrics.
func newApp(layer channels.Layer, workers int, log *slog.Logger, m *metrics.Metrics) (*app, error) {
	var sessions channels.SessionStore = channels.NewMemorySessionStore()
	switch rl := layer.(type) {
	case *redislayer.Layer:
		sessions = rl.SessionStore(redislayer.SessionConfig{})
	case *redislayer.PubSubLayer:
		sessions = rl.SessionStore(redislayer.SessionConfig{})
	}
	if m == nil {
		m = metrics.New(metrics.Options{})
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(m, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rs, err := routes(sessions, m)
	if err != nil {
		return nil, err
	}
	router, err := channels.NewRouter(rs...)
	if err != nil {
		return nil, err
	}
	return &app{
		layer: layer,
		server: channels.NewServer(layer, channels.ServerConfig{
			// The JSON-RPC consumer replies to every frame: the server can
			// hold a pipelining client to 64 calls in flight, and close a
			// socket whose calls get no answer for CallTimeout (60 s).
			MaxInFlight: maxInFlight,
			Logger:      log,
			Observer:    m,
		}),
		worker:  channels.NewWorker(layer, router, channels.WorkerConfig{Concurrency: workers, Logger: log, Observer: m}),
		metrics: reg,
		log:     log,
	}, nil
}

// maxInFlight is the most JSON-RPC calls (frames) of one WebSocket in
// flight at once; more wait in the client's socket.
const maxInFlight = 64

// handler is what the HTTP listener serves: the page, the interface
// server, /healthz (alive) and /readyz (running, not draining, the layer
// answering).
func (a *app) handler() http.Handler {
	return newHandler(a.server, a.server.ReadyHandler(), promhttp.HandlerFor(a.metrics, promhttp.HandlerOpts{}))
}

// run runs the mode until ctx is done, then shuts down gracefully.
func (a *app) run(ctx context.Context, cfg config) error {
	a.log.Info("starting", "mode", cfg.Mode, "layer", redislayer.RedactURL(cfg.Layer), "workers", a.worker.Config().Concurrency)
	if cfg.Pprof != "" {
		if err := servePprof(ctx, cfg.Pprof, a.log); err != nil {
			return err
		}
	}
	switch cfg.Mode {
	case modeWorker:
		return a.worker.Run(ctx)
	case modeServer:
		return a.serve(ctx, cfg, func(ctx context.Context) error { return a.server.Run(ctx) })
	default:
		return a.serve(ctx, cfg, func(ctx context.Context) error {
			return channels.RunAll(ctx, a.server, a.worker)
		})
	}
}

// shutdownGrace bounds the wait for the HTTP listener's open requests after
// the interface server has finished its drain.
const shutdownGrace = 15 * time.Second

// serve listens on cfg.Addr (with TLS when cfg has a certificate) and runs
// loop (the interface server, with or without a worker) until ctx is done or
// the listener fails.
func (a *app) serve(ctx context.Context, cfg config, loop func(context.Context) error) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	hs := &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() {
		var err error
		if cfg.TLSCert != "" {
			err = hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			err = hs.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		if err != nil {
			cancel(err)
		}
		serveErr <- err
	}()
	stopAccepting := context.AfterFunc(ctx, func() {
		// Stop accepting at once, but keep the open connections: during
		// the interface server's drain, keep-alive clients still get
		// answers (with Connection: close) instead of a cut connection.
		ln.Close()
	})
	defer stopAccepting()

	scheme, wsScheme := "http", "ws"
	if cfg.TLSCert != "" {
		scheme, wsScheme = "https", "wss"
	}
	base := scheme + "://" + ln.Addr().String()
	a.log.Info("serving", "page", base+"/", "websocket", wsScheme+"://"+ln.Addr().String()+"/ws/", "http", base+"/rpc/")
	err = loop(ctx) // returns after the drain
	cancel(nil)
	sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer scancel()
	if serr := hs.Shutdown(sctx); serr != nil {
		a.log.Warn("http shutdown", "err", serr)
	}
	if serr := <-serveErr; err == nil && !errors.Is(serr, net.ErrClosed) {
		err = serr
	}
	return err
}
