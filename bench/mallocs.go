package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Allocations are counted from outside too: every Go server of the bench
// serves net/http/pprof's heap profile, whose text form (debug=1) ends with
// the process's runtime.MemStats, Mallocs among them. The count covers the
// whole process, as CPU time does: the server's code, its metrics, its
// runtime. Writing the profile allocates too, a few thousand objects per
// read, which over the tens of thousands of answers of a window is a few
// hundredths of an allocation per answer.

// heapProfile is the heap profile's path on a pprof listener.
const heapProfile = "/debug/pprof/heap?debug=1"

var mallocClient = &http.Client{Timeout: 10 * time.Second}

// mallocCount is the number of heap objects the process serving the heap
// profile at url has allocated since it started.
func mallocCount(url string) (uint64, error) {
	resp, err := mallocClient.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "# Mallocs = "); ok {
			return strconv.ParseUint(strings.TrimSpace(n), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no Mallocs line", url)
}

// mallocMeter reads the allocation counts of a target's processes at the
// start and the end of a measurement.
type mallocMeter struct {
	urls  []string
	start []uint64
	known []bool
}

// startMallocs reads the count of each url now. An empty url, or one that
// cannot be read, leaves its process's count unknown.
func startMallocs(urls []string) *mallocMeter {
	m := &mallocMeter{urls: urls, start: make([]uint64, len(urls)), known: make([]bool, len(urls))}
	for i, url := range urls {
		if url == "" {
			continue
		}
		n, err := mallocCount(url)
		m.start[i], m.known[i] = n, err == nil
	}
	return m
}

// used gives the allocations each process made since startMallocs, -1
// where unknown.
func (m *mallocMeter) used() []int64 {
	used := make([]int64, len(m.urls))
	for i, url := range m.urls {
		used[i] = -1
		if !m.known[i] {
			continue
		}
		if n, err := mallocCount(url); err == nil {
			used[i] = int64(n - m.start[i])
		}
	}
	return used
}
