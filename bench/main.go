package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options is what the command line asks for.
type options struct {
	duration   time.Duration
	warmup     time.Duration
	fanout     []int
	shapes     []shape // the shapes to measure, in the table's order
	rounds     int
	repeat     int
	idle       int
	exampleBin string
	redisURL   string
	pipeline   bool // also bench the pipeline target (pipeline.go)
	control    bool // also bench a second raw echo, the run's noise floor
	out        string
	svg        string
	// instructions runs the -instructions mode instead (instructions.go).
	instructions bool
	// pgo, when set, runs the -pgo mode instead (profile.go): the file the
	// example's CPU profile is written to.
	pgo string
}

// subcommands are the hidden commands that serve a target: the bench runs
// itself with them.
var subcommands = map[string]func(args []string) error{
	"serve-echo":     runServeEcho,
	"serve-pipeline": runServePipeline,
}

// settleAfterMany is the pause after closing many sockets, so that the
// servers have let them go before the next measurement.
const settleAfterMany = 2 * time.Second

func main() {
	if len(os.Args) > 1 {
		if serve, ok := subcommands[os.Args[1]]; ok {
			if err := serve(os.Args[2:]); err != nil {
				fmt.Fprintf(os.Stderr, "bench %s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			return
		}
	}
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := run
	switch {
	case o.instructions:
		run = runInstructions
	case o.pgo != "":
		run = runProfile
	}
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "measured time of each shape")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "unmeasured time before each shape")
	fanout := fs.String("fanout", "1000,10000", "group sizes of the fan-out test, comma-separated (empty: none)")
	only := fs.String("shapes", "", `the shapes to measure, comma-separated, e.g. "WS 1x1,HTTP 50x1" (empty: all)`)
	fs.IntVar(&o.rounds, "rounds", 20, "group.send calls per fan-out size")
	fs.IntVar(&o.repeat, "repeat", 3, "runs of each shape per target, taking turns; the table shows each target's median run")
	fs.IntVar(&o.idle, "idle", 5000, "idle WebSockets per target (0: no idle test)")
	fs.StringVar(&o.exampleBin, "example-bin", "", "the example's binary (default: go build ./example)")
	fs.StringVar(&o.redisURL, "redis", "", "also bench the example split into -mode server and -mode worker on this Redis, e.g. redis://127.0.0.1:6379/0")
	fs.BoolVar(&o.pipeline, "pipeline", false, "also bench the library without JSON-RPC: its server, memory layer and worker with a consumer that answers as the echo does")
	fs.BoolVar(&o.control, "control", false, "also bench a second raw echo, as the others are: its ratio to the first, 1.00x on a quiet machine, is how far this run's ratios can be trusted")
	fs.StringVar(&o.out, "out", "bench-results.txt", "the table's file (empty: none)")
	fs.StringVar(&o.svg, "svg", "bench-results.svg", "the chart's file (empty: none)")
	fs.BoolVar(&o.instructions, "instructions", false, `instead of timing, count the instructions per call of the echo and the example under valgrind's callgrind (Debian package valgrind), at -shapes (default "WS 1x1,HTTP 1x1")`)
	fs.StringVar(&o.pgo, "pgo", "", "instead of timing, record the example's CPU profile while it is driven at -shapes, and write it to this `file`: example/default.pgo is the profile go build optimises the example with")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.instructions && o.pgo != "" {
		return nil, errors.New("-instructions and -pgo are modes of their own: one at a time")
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	sizes, err := parseSizes(*fanout)
	if err != nil {
		return nil, fmt.Errorf("-fanout: %w", err)
	}
	o.fanout = sizes
	if o.instructions && strings.TrimSpace(*only) == "" {
		*only = "WS 1x1,HTTP 1x1" // the others take long under callgrind
	}
	if o.shapes, err = pickShapes(*only); err != nil {
		return nil, fmt.Errorf("-shapes: %w", err)
	}
	if o.duration <= 0 || o.warmup < 0 || o.rounds <= 0 || o.repeat <= 0 || o.idle < 0 {
		return nil, errors.New("-duration, -rounds and -repeat must be positive, -warmup and -idle not negative")
	}
	return o, nil
}

// parseSizes reads a comma-separated list of positive counts.
func parseSizes(list string) ([]int, error) {
	var sizes []int
	for field := range strings.SplitSeq(list, ",") {
		if field = strings.TrimSpace(field); field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive count", field)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// pickShapes is the shapes a -shapes list names (case and spaces aside),
// in the order of the table; all of them for an empty list.
func pickShapes(list string) ([]shape, error) {
	if strings.TrimSpace(list) == "" {
		return shapes, nil
	}
	key := func(name string) string { return strings.ToLower(strings.ReplaceAll(name, " ", "")) }
	known := map[string]bool{}
	for _, sh := range shapes {
		known[key(sh.name)] = true
	}
	named := map[string]bool{}
	for field := range strings.SplitSeq(list, ",") {
		k := key(field)
		if !known[k] {
			return nil, fmt.Errorf("no shape %q (the shapes: %s)", strings.TrimSpace(field), shapeNames(shapes))
		}
		named[k] = true
	}
	var picked []shape
	for _, sh := range shapes {
		if named[key(sh.name)] {
			picked = append(picked, sh)
		}
	}
	return picked, nil
}

// workDir makes the bench's temporary directory, the children's logs'
// place, and builds the example into it unless -example-bin names one.
func workDir(o *options) (string, error) {
	dir, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return "", err
	}
	if o.exampleBin == "" {
		if o.exampleBin, err = buildExample(dir); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// run starts the targets, measures them, and writes the report.
func run(ctx context.Context, o *options, stdout, progress io.Writer) error {
	fileLimit, err := raiseFileLimit()
	if err != nil {
		fmt.Fprintln(progress, "open-file limit not raised:", err)
	}
	dir, err := workDir(o)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(progress, "starting the targets")
	targets, err := startTargets(ctx, dir, o)
	if err != nil {
		return err
	}
	defer stopAll(targets)

	res := newResults(targets, o)
	res.note(fmt.Sprintf("open-file limit %d (servers inherit it)", fileLimit))
	measureIdle(ctx, res, o, progress)
	measureShapes(ctx, res, o, progress)
	measureFanout(ctx, res, o, fileLimit, progress)
	if err := ctx.Err(); err != nil {
		return err
	}
	return writeOutputs(res, o, stdout)
}

func measureIdle(ctx context.Context, res *results, o *options, progress io.Writer) {
	if o.idle == 0 {
		return
	}
	for _, t := range res.targets {
		fmt.Fprintf(progress, "idle: %d sockets to %s\n", o.idle, t.label)
		res.idle = append(res.idle, runIdle(ctx, t, o.idle))
		sleepContext(ctx, settleAfterMany)
	}
}

// measureShapes runs each shape o.repeat times per target, the targets
// taking turns so that a slow moment of a shared machine does not fall on
// one target only, and keeps each target's median run. Each turn starts
// with the next target, so that no target always runs in the same place,
// right after the same other.
func measureShapes(ctx context.Context, res *results, o *options, progress io.Writer) {
	for _, sh := range o.shapes {
		runs := make([][]shapeResult, len(res.targets))
		for n := range o.repeat {
			for _, i := range turnOrder(n, len(res.targets)) {
				t := res.targets[i]
				fmt.Fprintf(progress, "%s: %s (run %d of %d)\n", sh.name, t.label, n+1, o.repeat)
				runs[i] = append(runs[i], runShape(ctx, sh, t, t.pids(), o.warmup, o.duration))
			}
		}
		row := make([]shapeResult, len(res.targets))
		for i := range runs {
			row[i] = medianRun(runs[i])
		}
		res.shapes = append(res.shapes, row)
		res.turns = append(res.turns, turnRatios(runs))
		res.steal = append(res.steal, stealShare(runs))
	}
}

// turnOrder is the order of n targets in turn number turn: from target
// turn mod n on, round.
func turnOrder(turn, n int) []int {
	order := make([]int, n)
	for k := range order {
		order[k] = (turn + k) % n
	}
	return order
}

// stealShare is the share of the machine's CPU time that its hypervisor
// gave to other guests in the windows of runs, -1 when unknown.
func stealShare(runs [][]shapeResult) float64 {
	var sum hostTime
	for _, target := range runs {
		for _, r := range target {
			sum.total += r.host.total
			sum.steal += r.host.steal
		}
	}
	if sum.total <= 0 {
		return -1
	}
	return float64(sum.steal) / float64(sum.total)
}

// ratioRange is the lowest and the highest of n ratios.
type ratioRange struct {
	low, high float64
	n         int
}

// turnRatios is, for each target, the lowest and the highest ratio of its
// throughput to the first target's in the same turn: how far one run's
// ratio can stray from the median's on this machine.
func turnRatios(runs [][]shapeResult) []ratioRange {
	spread := make([]ratioRange, len(runs))
	for i := range runs {
		for n, r := range runs[i] {
			base := runs[0][n].rps()
			if base <= 0 {
				continue
			}
			x := r.rps() / base
			if spread[i].n == 0 || x < spread[i].low {
				spread[i].low = x
			}
			if spread[i].n == 0 || x > spread[i].high {
				spread[i].high = x
			}
			spread[i].n++
		}
	}
	return spread
}

// medianRun is the run of median throughput; its errors are those of all
// the runs.
func medianRun(runs []shapeResult) shapeResult {
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b shapeResult) int { return cmp.Compare(a.rps(), b.rps()) })
	median := sorted[len(sorted)/2]
	median.errors = 0
	for _, r := range runs {
		median.errors += r.errors
	}
	return median
}

func measureFanout(ctx context.Context, res *results, o *options, fileLimit uint64, progress io.Writer) {
	for _, n := range o.fanout {
		row := make([]fanoutResult, len(res.targets))
		for i, t := range res.targets {
			fmt.Fprintf(progress, "fan-out: %d members of %s\n", n, t.label)
			row[i] = runFanout(ctx, t, n, o.rounds, fileLimit)
			if row[i].failure != "" {
				fmt.Fprintf(progress, "  %s\n", row[i].failure)
			}
			sleepContext(ctx, settleAfterMany)
		}
		res.fanout = append(res.fanout, row)
	}
}

// writeOutputs prints the table and writes it to -out, and the chart to
// -svg.
func writeOutputs(res *results, o *options, stdout io.Writer) error {
	table := res.table()
	fmt.Fprint(stdout, table)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(table), 0o644); err != nil {
			return err
		}
	}
	if o.svg == "" {
		return nil
	}
	f, err := os.Create(o.svg)
	if err != nil {
		return err
	}
	if err := writeChart(f, res.chart()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
