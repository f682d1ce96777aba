package channels_test

import (
	"context"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

func TestMemoryHandOverConsumesInline(t *testing.T) {
	ctx := context.Background()
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	var got []string
	accept := true
	stop, err := l.ConsumeInline([]string{"work"}, func(ch string, c channels.Content) bool {
		if accept {
			got = append(got, c.String("n"))
		}
		return accept
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.ConsumeInline([]string{"work"}, func(string, channels.Content) bool { return true }); err == nil {
		t.Error("a second inline consumer of one channel was registered")
	}
	if err := l.HandOver(ctx, "work", channels.Content{"n": "1"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "1" {
		t.Fatalf("consumed inline: %q, want [1]", got)
	}

	// A refused message is queued; while it waits, the next one queues
	// behind it rather than overtaking it.
	accept = false
	l.HandOver(ctx, "work", channels.Content{"n": "2"})
	accept = true
	l.HandOver(ctx, "work", channels.Content{"n": "3"})
	for _, want := range []string{"2", "3"} {
		if _, c, err := l.Receive(ctx, "work"); err != nil || c.String("n") != want {
			t.Fatalf("received %v, %v; want n=%s", c, err, want)
		}
	}
	if len(got) != 1 {
		t.Errorf("consumed inline %q, want only the first", got)
	}

	// Plain sends and stopped consumers queue.
	l.SendOwned(ctx, "work", channels.Content{"n": "4"})
	stop()
	l.HandOver(ctx, "work", channels.Content{"n": "5"})
	for _, want := range []string{"4", "5"} {
		if _, c, err := l.Receive(ctx, "work"); err != nil || c.String("n") != want {
			t.Fatalf("received %v, %v; want n=%s", c, err, want)
		}
	}
	if len(got) != 1 {
		t.Errorf("consumed inline %q after SendOwned and stop", got)
	}
}
