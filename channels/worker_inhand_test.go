package channels

import (
	"fmt"
	"testing"
)

func handMessage(channel, reply string) *Message {
	return NewMessage(channel, Content{"reply_channel": reply})
}

// TestHandTableOrdersAConnection checks that a connection's messages run
// one at a time, in the order claimed, and that its entry stays when it
// goes idle, so that the next message finds it.
func TestHandTableOrdersAConnection(t *testing.T) {
	tab := newHandTable()
	obs := observerOr(nil)
	first, second, third := handMessage("websocket.receive", "r!1"), handMessage("websocket.receive", "r!1"), handMessage("websocket.receive", "r!1")
	if !tab.claim(first, obs) {
		t.Fatal("the first message of an idle connection did not run")
	}
	if tab.claim(second, obs) || tab.claim(third, obs) {
		t.Fatal("a message ran beside the one in hand")
	}
	if next := tab.release(first, obs); next != second {
		t.Fatalf("after the first, release gave %p, want the second %p", next, second)
	}
	if next := tab.release(second, obs); next != third {
		t.Fatalf("after the second, release gave %p, want the third %p", next, third)
	}
	if next := tab.release(third, obs); next != nil {
		t.Fatalf("after the last, release gave %p, want nil", next)
	}
	if n := len(tab.byReply); n != 1 {
		t.Fatalf("%d entries once idle, want the idle connection's 1", n)
	}
	again := handMessage("websocket.receive", "r!1")
	if !tab.claim(again, obs) {
		t.Fatal("a message of the idle connection did not run")
	}
	if tab.idle != 0 {
		t.Fatalf("idle = %d with the only connection busy", tab.idle)
	}
}

// TestHandTableSweepsIdleConnections checks that the table of a worker
// that served many connections, one message each, stays within twice what
// is in hand plus sweepFloor, and that a connection in hand survives the
// sweeps.
func TestHandTableSweepsIdleConnections(t *testing.T) {
	tab := newHandTable()
	obs := observerOr(nil)
	busy := handMessage("websocket.receive", "r!busy")
	if !tab.claim(busy, obs) {
		t.Fatal("busy did not run")
	}
	for i := range 10 * sweepFloor {
		m := handMessage("http.request", fmt.Sprintf("r!%d", i))
		if !tab.claim(m, obs) {
			t.Fatalf("message %d of a new connection did not run", i)
		}
		if next := tab.release(m, obs); next != nil {
			t.Fatalf("release of %d gave a message", i)
		}
		if n := len(tab.byReply); n > 2*1+sweepFloor+1 {
			t.Fatalf("after %d connections, %d entries for 1 in hand", i+1, n)
		}
	}
	if len(tab.spare) == 0 || len(tab.spare) > sweepFloor {
		t.Fatalf("%d spare entries, want 1 to %d", len(tab.spare), sweepFloor)
	}
	queued := handMessage("websocket.receive", "r!busy")
	if tab.claim(queued, obs) {
		t.Fatal("a message of the busy connection ran beside the one in hand after the sweeps")
	}
	if next := tab.release(busy, obs); next != queued {
		t.Fatal("the queued message of the busy connection was lost in a sweep")
	}
}

// TestHandTableDisconnectCancelsTheCallInHand checks that a disconnect
// queued behind a call cancels it.
func TestHandTableDisconnectCancelsTheCallInHand(t *testing.T) {
	tab := newHandTable()
	obs := observerOr(nil)
	call := handMessage("websocket.receive", "r!1")
	if !tab.claim(call, obs) {
		t.Fatal("the call did not run")
	}
	if tab.claim(handMessage("websocket.disconnect", "r!1"), obs) {
		t.Fatal("the disconnect ran beside the call")
	}
	if call.call.Err() == nil {
		t.Fatal("the call in hand was not cancelled by its connection's disconnect")
	}
}

// TestHandTableReleaseOfARenamedMessage checks that a message whose reply
// channel a consumer changed frees its own connection, and not the entry
// of another.
func TestHandTableReleaseOfARenamedMessage(t *testing.T) {
	tab := newHandTable()
	obs := observerOr(nil)
	m := handMessage("websocket.receive", "r!1")
	other := handMessage("websocket.receive", "r!2")
	if !tab.claim(m, obs) || !tab.claim(other, obs) {
		t.Fatal("a message of an idle connection did not run")
	}
	m.Content()["reply_channel"] = "r!2"
	if next := tab.release(m, obs); next != nil {
		t.Fatalf("release of the renamed message gave %p", next)
	}
	if tab.claim(handMessage("websocket.receive", "r!2"), obs) {
		t.Fatal("the release of the renamed message freed the other connection")
	}
	if !tab.claim(handMessage("websocket.receive", "r!1"), obs) {
		t.Fatal("the renamed message's own connection stayed busy")
	}
}
