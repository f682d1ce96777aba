package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// The fan-out test: members sockets join a group, then one more socket
// calls group.send rounds times, one after the other, each once every
// member has received the one before. What is timed is the send to the
// last member's receipt.

const (
	dialParallel = 100              // dials at a time when opening many sockets
	roundTimeout = 15 * time.Second // the longest wait for one round's last receipt
	// fdMargin is the descriptors the bench needs beyond its sockets.
	fdMargin = 100
)

var (
	groupMessage = []byte(`"method":"group.message"`)
	payloadKey   = []byte(`"payload":`)
)

// fanoutResult is what the fan-out to members sockets measured.
type fanoutResult struct {
	members  int
	rounds   int           // rounds every member received
	p50, p99 time.Duration // send to the last receipt
	failure  string        // why the test stopped short or was skipped; "" when it did not
}

// arrivals counts each round's receipts, and closes the round's channel
// when the last member has it.
type arrivals struct {
	members int64
	counts  []atomic.Int64
	last    []time.Time // set by the last member's reader, before done closes
	done    []chan struct{}
}

func newArrivals(members, rounds int) *arrivals {
	a := &arrivals{
		members: int64(members),
		counts:  make([]atomic.Int64, rounds),
		last:    make([]time.Time, rounds),
		done:    make([]chan struct{}, rounds),
	}
	for i := range a.done {
		a.done[i] = make(chan struct{})
	}
	return a
}

// arrive counts a receipt of round at now.
func (a *arrivals) arrive(round int, now time.Time) {
	if round < 0 || round >= len(a.counts) {
		return
	}
	if a.counts[round].Add(1) == a.members {
		a.last[round] = now
		close(a.done[round])
	}
}

// listen reads a member's messages until its socket ends, counting the
// group.message notifications.
func (a *arrivals) listen(c *websocket.Conn) {
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if !bytes.Contains(msg, groupMessage) {
			continue
		}
		if round, ok := intAfter(msg, payloadKey); ok {
			a.arrive(int(round), time.Now())
		}
	}
}

// runFanout runs the fan-out to members sockets of t, after checking that
// the open-file limit holds them.
func runFanout(ctx context.Context, t *target, members, rounds int, fileLimit uint64) fanoutResult {
	r := fanoutResult{members: members}
	if need := uint64(members + fdMargin); fileLimit < need {
		r.failure = fmt.Sprintf("skipped: the open-file limit %d is below the %d descriptors needed", fileLimit, need)
		return r
	}
	group := fmt.Sprintf("bench-%d", members)
	joined, err := dialMany(ctx, t.wsURL(), members, dialParallel,
		func(c *websocket.Conn) error { return joinGroup(c, group) })
	defer closeAll(joined)
	if err != nil {
		r.failure = "opening members: " + err.Error()
		return r
	}
	a := newArrivals(members, rounds)
	for _, c := range joined {
		go a.listen(c)
	}
	sender, resp, err := newDialer(0).DialContext(ctx, t.wsURL(), nil)
	bodyClose(resp)
	if err != nil {
		r.failure = "opening the sender: " + err.Error()
		return r
	}
	defer sender.Close()
	latencies, failure := sendRounds(ctx, sender, group, a)
	r.rounds, r.failure = len(latencies), failure
	slices.Sort(latencies)
	r.p50, r.p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
	return r
}

// sendRounds calls group.send for each round of a, and gives the time from
// each call to its last receipt; it stops at the first round that fails.
func sendRounds(ctx context.Context, sender *websocket.Conn, group string, a *arrivals) ([]time.Duration, string) {
	var latencies []time.Duration
	for round := range a.done {
		start := time.Now()
		answer, err := call(sender, sendCall(int64(round+1), group, round))
		if err != nil {
			return latencies, fmt.Sprintf("round %d: group.send: %v", round, err)
		}
		if !bytes.Contains(answer, trueResult) {
			return latencies, fmt.Sprintf("round %d: group.send answered %s", round, answer)
		}
		if err := awaitRound(ctx, a, round); err != nil {
			return latencies, err.Error()
		}
		latencies = append(latencies, a.last[round].Sub(start))
	}
	return latencies, ""
}

// awaitRound waits up to roundTimeout for every member to receive round.
func awaitRound(ctx context.Context, a *arrivals, round int) error {
	wait, cancel := context.WithTimeout(ctx, roundTimeout)
	defer cancel()
	select {
	case <-a.done[round]:
		return nil
	case <-wait.Done():
		return fmt.Errorf("round %d: %d of %d members received it within %v",
			round, a.counts[round].Load(), a.members, roundTimeout)
	}
}
