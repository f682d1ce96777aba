package channels

import (
	"io"
	"net"
	"syscall"
)

// A WebSocket's socket is read and written through its descriptor, with
// the system calls of rawRead and rawWrite. On Linux they are raw calls
// (server_rawio_linux.go): the socket is non-blocking, Go's netpoller
// waits for it, so a read or a write returns at once, and the runtime's
// bookkeeping of a call that might block (entersyscall, exitsyscall) is
// only cost. Worse, the first such call after the process was idle wakes
// the runtime's monitor thread (sysmon), which then polls every 20 µs
// until the process is idle again: at one call in flight, a futex wake
// and a run of timer wake-ups per call, on a CPU that a client or another
// process wanted. Go's netpoller makes its own calls the raw way. A raw
// call keeps its goroutine's P, right for a call that cannot block, and
// sysmon still wakes for the process's timers (every connection has its
// ping and read deadline) and for any other code's system calls; only
// a socket in non-blocking mode is used so (socketDescriptor). Under the
// race detector, and outside Linux, they are ordinary system calls
// (server_rawio_other.go).

// socketDescriptor is conn's descriptor, when it has one in non-blocking
// mode, as every socket of package net has; nil otherwise (TLS).
func socketDescriptor(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil || !nonBlocking(raw) {
		return nil
	}
	return raw
}

// socketReader reads conn through raw, its descriptor (socketDescriptor),
// or through conn's Read when raw is nil.
func socketReader(conn net.Conn, raw syscall.RawConn) io.Reader {
	if raw == nil {
		return conn
	}
	r := &descriptorReader{raw: raw}
	r.readFn = r.readFD
	return r
}

// descriptorReader is an io.Reader of a socket's descriptor. A read waits
// in the netpoller as the socket's own Read would, and honours the
// socket's deadlines.
type descriptorReader struct {
	raw    syscall.RawConn
	readFn func(fd uintptr) bool // r.readFD, bound once: no allocation per read
	p      []byte                // the running read's buffer
	n      int
	err    error
}

func (r *descriptorReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.p, r.n, r.err = p, 0, nil
	err := r.raw.Read(r.readFn)
	n := r.n
	if err == nil {
		err = r.err
	}
	r.p, r.err = nil, nil
	if n == 0 && err == nil {
		err = io.EOF
	}
	return n, err
}

// readFD is Read's step on the descriptor; false asks the netpoller to
// wait until the socket is readable.
func (r *descriptorReader) readFD(fd uintptr) bool {
	for {
		n, errno := rawRead(fd, r.p)
		switch errno {
		case 0:
			r.n = n
			return true
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			r.err = errno
			return true
		}
	}
}

// nonBlocking tells whether raw's descriptor is in non-blocking mode.
func nonBlocking(raw syscall.RawConn) bool {
	var flags uintptr
	var errno syscall.Errno
	if err := raw.Control(func(fd uintptr) {
		flags, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	}); err != nil || errno != 0 {
		return false
	}
	return flags&syscall.O_NONBLOCK != 0
}
