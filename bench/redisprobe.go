package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
)

// The split target's third process is its redis-server: its CPU time
// counts in the cost of a call as the server's and the worker's do, and
// its count of commands processed gives the commands per call. The bench
// asks Redis for its process id (INFO server), so the server must run on
// this machine for its CPU time to be read.

// redisProbe reads a redis-server's counters.
type redisProbe struct {
	client *redis.Client
	pid    int // the server's process id, 0 when unknown
}

// newRedisProbe connects to the first host of the layer URL layerURL.
func newRedisProbe(ctx context.Context, layerURL string) (*redisProbe, error) {
	cfg, err := redislayer.ParseURL(layerURL)
	if err != nil {
		return nil, err
	}
	opt, err := redis.ParseURL(cfg.Hosts[0])
	if err != nil {
		return nil, fmt.Errorf("redis probe: %w", err)
	}
	p := &redisProbe{client: redis.NewClient(opt)}
	if pid, err := p.info(ctx, "server", "process_id"); err == nil {
		if _, err := cpuTime(int(pid)); err == nil {
			p.pid = int(pid)
		}
	}
	return p, nil
}

// info is the integer field of an INFO section.
func (p *redisProbe) info(ctx context.Context, section, field string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	text, err := p.client.Info(ctx, section).Result()
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("redis INFO %s has no %s", section, field)
}

// commands is the number of commands the server has processed, -1 when it
// cannot tell.
func (p *redisProbe) commands() int64 {
	n, err := p.info(context.Background(), "stats", "total_commands_processed")
	if err != nil {
		return -1
	}
	return n
}

func (p *redisProbe) close() { p.client.Close() }

// redisMeter reads a probe's CPU time and commands at the start and the
// end of a measurement.
type redisMeter struct {
	p        *redisProbe
	cpu      *cpuMeter
	commands int64
}

func startRedis(p *redisProbe) *redisMeter {
	if p == nil {
		return nil
	}
	m := &redisMeter{p: p, commands: p.commands()}
	if p.pid != 0 {
		m.cpu = startCPU([]int{p.pid})
	}
	return m
}

// used is the CPU time (-1 unknown) and the commands (-1 unknown) since
// startRedis.
func (m *redisMeter) used() (time.Duration, int64) {
	if m == nil {
		return -1, -1
	}
	cpu := time.Duration(-1)
	if m.cpu != nil {
		cpu = m.cpu.used()[0]
	}
	cmds := int64(-1)
	if now := m.p.commands(); now >= 0 && m.commands >= 0 {
		cmds = now - m.commands
	}
	return cpu, cmds
}
