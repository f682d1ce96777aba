package main

import (
	"io"
	"strings"
	"testing"
)

func TestFlagsFromTheEnvironment(t *testing.T) {
	t.Setenv("CHANNELS_ADDR", "127.0.0.1:9999")
	t.Setenv("CHANNELS_WORKERS", "3")
	t.Setenv("CHANNELS_LOG_LEVEL", "debug")
	cfg, err := parseFlags([]string{"-workers", "5"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.Workers != 5 || cfg.LogLevel.String() != "DEBUG" {
		t.Errorf("config %+v: want the environment's addr and level, the command line's workers", cfg)
	}
	t.Setenv("CHANNELS_WORKERS", "many")
	if _, err := parseFlags(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "CHANNELS_WORKERS") {
		t.Errorf("a bad variable: %v, want an error naming it", err)
	}
	var out strings.Builder
	parseFlags([]string{"-h"}, &out)
	for _, want := range []string{"CHANNELS_LOG_LEVEL", "CHANNELS_LAYER", "CHANNELS_PPROF", "command line wins"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not list %s", want)
		}
	}
}
