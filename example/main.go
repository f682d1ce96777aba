// Command example serves a small Channels application on the memory layer:
// a WebSocket chat with rooms at /ws/chat/<room>/, a WebSocket echo at
// /ws/echo/, and a plain HTTP page at every other path, all going through
// the channel layer and a worker.
//
//	go run ./example            # then open ws://127.0.0.1:8000/ws/chat/lobby/
//	go run ./example -addr :9000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gochannels/channels-jsonrpc/channels"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	workers := flag.Int("workers", 4, "number of messages consumed at once")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *workers); err != nil {
		slog.Error("example failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr string, workers int) error {
	router, err := channels.NewRouter(routes()...)
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
	slog.Info("serving", "url", "http://"+ln.Addr().String()+"/")
	return channels.RunAll(ctx, srv, worker)
}

func routes() []channels.Routing {
	return []channels.Routing{
		channels.AsRoute(&Chat{}, channels.Path(`^/ws/chat/(?P<room>[A-Za-z0-9_-]{1,50})/$`)),
		channels.AsRoute(&Echo{}, channels.Path(`^/ws/echo/$`)),
		channels.Route("http.request", channels.ConsumerFunc(home)),
	}
}

// Chat is a JSON WebSocket consumer: every connection to /ws/chat/<room>/
// joins the room's group, and every message is broadcast to the room.
type Chat struct{ channels.JSONWebsocketConsumer }

// ConnectionGroups puts the connection in its room's group.
func (*Chat) ConnectionGroups(m *channels.Message) []string {
	return []string{"chat-" + m.Kwargs["room"]}
}

// ReceiveJSON broadcasts {"room": ..., "message": ...} to the room.
func (c *Chat) ReceiveJSON(ctx context.Context, m *channels.Message, content any) error {
	room := m.Kwargs["room"]
	return c.GroupSendJSON(ctx, m.Layer, "chat-"+room, map[string]any{"room": room, "message": content})
}

// Echo sends every frame back.
type Echo struct{ channels.WebsocketConsumer }

// Receive echoes a text or binary frame.
func (*Echo) Receive(ctx context.Context, m *channels.Message) error {
	if text, ok := m.Text(); ok {
		return m.SendText(ctx, text)
	}
	b, _ := m.Bytes()
	return m.SendBytes(ctx, b)
}

func home(ctx context.Context, m *channels.Message) error {
	body := fmt.Sprintf("channels-jsonrpc example\n\nWebSocket chat: ws://HOST/ws/chat/<room>/\nWebSocket echo: ws://HOST/ws/echo/\nYou asked for %s %s\n", m.Method(), m.Path())
	return m.Reply(ctx, channels.Content{
		"status":  200,
		"headers": []any{[]any{"Content-Type", "text/plain; charset=utf-8"}},
		"content": body,
	})
}
