package channelstest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

func memoryFactory(cfg channels.MemoryConfig, wrap func(*channels.MemoryLayer) channels.Layer) func(t *testing.T) channels.Layer {
	return func(t *testing.T) channels.Layer {
		l := channels.NewMemoryLayer(cfg)
		t.Cleanup(func() { l.Close() })
		if wrap != nil {
			return wrap(l)
		}
		return l
	}
}

var memoryConfig = channels.MemoryConfig{Capacity: 10, Expiry: time.Minute, GroupExpiry: time.Hour}

// The memory layer with fake time: the way a layer that reads time.Now runs
// the whole suite.
func TestLayerSynctest(t *testing.T) {
	channelstest.TestLayer(t, memoryFactory(memoryConfig, nil), channelstest.Features{
		Capacity:    memoryConfig.Capacity,
		Expiry:      memoryConfig.Expiry,
		GroupExpiry: memoryConfig.GroupExpiry,
		Run:         synctest.Test,
		Settle:      synctest.Wait,
		Advance:     time.Sleep,
	})
}

// Without hooks, as a layer on a real server runs it: the blocking subtests
// use real goroutines and real time, and the expiry subtests are skipped.
func TestLayerRealTime(t *testing.T) {
	channelstest.TestLayer(t, memoryFactory(memoryConfig, nil), channelstest.Features{Capacity: memoryConfig.Capacity})
}

// coreLayer hides the optional interfaces of the layer it wraps.
type coreLayer struct{ l channels.Layer }

func (c coreLayer) Send(ctx context.Context, ch string, m channels.Content) error {
	return c.l.Send(ctx, ch, m)
}

func (c coreLayer) Receive(ctx context.Context, chans ...string) (string, channels.Content, error) {
	return c.l.Receive(ctx, chans...)
}

func (c coreLayer) NewChannel(ctx context.Context, pattern string) (string, error) {
	return c.l.NewChannel(ctx, pattern)
}

// A layer with no extensions skips the group and flush subtests.
func TestLayerCoreOnly(t *testing.T) {
	channelstest.TestLayer(t,
		memoryFactory(memoryConfig, func(l *channels.MemoryLayer) channels.Layer { return coreLayer{l} }),
		channelstest.Features{Run: synctest.Test, Settle: synctest.Wait})
}

// unfairLayer serves the first of its channels that holds a message.
type unfairLayer struct{ *channels.MemoryLayer }

func (u unfairLayer) Receive(ctx context.Context, chans ...string) (string, channels.Content, error) {
	now, cancel := context.WithCancel(ctx)
	cancel()
	for _, ch := range chans {
		if got, c, err := u.MemoryLayer.Receive(now, ch); err == nil || err != context.Canceled {
			return got, c, err
		}
	}
	return u.MemoryLayer.Receive(ctx, chans...)
}

// textLayer delivers bytes as text.
type textLayer struct{ *channels.MemoryLayer }

func (tl textLayer) Receive(ctx context.Context, chans ...string) (string, channels.Content, error) {
	ch, c, err := tl.MemoryLayer.Receive(ctx, chans...)
	for k, v := range c {
		if b, ok := v.([]byte); ok {
			c[k] = string(b)
		}
	}
	return ch, c, err
}

// brokenLayers are run by TestSuiteFindsBrokenLayers, each with the subtests
// it must fail.
var brokenLayers = map[string]struct {
	wrap func(*channels.MemoryLayer) channels.Layer
	fail []string
}{
	"unfair": {
		func(l *channels.MemoryLayer) channels.Layer { return unfairLayer{l} },
		[]string{"ReceiveFair"},
	},
	"text": {
		func(l *channels.MemoryLayer) channels.Layer { return textLayer{l} },
		[]string{"BytesAndText", "MessageAlterationAfterSend"},
	},
}

const brokenEnv = "CHANNELSTEST_BROKEN_LAYER"

// TestBrokenLayer runs the suite against the broken layer named by
// $CHANNELSTEST_BROKEN_LAYER, for TestSuiteFindsBrokenLayers.
func TestBrokenLayer(t *testing.T) {
	name := os.Getenv(brokenEnv)
	if name == "" {
		t.Skip("run by TestSuiteFindsBrokenLayers")
	}
	channelstest.TestLayer(t, memoryFactory(memoryConfig, brokenLayers[name].wrap), channelstest.Features{
		Capacity: memoryConfig.Capacity, Run: synctest.Test, Settle: synctest.Wait,
	})
}

// TestSuiteFindsBrokenLayers checks that the suite fails layers that break
// the contract, and only in the subtests that check what they break.
func TestSuiteFindsBrokenLayers(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("already in a child process")
	}
	for name, broken := range brokenLayers {
		t.Run(name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenLayer$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed the %s layer:\n%s", name, out)
			}
			failed := map[string]bool{}
			for line := range strings.Lines(string(out)) {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "--- FAIL: TestBrokenLayer/"); ok {
					failed[strings.Fields(rest)[0]] = true
				}
			}
			for _, want := range broken.fail {
				if !failed[want] {
					t.Errorf("subtest %s passed the %s layer", want, name)
				}
				delete(failed, want)
			}
			for other := range failed {
				t.Errorf("subtest %s failed the %s layer, which breaks nothing it checks", other, name)
			}
		})
	}
}
