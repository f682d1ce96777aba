package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Code footprint (-instructions). At one connection and one call in
// flight, a call's latency follows the code it runs through more than the
// instructions it executes: between two calls the kernel and the load
// generator run on the same two cores and evict the server's code from the
// instruction cache, so every distinct 64-byte line of code a call needs is
// fetched again. An echo made to run 600 short functions, one after the
// other, before each write lost about a seventh of its answers per second
// at WS 1x1; the same instructions in a loop over one of those functions
// cost a third of that. So besides the instructions, -instructions reports
// the lines of code a call runs through: the 64-byte lines whose
// instructions ran, in the window, at least 0.9 times per call.

// codeLine is the size of a line of the instruction cache.
const codeLine = 64

// hotShare is how often per call, on average, a line's instructions must
// run for the line to count as one every call runs through.
const hotShare = 0.9

// codeCounts is, for each instruction address of a callgrind dump, the
// times it was executed (its Ir).
type codeCounts map[uint64]int64

// linesRunBy is the number of lines of code whose instructions ran at
// least hotShare times per call over calls calls.
func (c codeCounts) linesRunBy(calls int64) int {
	lines := make(map[uint64]bool)
	floor := int64(hotShare * float64(calls))
	for addr, n := range c {
		if n >= floor {
			lines[addr/codeLine] = true
		}
	}
	return len(lines)
}

// readDump reads a callgrind dump made with --dump-instr=yes: the
// instruction count of its header ("summary: N") and the executions of
// each instruction address.
func readDump(path string) (total int64, code codeCounts, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	total, code, err = parseDump(f)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", path, err)
	}
	return total, code, nil
}

// parseDump is readDump of r's text. Cost lines start with their
// positions (the instruction address first, then the source line), each
// absolute, relative to the same position of the line before ("+N",
// "-N") or the same ("*"); the first event is Ir. The cost line after a
// "calls=" line is what a call cost, already counted in the callee. The
// summary comes first and the totals last: a dump without its totals is
// still being written.
func parseDump(r io.Reader) (total int64, code codeCounts, err error) {
	code = make(codeCounts)
	positions, summary, complete := 1, false, false
	var last []uint64
	afterCall := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		switch c := line[0]; {
		case c >= '0' && c <= '9', c == '+', c == '-', c == '*':
		default:
			if v, ok := strings.CutPrefix(line, "positions:"); ok {
				positions = len(strings.Fields(v))
			} else if v, ok := strings.CutPrefix(line, "summary:"); ok {
				if total, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
					return 0, nil, err
				}
				summary = true
			} else if strings.HasPrefix(line, "totals:") {
				complete = true
			}
			afterCall = strings.HasPrefix(line, "calls=")
			continue
		}
		fields := strings.Fields(line)
		if len(fields) <= positions {
			continue // no cost: zero
		}
		if last == nil {
			last = make([]uint64, positions)
		}
		for i := range positions {
			if last[i], err = position(fields[i], last[i]); err != nil {
				return 0, nil, err
			}
		}
		if afterCall {
			afterCall = false
			continue
		}
		ir, err := strconv.ParseInt(fields[positions], 10, 64)
		if err != nil {
			return 0, nil, fmt.Errorf("cost line %q: %w", line, err)
		}
		code[last[0]] += ir
	}
	if err := sc.Err(); err != nil {
		return 0, nil, err
	}
	if !summary {
		return 0, nil, fmt.Errorf("no summary line")
	}
	if !complete {
		return 0, nil, fmt.Errorf("no totals line: the dump is still being written")
	}
	return total, code, nil
}

// position decodes one position of a cost line, last being the same
// position of the line before.
func position(field string, last uint64) (uint64, error) {
	switch field[0] {
	case '*':
		return last, nil
	case '+', '-':
		d, err := strconv.ParseInt(field, 0, 64)
		return last + uint64(d), err
	}
	return strconv.ParseUint(field, 0, 64)
}
