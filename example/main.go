// Command example serves the example JSON-RPC API through the channel
// layer and a worker: JSON-RPC over WebSocket at /ws/ and over HTTP POST at
// /rpc/, and at / a web page with a chat (rooms are groups) and an RPC
// console.
//
//	go run ./example               # server and worker, memory layer, 127.0.0.1:8000
//	go run ./example -addr :9000
//	go run ./example -h            # the modes and every flag
//
// -mode server and -mode worker split the interface server and the workers
// into separate processes that share a layer (-layer redis://...).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	"github.com/gochannels/channels-jsonrpc/metrics"
)

func main() {
	os.Exit(realMain(context.Background(), os.Args[1:], os.Stderr))
}

// realMain runs the command and returns its exit status: 0 after a clean
// shutdown or -h, 2 for a command-line mistake, 1 when running fails.
func realMain(ctx context.Context, args []string, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return fail(stderr, err)
	}
	log := newLogger(cfg, stderr)
	slog.SetDefault(log)

	m := metrics.New(metrics.Options{})
	layer, err := openLayer(cfg.Layer, m)
	if err != nil {
		return fail(stderr, err)
	}
	if c, ok := layer.(channels.Closer); ok {
		defer c.Close()
	}
	a, err := newApp(layer, cfg.Workers, log, m)
	if err != nil {
		return fail(stderr, err)
	}

	// The first SIGINT or SIGTERM shuts down gracefully; after it the
	// default action is back, so a second Ctrl-C ends the process at once.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	signalled := make(chan struct{})
	stopAfter := context.AfterFunc(ctx, func() {
		stop()
		log.Info("shutting down (a second signal stops at once)", "mode", cfg.Mode)
		close(signalled)
	})
	err = a.run(ctx, cfg)
	if !stopAfter() {
		<-signalled // keep the log lines in order
	}
	if err != nil {
		return fail(stderr, err)
	}
	log.Info("stopped", "mode", cfg.Mode)
	return 0
}

// fail reports err and gives its exit status.
func fail(stderr io.Writer, err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		if !ue.printed {
			fmt.Fprintf(stderr, "example: %v\n", err)
		}
		return 2
	}
	slog.Error("example failed", "err", err)
	return 1
}

// routes mounts the API: WebSocket at /ws/, HTTP POST at /rpc/.
func routes(sessions channels.SessionStore, obs jsonrpc.Observer) ([]channels.Routing, error) {
	api, err := newAPI(sessions)
	if api != nil {
		api.Options.Observer = obs
	}
	if err != nil {
		return nil, err
	}
	return []channels.Routing{
		jsonrpc.WebsocketRoute(api, channels.Path(`^/ws/$`)),
		jsonrpc.HTTPRoute(api, channels.Path(`^/rpc/$`)),
	}, nil
}
