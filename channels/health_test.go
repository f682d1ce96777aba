package channels_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"testing/synctest"

	"github.com/gochannels/channels-jsonrpc/channels"
)

func TestServerReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := channels.NewServer(channels.NewMemoryLayer(channels.MemoryConfig{}), channels.ServerConfig{})
		ready := func() int {
			rec := httptest.NewRecorder()
			srv.ReadyHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			return rec.Code
		}
		if srv.Ready(context.Background()) == nil || ready() != 503 {
			t.Errorf("ready before Run")
		}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- srv.Run(ctx) }()
		synctest.Wait()
		if err := srv.Ready(context.Background()); err != nil || ready() != 200 {
			t.Errorf("not ready while running: %v", err)
		}
		stop()
		<-done
		if srv.Ready(context.Background()) == nil || ready() != 503 {
			t.Errorf("ready after Run")
		}
		rec := httptest.NewRecorder()
		channels.LiveHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != 200 {
			t.Errorf("/healthz = %d", rec.Code)
		}
	})
}
