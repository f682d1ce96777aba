package channels

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// wsWriter is the only writer of a WebSocket's frames. A frame is written at
// once by the goroutine that sends it when nothing is queued and the socket
// takes it without blocking: the common case costs no goroutine switch.
// Otherwise it is queued, and a flusher goroutine, started for the queue and
// gone once it is written, writes it, blocking on the socket as long as
// WriteTimeout allows; an idle connection has no writer goroutine. No lock
// is held during a write: ownership of the socket passes between goroutines
// through the owner flag.
type wsWriter struct {
	conn    net.Conn
	raw     syscall.RawConn // nil when the socket has no descriptor (TLS): always queue
	timeout time.Duration
	limit   int // the most data frames that may wait

	mu         sync.Mutex
	queue      [][]byte    // frames waiting
	partial    bool        // queue[0] is the rest of a frame partly written
	pongAt     int         // the index in queue of a waiting pong, or -1
	owner      bool        // a goroutine is writing the socket
	closed     bool        // a close frame was queued: later frames are dropped
	held       bool        // frames wait for release: the reader has a burst in hand
	holdLimit  int         // the frames a hold keeps at most
	holdTimer  *time.Timer // releases a hold after maxHold
	failed     bool        // the socket failed: everything is dropped
	cutAt      time.Time
	idle       chan struct{} // signalled each time the socket has no owner, while idleWanted
	idleWanted bool          // finishWrites or awaitRoom waits for idle
	done       chan struct{} // closed once the close frame is written or the socket failed
	stalled    func()        // called when a blocking write times out: the client stopped reading

	// writeNow's state, used by the owner only.
	now     []byte
	nowN    int
	nowErr  error
	writeFn func(fd uintptr) bool // w.writeFD, bound once: no allocation per write
	batch   []byte                // release's buffer, reused
	scratch []byte                // sendText's buffer for frames written at once, reused
}

var errQueueFull = errors.New("channels: send queue full")

// maxBatchKept is the largest release buffer a connection keeps between
// bursts; a larger one is left to the garbage collector.
const maxBatchKept = 64 << 10

// The kinds of frames: data frames count against the queue's limit,
// control frames do not (a waiting pong is replaced by a newer one, as RFC
// 6455 allows), and a close frame is the last one written.
type frameKind uint8

const (
	dataFrame frameKind = iota
	pongFrame
	pingFrame
	closingFrame
)

// newWSWriter is the writer of conn, whose descriptor is raw (nil: none,
// every frame queued for the writer goroutine).
func newWSWriter(conn net.Conn, raw syscall.RawConn, timeout time.Duration, limit int, stalled func()) *wsWriter {
	w := &wsWriter{conn: conn, raw: raw, timeout: timeout, limit: limit, pongAt: -1, stalled: stalled,
		idle: make(chan struct{}, 1), done: make(chan struct{})}
	w.writeFn = w.writeFD
	return w
}

// send writes frame at once when inline is set, the socket is free and
// takes it without blocking; otherwise it queues frame for the writer
// goroutine. It never blocks on the socket. It fails only when a data frame
// finds the queue full: the client is not reading.
func (w *wsWriter) send(frame []byte, kind frameKind, inline bool) error {
	return w.sendFrame(kind, inline, frame, 0, "")
}

// sendText is send for a data frame of op and text: a frame written at
// once is encoded into a buffer the writer reuses, not a new one.
func (w *wsWriter) sendText(op byte, text string, inline bool) error {
	return w.sendFrame(dataFrame, inline, nil, op, text)
}

// sendFrame queues frame, or writes it at once; a nil frame is the data
// frame of op and text, which a write at once encodes into w.scratch.
func (w *wsWriter) sendFrame(kind frameKind, inline bool, frame []byte, op byte, text string) error {
	w.mu.Lock()
	if w.failed || w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = kind == closingFrame
	reused := frame == nil
	if !inline || w.owner || w.held || len(w.queue) > 0 || w.raw == nil {
		if reused {
			frame = appendFrame(nil, op, text)
		}
		err := w.enqueue(frame, kind)
		w.mu.Unlock()
		return err
	}
	w.owner = true
	w.mu.Unlock()

	if reused {
		w.scratch = appendFrame(w.scratch[:0], op, text)
		frame = w.scratch
	}
	n, err := w.writeNow(frame)
	if cap(w.scratch) > maxBatchKept {
		w.scratch = nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case err != nil:
		w.fail()
	case n < len(frame):
		rest := frame[n:]
		if reused {
			rest = bytes.Clone(rest)
		}
		w.queue = append([][]byte{rest}, w.queue...)
		w.partial = true
		if w.pongAt >= 0 {
			w.pongAt++
		}
		w.owner = false
		w.handOff()
	default:
		w.owner = false
		if w.closed && len(w.queue) == 0 {
			w.finish()
		}
		w.handOff()
	}
	return nil
}

// enqueue queues frame for the writer goroutine. w.mu is held.
func (w *wsWriter) enqueue(frame []byte, kind frameKind) error {
	switch kind {
	case dataFrame:
		if w.queued() >= w.limit {
			return errQueueFull
		}
	case pongFrame:
		if w.pongAt >= 0 {
			w.queue[w.pongAt] = frame // only the latest ping needs an answer
			return nil
		}
		w.pongAt = len(w.queue)
	}
	w.queue = append(w.queue, frame)
	if w.held && w.queued() >= w.holdLimit {
		w.held = false // a hold never fills the queue, whoever sends
	}
	w.handOff()
	return nil
}

// queued is the number of data frames waiting, roughly: control frames
// are few. w.mu is held.
func (w *wsWriter) queued() int {
	if w.pongAt >= 0 {
		return len(w.queue) - 1
	}
	return len(w.queue)
}

// cut gives the socket until grace from now to take what is being written;
// the frames still waiting are dropped, so that a close frame sent next is
// the next one written.
func (w *wsWriter) cut(grace time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.cutAt.IsZero() {
		return
	}
	w.cutAt = time.Now().Add(grace)
	w.conn.SetWriteDeadline(w.cutAt)
	keep := 0
	if w.partial {
		keep = 1
	}
	clear(w.queue[keep:])
	w.queue, w.pongAt = w.queue[:keep], -1
}

// fail drops everything after a failed write. w.mu is held.
func (w *wsWriter) fail() {
	w.failed, w.owner, w.queue, w.pongAt = true, false, nil, -1
	w.conn.Close()
	w.finish()
	w.handOff() // idle now
}

// finish tells that nothing more will be written. w.mu is held.
func (w *wsWriter) finish() {
	select {
	case <-w.done:
	default:
		close(w.done)
	}
}

// handOff starts a flusher goroutine when frames wait and nobody writes,
// and otherwise tells, when nobody writes, that the socket is idle. w.mu is
// held.
func (w *wsWriter) handOff() {
	if w.owner {
		return
	}
	if w.held || len(w.queue) == 0 {
		if w.idleWanted {
			select {
			case w.idle <- struct{}{}:
			default:
			}
		}
		return
	}
	w.owner = true
	go func() {
		if err := w.flush(); errors.Is(err, os.ErrDeadlineExceeded) && w.stalled != nil {
			w.stalled()
		}
	}()
}

// finishWrites writes what is queued, waiting for a flusher at work, for
// at most WriteTimeout; frames sent later are dropped. The connection is
// closed next.
func (w *wsWriter) finishWrites() {
	end := time.NewTimer(w.timeout)
	defer end.Stop()
	for {
		w.mu.Lock()
		w.held = false
		if !w.owner {
			if len(w.queue) == 0 || w.failed {
				w.failed = true
				w.mu.Unlock()
				return
			}
			w.owner = true
			w.mu.Unlock()
			w.flush()
			continue
		}
		w.idleWanted = true
		w.mu.Unlock()
		select {
		case <-w.idle:
		case <-end.C:
			return
		}
	}
}

// writeNow writes as much of frame as the socket takes without blocking.
// Only the owner calls it, so it may keep its state in w.
func (w *wsWriter) writeNow(frame []byte) (int, error) {
	w.now, w.nowN, w.nowErr = frame, 0, nil
	err := w.raw.Write(w.writeFn)
	n, werr := w.nowN, w.nowErr
	w.now, w.nowErr = nil, nil
	if err != nil {
		return n, err
	}
	return n, werr
}

// writeFD is writeNow's step on the descriptor; it never asks to wait.
func (w *wsWriter) writeFD(fd uintptr) bool {
	for w.nowN < len(w.now) {
		m, errno := rawWrite(fd, w.now[w.nowN:])
		switch errno {
		case 0:
			w.nowN += m
		case syscall.EINTR:
		case syscall.EAGAIN:
			return true // full: the writer goroutine waits for room
		default:
			w.nowErr = errno
			return true
		}
	}
	return true
}

// flush is run by a flusher goroutine when it owns the socket: it writes
// the queue until it is empty, blocking as long as the write timeout allows.
// A failed write closes the socket and is returned.
func (w *wsWriter) flush() error {
	for {
		w.mu.Lock()
		frames := w.queue
		w.queue, w.partial, w.pongAt = nil, false, -1
		if len(frames) == 0 || w.failed {
			w.owner = false
			if w.closed && !w.failed {
				w.finish()
			}
			w.handOff() // idle now
			w.mu.Unlock()
			return nil
		}
		deadline := time.Now().Add(w.timeout)
		if !w.cutAt.IsZero() && w.cutAt.Before(deadline) {
			deadline = w.cutAt
		}
		w.mu.Unlock()
		w.conn.SetWriteDeadline(deadline)
		bufs := net.Buffers(frames)
		if _, err := bufs.WriteTo(w.conn); err != nil {
			w.mu.Lock()
			w.fail()
			w.mu.Unlock()
			return err
		}
	}
}

// WebSocket opcodes.
const (
	opContinuation = 0
	opText         = 1
	opBinary       = 2
	opClose        = 8
	opPing         = 9
	opPong         = 10
)

// frame encodes one unmasked, final frame, as a server sends it.
func frame[P string | []byte](op byte, payload P) []byte {
	return appendFrame(nil, op, payload)
}

// appendFrame appends the frame of op and payload to b; to a nil b, in one
// allocation of the frame's size.
func appendFrame[P string | []byte](b []byte, op byte, payload P) []byte {
	n := len(payload)
	if b == nil {
		b = make([]byte, 0, 10+n)
	}
	b = append(b, 0x80|op)
	switch {
	case n < 126:
		b = append(b, byte(n))
	case n <= 0xFFFF:
		b = append(b, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

func closeFrame(code int) []byte {
	var p [2]byte
	binary.BigEndian.PutUint16(p[:], uint16(code))
	return frame(opClose, p[:])
}
