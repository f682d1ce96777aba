package channels

import (
	"net"
	"os"
	"syscall"
	"testing"
)

// blockingConn is a net.Conn whose descriptor is a pipe in blocking mode.
type blockingConn struct {
	net.Conn
	f *os.File
}

func (c blockingConn) SyscallConn() (syscall.RawConn, error) { return c.f.SyscallConn() }

func TestSocketDescriptorOnlyInNonBlockingMode(t *testing.T) {
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil { // blocking, unlike os.Pipe's
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fds[0]), "blocking pipe")
	defer f.Close()
	defer syscall.Close(fds[1])
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if raw := socketDescriptor(blockingConn{a, f}); raw != nil {
		t.Error("a descriptor in blocking mode is used for raw system calls")
	}
	server, _ := tcpPair(t)
	if socketDescriptor(server) == nil {
		t.Error("a TCP socket's descriptor is not used")
	}
}
