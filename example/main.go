// Command example serves the example JSON-RPC API through the channel
// layer and a worker: JSON-RPC over WebSocket at /ws/ and over HTTP POST at
// /rpc/, with the memory layer, in one process.
//
//	go run ./example               # serves on 127.0.0.1:8000
//	go run ./example -addr :9000
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	workers := flag.Int("workers", 0, "messages consumed at once (0: one per CPU)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *workers); err != nil {
		slog.Error("example failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr string, workers int) error {
	routes, err := routes(channels.NewMemorySessionStore())
	if err != nil {
		return err
	}
	router, err := channels.NewRouter(routes...)
	if err != nil {
		return err
	}
	layer := channels.NewMemoryLayer(channels.MemoryConfig{})
	srv := channels.NewServer(layer, channels.ServerConfig{})
	worker := channels.NewWorker(layer, router, channels.WorkerConfig{Concurrency: workers})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	httpServer := &http.Server{Handler: srv}
	go func() {
		<-ctx.Done()
		httpServer.Shutdown(context.Background())
	}()
	go func() {
		if err := httpServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("http server failed", "err", err)
		}
	}()
	slog.Info("serving JSON-RPC", "websocket", "ws://"+ln.Addr().String()+"/ws/", "http", "http://"+ln.Addr().String()+"/rpc/")
	return channels.RunAll(ctx, srv, worker)
}

// routes mounts the API: WebSocket at /ws/, HTTP POST at /rpc/.
func routes(sessions channels.SessionStore) ([]channels.Routing, error) {
	api, err := newAPI(sessions)
	if err != nil {
		return nil, err
	}
	return []channels.Routing{
		jsonrpc.WebsocketRoute(api, channels.Path(`^/ws/$`)),
		jsonrpc.HTTPRoute(api, channels.Path(`^/rpc/$`)),
	}, nil
}
