package main

import (
	"debug/buildinfo"
	"fmt"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// results is everything one run measured, for the table and the chart.
type results struct {
	header  [][2]string
	targets []*target
	idle    []idleResult     // by target
	names   []string         // of the shapes measured
	shapes  [][]shapeResult  // by shape, then target
	turns   [][]ratioRange   // by shape, then target: the ratios of single turns
	steal   []float64        // by shape: the host's steal share, -1 unknown
	fanout  [][]fanoutResult // by -fanout size, then target
	sizes   []int
	rounds  int
}

func newResults(targets []*target, o *options) *results {
	r := &results{targets: targets, sizes: o.fanout, rounds: o.rounds}
	for _, sh := range o.shapes {
		r.names = append(r.names, sh.name)
	}
	r.header = [][2]string{
		{"date", time.Now().Format(time.RFC3339)},
		{"machine", machineLine()},
		{"go", runtime.Version()},
		{"commit", binaryCommit(o.exampleBin)},
		{"shapes", fmt.Sprintf("%v measured after a %v warm-up, %d runs per target taking turns, the median shown (turns: the lowest and highest ratio of a single turn); every server a child process on loopback, driven from the bench process", o.duration, o.warmup, o.repeat)},
	}
	return r
}

// machineLine names the machine: its architecture and CPU count.
func machineLine() string {
	return fmt.Sprintf("%s, %d CPUs", commandOutput("uname", "-m"), runtime.NumCPU())
}

// note adds a line to the header.
func (r *results) note(line string) { r.header = append(r.header, [2]string{"note", line}) }

// binaryCommit is the commit the binary at path was built from, as its
// build information records it, "-dirty" when the tree had changes; or
// "unknown".
func binaryCommit(path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return commitOf(info.Settings)
}

// commitOf is binaryCommit of a binary's build settings.
func commitOf(settings []debug.BuildSetting) string {
	revision, dirty := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value[:min(len(s.Value), 7)]
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	switch {
	case revision == "":
		return "unknown"
	case dirty:
		return revision + "-dirty"
	}
	return revision
}

// commandOutput is the trimmed output of a command, or "unknown".
func commandOutput(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// table is the plain-text report.
func (r *results) table() string {
	var b strings.Builder
	b.WriteString("channels-jsonrpc bench\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, h := range r.header {
		fmt.Fprintf(tw, "%s\t%s\n", h[0], h[1])
	}
	tw.Flush()
	r.writeShapes(&b)
	r.writeCPU(&b)
	r.writeAllocs(&b)
	r.writeRedis(&b)
	r.writeFanout(&b)
	r.writeIdle(&b)
	return b.String()
}

// writeShapes is the throughput and latency table: a row per shape, the
// targets side by side.
func (r *results) writeShapes(b *strings.Builder) {
	b.WriteString("\nThroughput and latency: answers per second, its ratio to the raw echo, latency p50 / p99, errors;\n" +
		"steal: the share of this machine's CPU time its hypervisor gave to other guests while the shape was measured\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t", leftAligned("shape"))
	for j, t := range r.targets {
		fmt.Fprintf(tw, "|\t%s rps\tx echo\t", t.label)
		if j > 0 {
			fmt.Fprintf(tw, "turns\t")
		}
		fmt.Fprintf(tw, "p50\tp99\terr\t")
	}
	fmt.Fprintln(tw, "|\tsteal\t")
	for i, row := range r.shapes {
		fmt.Fprintf(tw, "%s\t", leftAligned(r.names[i]))
		for j, s := range row {
			fmt.Fprintf(tw, "|\t%.0f\t%s\t", s.rps(), ratio(s.rps(), row[0].rps()))
			if j > 0 {
				fmt.Fprintf(tw, "%s\t", r.turnRange(i, j))
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t", formatDuration(s.p50), formatDuration(s.p99), s.errors)
		}
		fmt.Fprintf(tw, "|\t%s\t\n", r.stealCell(i))
	}
	tw.Flush()
}

// stealCell is shape i's steal share as a percentage, or "-".
func (r *results) stealCell(i int) string {
	if i >= len(r.steal) || r.steal[i] < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*r.steal[i])
}

// turnRange is the range of shape i's ratios of target j, turn by turn,
// or "-" when there is none.
func (r *results) turnRange(i, j int) string {
	if i >= len(r.turns) || j >= len(r.turns[i]) || r.turns[i][j].n == 0 {
		return "-"
	}
	t := r.turns[i][j]
	return fmt.Sprintf("%.2f-%.2f", t.low, t.high)
}

// writeCPU is the CPU time each server process used per answer.
func (r *results) writeCPU(b *strings.Builder) {
	r.writePerProcess(b, "CPU per call: microseconds of server-process CPU (utime+stime, /proc/PID/stat) per answer",
		func(s shapeResult, k int) string {
			return fmt.Sprintf("%.1f", float64(s.cpuPerCall(k))/float64(time.Microsecond))
		})
}

// writeAllocs is the heap allocations each server process made per answer.
func (r *results) writeAllocs(b *strings.Builder) {
	r.writePerProcess(b, "Allocations per call: heap objects each server process allocated (runtime.MemStats.Mallocs) per answer",
		func(s shapeResult, k int) string {
			if a, ok := s.allocsPerCall(k); ok {
				return fmt.Sprintf("%.1f", a)
			}
			return "n/a"
		})
}

// writeRedis is, for each target with a redis-server, what that server
// costs per answer, and the CPU of all the target's processes together as
// a multiple of the raw echo's (the first target).
func (r *results) writeRedis(b *strings.Builder) {
	for j, t := range r.targets {
		if t.redis == nil {
			continue
		}
		fmt.Fprintf(b, "\n%s with its redis-server: per answer, Redis commands processed and CPU (redis-server's, then all %d processes')\n", t.label, len(t.procs)+1)
		tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%s\tcommands\tredis-server µs\tall µs\tx echo CPU\t\n", leftAligned("shape"))
		for i, row := range r.shapes {
			fmt.Fprintf(tw, "%s\t%s\n", leftAligned(r.names[i]), redisCells(row[j], row[0], len(t.procs)))
		}
		tw.Flush()
	}
}

// redisCells are writeRedis's cells for s, against the echo's echo.
func redisCells(s, echo shapeResult, procs int) string {
	cpu, cpuOK, cmds, cmdsOK := s.redisPerCall()
	cells := []string{"n/a", "n/a", "n/a", "n/a"}
	if cmdsOK {
		cells[0] = fmt.Sprintf("%.1f", cmds)
	}
	if !cpuOK {
		return strings.Join(cells, "\t") + "\t"
	}
	all := cpu
	for k := range procs {
		all += s.cpuPerCall(k)
	}
	cells[1] = fmt.Sprintf("%.1f", float64(cpu)/float64(time.Microsecond))
	cells[2] = fmt.Sprintf("%.1f", float64(all)/float64(time.Microsecond))
	if e := echo.cpuPerCall(0); e > 0 {
		cells[3] = fmt.Sprintf("%.1fx", float64(all)/float64(e))
	}
	return strings.Join(cells, "\t") + "\t"
}

// writePerProcess is a table of a row per shape and a column per server
// process, each cell what cell says of process k in that shape's result.
func (r *results) writePerProcess(b *strings.Builder, title string, cell func(s shapeResult, k int) string) {
	fmt.Fprintf(b, "\n%s\n", title)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t", leftAligned("shape"))
	for _, t := range r.targets {
		for i := range t.procs {
			fmt.Fprintf(tw, "%s\t", processLabel(t, i))
		}
	}
	fmt.Fprintln(tw)
	for i, row := range r.shapes {
		fmt.Fprintf(tw, "%s\t", leftAligned(r.names[i]))
		for j, s := range row {
			for k := range r.targets[j].procs {
				fmt.Fprintf(tw, "%s\t", cell(s, k))
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// processLabel names process i of t: the target alone, or with its role
// when it has more than one process.
func processLabel(t *target, i int) string {
	switch {
	case len(t.procs) == 1:
		return t.label
	case i == 0:
		return t.label + " server"
	}
	return t.label + " worker"
}

// writeFanout is the fan-out table: a row per group size.
func (r *results) writeFanout(b *strings.Builder) {
	if len(r.fanout) == 0 {
		return
	}
	fmt.Fprintf(b, "\nFan-out: group.send to the last member's receipt, %d sends one after the other\n", r.rounds)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t", leftAligned("members"))
	for _, t := range r.targets {
		fmt.Fprintf(tw, "|\t%s p50\tp99\tsends\t", t.label)
	}
	fmt.Fprintln(tw)
	var failures []string
	for i, row := range r.fanout {
		fmt.Fprintf(tw, "%s\t", leftAligned(strconv.Itoa(r.sizes[i])))
		for j, f := range row {
			fmt.Fprintf(tw, "|\t%s\t%s\t%d\t", formatDuration(f.p50), formatDuration(f.p99), f.rounds)
			if f.failure != "" {
				failures = append(failures, fmt.Sprintf("  %s, %d members: %s", r.targets[j].label, f.members, f.failure))
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for _, f := range failures {
		b.WriteString(f + "\n")
	}
}

// writeIdle is the idle table: a row per target.
func (r *results) writeIdle(b *strings.Builder) {
	if len(r.idle) == 0 {
		return
	}
	b.WriteString("\nIdle WebSockets: the server process's VmRSS before opening them and 2 s after\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tsockets\tRSS before\tRSS after\tKB/socket\tgoroutines/socket\t\n", leftAligned("target"))
	for i, idle := range r.idle {
		fmt.Fprintf(tw, "%s\t%d\t%d KB\t%d KB\t%.1f\t%s\t\n", leftAligned(r.targets[i].label), idle.conns,
			idle.rssBefore, idle.rssAfter, idle.kbPerConn(), idle.goroutinesPerConn())
	}
	tw.Flush()
	for i, idle := range r.idle {
		if idle.failure != "" {
			fmt.Fprintf(b, "  %s: %s\n", r.targets[i].label, idle.failure)
		}
	}
}

// leftAligned pads a first-column name so that the right-aligned table
// shows it left-aligned.
func leftAligned(name string) string { return fmt.Sprintf("%-12s", name) }

// ratio is value/base as "0.42x", or "-" without a base.
func ratio(value, base float64) string {
	if base <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", value/base)
}

// formatDuration writes d with three significant digits or so.
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// chart is the answers per second of every shape and target.
func (r *results) chart() chart {
	c := chart{
		title:  "channels-jsonrpc bench: answers per second (higher is better)",
		xLabel: "shape (connections x calls in flight)",
		yLabel: "answers per second",
	}
	for _, t := range r.targets {
		c.series = append(c.series, t.label)
	}
	for i, row := range r.shapes {
		c.groups = append(c.groups, r.names[i])
		values := make([]float64, len(row))
		for j, s := range row {
			values[j] = s.rps()
		}
		c.values = append(c.values, values)
	}
	return c
}
