package main

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// pipelineTarget serves the pipeline in-process until the test ends.
func pipelineTarget(t *testing.T) *target {
	p, err := newPipelineApp()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- channels.RunAll(ctx, p.server, p.worker) }()
	srv := httptest.NewServer(p.handler())
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("RunAll: %v", err)
		}
		srv.Close()
	})
	addr := strings.TrimPrefix(srv.URL, "http://")
	return &target{name: "pipeline", label: "pipeline", addr: addr, heapURLs: []string{"http://" + addr + heapProfile}}
}

// The bench's own clients count an answer only when it is the echo's pong
// to the call they made: the pipeline answers as the echo does.
func TestShapesAgainstPipeline(t *testing.T) { testShapes(t, pipelineTarget(t)) }

func TestFanoutAgainstPipeline(t *testing.T) { testFanout(t, pipelineTarget(t)) }

func TestGroupParam(t *testing.T) {
	for call, want := range map[string]string{
		string(joinCall("bench-10")):                     "bench-10",
		`{"jsonrpc":"2.0","id":1,"method":"group.join"}`: "",
		`not json`: "",
	} {
		if got := groupParam([]byte(call)); got != want {
			t.Errorf("groupParam(%s) = %q, want %q", call, got, want)
		}
	}
}

func TestMallocCountOfPipeline(t *testing.T) {
	if _, err := mallocCount(pipelineTarget(t).heapURLs[0]); err != nil {
		t.Error(err)
	}
}
