package channels

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// Calls that start within one slice share a context; each gets at least
// the timeout and at most a slice more; a later call gets a new context.
func TestDeadlinesShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 10 * time.Second
		d := newDeadlines(context.Background(), timeout)
		if d.slice != 100*time.Millisecond {
			t.Fatalf("slice %v, want 100ms", d.slice)
		}
		check := func(ctx context.Context) {
			t.Helper()
			deadline, ok := ctx.Deadline()
			left := time.Until(deadline)
			if !ok || left < timeout || left > timeout+d.slice {
				t.Errorf("deadline in %v, want between %v and %v", left, timeout, timeout+d.slice)
			}
		}
		first := d.get()
		check(first)
		time.Sleep(d.slice / 2)
		if second := d.get(); second != first {
			t.Errorf("a call within the slice got a context of its own")
		}
		time.Sleep(d.slice)
		third := d.get()
		check(third)
		if third == first {
			t.Errorf("a call after the slice got the old context")
		}
		time.Sleep(timeout + 2*d.slice)
		if first.Err() != context.DeadlineExceeded || third.Err() != context.DeadlineExceeded {
			t.Errorf("after the deadline: %v, %v", first.Err(), third.Err())
		}
	})
}
