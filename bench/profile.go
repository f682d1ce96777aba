package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"time"
)

// The -pgo mode records the profile that Go's profile-guided optimisation
// builds the example with: example/default.pgo, which go build reads by
// itself (-pgo=auto). The profile is the example's CPU profile while the
// bench drives it at the shapes it measures, so that the hot path of this
// table is the one the compiler inlines and lays out for.

// profileSlack is the time the CPU profile runs past the shapes' warm-ups
// and windows: the sockets' dials and closes.
const profileSlack = 2 * time.Second

// runProfile is the -pgo mode: the example alone, driven at each of
// -shapes for -warmup and -duration while its CPU profile is recorded;
// the profile is written to o.pgo.
func runProfile(ctx context.Context, o *options, stdout, progress io.Writer) error {
	dir, err := workDir(o)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pprofAddr, err := freeAddr()
	if err != nil {
		return err
	}
	t, err := startTarget(ctx, dir, "example", "example", []string{o.exampleBin, "-layer", "memory://", "-pprof", pprofAddr})
	if err != nil {
		return err
	}
	defer t.stop()

	span := time.Duration(len(o.shapes))*(o.warmup+o.duration) + profileSlack
	profile := make(chan profileResult, 1)
	go func() { profile <- fetchCPUProfile(ctx, pprofAddr, span) }()
	for _, sh := range o.shapes {
		fmt.Fprintf(progress, "%s: example, profiled\n", sh.name)
		r := runShape(ctx, sh, t, nil, o.warmup, o.duration)
		fmt.Fprintf(progress, "%s: %.0f answers per second, %d errors\n", sh.name, r.rps(), r.errors)
	}
	p := <-profile
	if p.err != nil {
		return p.err
	}
	if err := os.WriteFile(o.pgo, p.data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: the CPU profile of the example %s over %v at %s (%d bytes)\n",
		o.pgo, binaryCommit(o.exampleBin), span, shapeNames(o.shapes), len(p.data))
	return nil
}

// profileResult is a CPU profile as pprof's handler serves it, or why not.
type profileResult struct {
	data []byte
	err  error
}

// fetchCPUProfile records the CPU profile of the process serving pprof on
// addr for span, whole seconds rounded up.
func fetchCPUProfile(ctx context.Context, addr string, span time.Duration) profileResult {
	seconds := int(math.Ceil(span.Seconds()))
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return profileResult{err: err}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return profileResult{err: fmt.Errorf("CPU profile: %w", err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return profileResult{err: fmt.Errorf("CPU profile: %w", err)}
	case resp.StatusCode != http.StatusOK:
		return profileResult{err: fmt.Errorf("CPU profile: %s: %s", resp.Status, data)}
	case len(data) == 0:
		return profileResult{err: errors.New("CPU profile: empty")}
	}
	return profileResult{data: data}
}

// shapeNames is the shapes' names, comma-separated.
func shapeNames(shapes []shape) string {
	names := make([]string, len(shapes))
	for i, sh := range shapes {
		names[i] = sh.name
	}
	return strings.Join(names, ", ")
}
