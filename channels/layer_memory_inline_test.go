package channels_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

func TestMemoryHandOverConsumesInline(t *testing.T) {
	ctx := context.Background()
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	var got []string
	accept := true
	stop, err := l.ConsumeInline([]string{"work"}, func(m *channels.Message) bool {
		if accept {
			got = append(got, m.Content().String("n"))
		}
		return accept
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.ConsumeInline([]string{"work"}, func(*channels.Message) bool { return true }); err == nil {
		t.Error("a second inline consumer of one channel was registered")
	}
	if err := l.HandOver(ctx, channels.NewMessage("work", channels.Content{"n": "1"})); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "1" {
		t.Fatalf("consumed inline: %q, want [1]", got)
	}

	// A refused message is queued; while it waits, the next one queues
	// behind it rather than overtaking it.
	accept = false
	l.HandOver(ctx, channels.NewMessage("work", channels.Content{"n": "2"}))
	accept = true
	l.HandOver(ctx, channels.NewMessage("work", channels.Content{"n": "3"}))
	for _, want := range []string{"2", "3"} {
		if _, c, err := l.Receive(ctx, "work"); err != nil || c.String("n") != want {
			t.Fatalf("received %v, %v; want n=%s", c, err, want)
		}
	}
	if len(got) != 1 {
		t.Errorf("consumed inline %q, want only the first", got)
	}
	// Once the queue is empty again, messages are consumed inline again.
	l.HandOver(ctx, channels.NewMessage("work", channels.Content{"n": "3b"}))
	if len(got) != 2 || got[1] != "3b" {
		t.Fatalf("consumed inline %q, want [1 3b]", got)
	}

	// Plain sends and stopped consumers queue.
	l.SendOwned(ctx, "work", channels.Content{"n": "4"})
	stop()
	l.HandOver(ctx, channels.NewMessage("work", channels.Content{"n": "5"}))
	for _, want := range []string{"4", "5"} {
		if _, c, err := l.Receive(ctx, "work"); err != nil || c.String("n") != want {
			t.Fatalf("received %v, %v; want n=%s", c, err, want)
		}
	}
	if len(got) != 2 {
		t.Errorf("consumed inline %q after SendOwned and stop", got)
	}
}

// textReceiver records what a LocalReceiver is given.
type textReceiver struct {
	got   []string
	texts int // DeliverText calls
}

func (r *textReceiver) Deliver(ch string, c channels.Content, owned bool) {
	r.got = append(r.got, fmt.Sprintf("Deliver %s %v owned=%v", ch, c, owned))
}

func (r *textReceiver) DeliverText(ch, text string) {
	if r.texts++; r.texts == 1 {
		r.got = append(r.got, "DeliverText "+ch+" "+text)
	}
}

// TestMemorySendText: a text frame to a locally delivered channel reaches
// its receiver's DeliverText, with no allocation; to any other channel, or
// after stop, it is queued as {"text": text}; a closed layer refuses it.
func TestMemorySendText(t *testing.T) {
	ctx := context.Background()
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	r := &textReceiver{}
	stop, err := l.DeliverLocal("reply!", r)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SendText(ctx, "reply!a", "one"); err != nil {
		t.Fatal(err)
	}
	if len(r.got) != 1 || r.got[0] != "DeliverText reply!a one" {
		t.Fatalf("delivered %q; want [DeliverText reply!a one]", r.got)
	}
	if n := testing.AllocsPerRun(100, func() { l.SendText(ctx, "reply!a", "two") }); n > 0 {
		t.Errorf("SendText to a delivered channel: %v allocations; want none", n)
	}
	if r.texts != 102 || len(r.got) != 1 {
		t.Errorf("DeliverText called %d times (want 102), other calls %q", r.texts, r.got[1:])
	}
	// The receiver's name is valid: what follows its ! is checked.
	for _, bad := range []string{"reply!bad name", "reply!a!b", "reply!a?", "reply!" + strings.Repeat("a", channels.MaxNameLength)} {
		if err := l.SendText(ctx, bad, "x"); err == nil {
			t.Errorf("SendText to the invalid name %q succeeded", bad)
		}
	}
	if r.texts != 102 || len(r.got) != 1 {
		t.Errorf("invalid names reached the receiver: %d DeliverText calls, others %q", r.texts, r.got[1:])
	}

	stop()
	for _, ch := range []string{"reply!b", "plain"} {
		if err := l.SendText(ctx, ch, "three"); err != nil {
			t.Fatal(err)
		}
		if _, c, err := l.Receive(ctx, channels.NonLocalName(ch)); err != nil || len(c) != 1 || c.String("text") != "three" {
			t.Errorf("received %v, %v on %s; want {text: three}", c, err, ch)
		}
	}
	if err := l.SendText(ctx, "bad name", "x"); err == nil {
		t.Error("SendText to an invalid name succeeded")
	}
	l.Close()
	if err := l.SendText(ctx, "reply!a", "x"); !errors.Is(err, channels.ErrClosed) {
		t.Errorf("SendText on a closed layer = %v; want ErrClosed", err)
	}
}

// TestMemoryDeliverLocalOwnership: a local receiver may keep what was
// handed over (SendOwned, or queued before DeliverLocal) and must copy
// what was sent with Send.
func TestMemoryDeliverLocalOwnership(t *testing.T) {
	ctx := context.Background()
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	l.Send(ctx, "reply!q", channels.Content{"n": int64(0)})
	r := &textReceiver{}
	if _, err := l.DeliverLocal("reply!", r); err != nil {
		t.Fatal(err)
	}
	l.Send(ctx, "reply!a", channels.Content{"n": int64(1)})
	l.SendOwned(ctx, "reply!a", channels.Content{"n": int64(2)})
	want := []string{
		"Deliver reply!q map[n:0] owned=true",
		"Deliver reply!a map[n:1] owned=false",
		"Deliver reply!a map[n:2] owned=true",
	}
	if fmt.Sprint(r.got) != fmt.Sprint(want) {
		t.Errorf("delivered %q; want %q", r.got, want)
	}
}

// countingReceiver counts what it is given, from any goroutine.
type countingReceiver struct{ n atomic.Int64 }

func (r *countingReceiver) Deliver(string, channels.Content, bool) { r.n.Add(1) }
func (r *countingReceiver) DeliverText(string, string)             { r.n.Add(1) }

// TestMemoryDeliverLocalWhileSending: a message sent while DeliverLocal
// registers its receiver reaches that receiver, whichever comes first; it
// is never left in a queue that nobody receives from.
func TestMemoryDeliverLocalWhileSending(t *testing.T) {
	ctx := context.Background()
	for i := range 2000 {
		l := channels.NewMemoryLayer(channels.MemoryConfig{})
		r := &countingReceiver{}
		sent, start := make(chan error, 1), make(chan struct{})
		go func() {
			<-start
			if i%2 == 0 {
				sent <- l.Send(ctx, "reply!a", channels.Content{"n": int64(i), "list": []any{"a", "b"}})
			} else {
				sent <- l.SendText(ctx, "reply!a", "text")
			}
		}()
		close(start)
		if _, err := l.DeliverLocal("reply!", r); err != nil {
			t.Fatal(err)
		}
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
		if n := r.n.Load(); n != 1 {
			t.Fatalf("run %d: the receiver got %d messages; want 1", i, n)
		}
	}
}
