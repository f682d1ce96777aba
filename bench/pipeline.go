package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"unsafe"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/metrics"
)

// The pipeline target (-pipeline) is the library without JSON-RPC: the
// interface server, a memory layer and a worker in one process, set up as
// the example sets them up (MaxInFlight, the metrics observer), with a
// consumer that answers each call as the raw echo does, by a byte scan for
// its id. Beside the echo and the example it splits the example's cost in
// two: what the path server → layer → worker → layer → server costs, and
// what the JSON-RPC consumer adds to it.

// pipelineMaxInFlight is the example's ServerConfig.MaxInFlight.
const pipelineMaxInFlight = 64

// runServePipeline is the hidden serve-pipeline subcommand: it serves the
// pipeline on -addr until SIGTERM, then drains as the example does.
func runServePipeline(args []string) error {
	fs := flag.NewFlagSet("serve-pipeline", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	p, err := newPipelineApp()
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: p.handler()}
	go hs.Serve(ln)
	defer hs.Close()
	return channels.RunAll(ctx, p.server, p.worker)
}

// pipelineApp is the pipeline target's server and worker on one memory layer.
type pipelineApp struct {
	server *channels.Server
	worker *channels.Worker
}

func newPipelineApp() (*pipelineApp, error) {
	obs := metrics.New(metrics.Options{})
	layer := channels.NewMemoryLayer(channels.MemoryConfig{Observer: obs})
	c := &pongConsumer{joined: make(map[string][]string)}
	router, err := channels.NewRouter(
		channels.Route("websocket.connect", channels.ConsumerFunc(c.connect)),
		channels.Route("websocket.receive", channels.ConsumerFunc(c.receive)),
		channels.Route("websocket.disconnect", channels.ConsumerFunc(c.disconnect)),
		channels.Route("http.request", channels.ConsumerFunc(c.request)),
	)
	if err != nil {
		return nil, err
	}
	return &pipelineApp{
		server: channels.NewServer(layer, channels.ServerConfig{MaxInFlight: pipelineMaxInFlight, Observer: obs}),
		worker: channels.NewWorker(layer, router, channels.WorkerConfig{Observer: obs}),
	}, nil
}

// handler serves the interface server at /ws/ and /rpc/, beside the
// heap profile and the goroutine count the echo serves.
func (p *pipelineApp) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/ws/", p.server)
	mux.Handle("/rpc/", p.server)
	handleDebug(mux)
	return mux
}

// pongConsumer answers as the echo does, through the channels model: the
// group calls of the fan-out add the socket to a layer group and send to
// it, and a socket leaves the groups it joined when it closes.
type pongConsumer struct {
	mu     sync.Mutex
	joined map[string][]string // the groups of each reply channel
}

func (c *pongConsumer) connect(ctx context.Context, m *channels.Message) error {
	return m.Accept(ctx)
}

// receive answers a frame. Like the echo, it copies neither the frame's
// text (the scans only read it) nor its answer, a buffer of its own that
// nothing writes again.
func (c *pongConsumer) receive(ctx context.Context, m *channels.Message) error {
	text, _ := m.Text()
	call := unsafe.Slice(unsafe.StringData(text), len(text))
	result := `"pong"`
	switch {
	case bytes.Contains(call, methodJoin):
		if err := c.join(ctx, m, groupParam(call)); err != nil {
			return err
		}
		result = "true"
	case bytes.Contains(call, methodSend):
		if err := c.send(ctx, m, call); err != nil {
			return err
		}
		result = "true"
	}
	answer := reply(scanID(call), result)
	return m.SendText(ctx, unsafe.String(unsafe.SliceData(answer), len(answer)))
}

func (c *pongConsumer) request(ctx context.Context, m *channels.Message) error {
	if m.Method() != http.MethodPost {
		return m.ReplyOwned(ctx, channels.Content{"status": int64(http.StatusMethodNotAllowed)})
	}
	return m.ReplyOwned(ctx, channels.Content{
		"status":  int64(http.StatusOK),
		"headers": []any{[]any{"Content-Type", "application/json"}},
		"content": reply(scanID(m.Body()), `"pong"`),
	})
}

func (c *pongConsumer) join(ctx context.Context, m *channels.Message, group string) error {
	replyTo := m.ReplyChannel()
	if err := m.GroupAdd(ctx, group); err != nil {
		return err
	}
	c.mu.Lock()
	c.joined[replyTo] = append(c.joined[replyTo], group)
	c.mu.Unlock()
	return nil
}

// send is the echo's group.send: a group.message with the call's group and
// payload, to every member.
func (c *pongConsumer) send(ctx context.Context, m *channels.Message, call []byte) error {
	var req struct {
		Params [2]json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(call, &req); err != nil {
		return err
	}
	var group string
	if err := json.Unmarshal(req.Params[0], &group); err != nil {
		return err
	}
	msg := fmt.Sprintf(`{"jsonrpc":"2.0","method":"group.message","params":{"group":%s,"payload":%s}}`,
		req.Params[0], req.Params[1])
	return m.Group(group).Send(ctx, channels.Content{"text": msg})
}

func (c *pongConsumer) disconnect(ctx context.Context, m *channels.Message) error {
	replyTo := m.ReplyChannel()
	c.mu.Lock()
	groups := c.joined[replyTo]
	delete(c.joined, replyTo)
	c.mu.Unlock()
	var errs []error
	for _, g := range groups {
		errs = append(errs, m.GroupDiscard(ctx, g))
	}
	return errors.Join(errs...)
}

// groupParam is the group a group.join call names ("" when it names none).
func groupParam(call []byte) string {
	var req struct {
		Params []string `json:"params"`
	}
	if json.Unmarshal(call, &req) != nil || len(req.Params) == 0 {
		return ""
	}
	return req.Params[0]
}
