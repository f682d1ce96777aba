package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
	"testing"
	"time"
)

func TestFetchCPUProfile(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	p := fetchCPUProfile(context.Background(), addr, 300*time.Millisecond) // one second, rounded up
	if p.err != nil {
		t.Fatal(p.err)
	}
	if !bytes.HasPrefix(p.data, []byte{0x1f, 0x8b}) {
		t.Errorf("the profile starts with % x, want gzip's magic (a pprof profile is gzipped)", p.data[:min(len(p.data), 4)])
	}
}

func TestFetchCPUProfileReportsAFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	p := fetchCPUProfile(context.Background(), strings.TrimPrefix(srv.URL, "http://"), time.Second)
	if p.err == nil || !strings.Contains(p.err.Error(), "404") {
		t.Errorf("a server without profiles gives %v, want an error with its status", p.err)
	}
}

func TestPGOIsAModeOfItsOwn(t *testing.T) {
	o, err := parseFlags([]string{"-pgo", "out.pgo", "-shapes", "WS 1x1"})
	if err != nil || o.pgo != "out.pgo" || len(o.shapes) != 1 {
		t.Fatalf("parseFlags(-pgo out.pgo -shapes WS 1x1) = %+v, %v", o, err)
	}
	if _, err := parseFlags([]string{"-pgo", "out.pgo", "-instructions"}); err == nil {
		t.Error("-pgo with -instructions is accepted, want an error: one mode at a time")
	}
}
