package channels

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair is both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestSocketReaderReadsTheDescriptor(t *testing.T) {
	server, client := tcpPair(t)
	r := socketReader(server, socketDescriptor(server))
	if _, ok := r.(*descriptorReader); !ok {
		t.Fatalf("a TCP socket is read through %T, want its descriptor", r)
	}
	go client.Write([]byte("hello"))
	buf := make([]byte, 16)
	n, err := io.ReadAtLeast(r, buf, 5) // waits in the netpoller until it comes
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read %q, %v; want hello", buf[:n], err)
	}
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Errorf("an empty read gives %d, %v; want 0, nil", n, err)
	}

	server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = r.Read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("a read past the deadline gives %v, want a timeout", err)
	}
	server.SetReadDeadline(time.Time{})

	client.Close()
	if _, err := r.Read(buf); err != io.EOF {
		t.Errorf("a read after the peer closed gives %v, want io.EOF", err)
	}
}

func TestSocketReaderOfAConnWithoutDescriptor(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if r := socketReader(a, socketDescriptor(a)); r != io.Reader(a) {
		t.Errorf("a pipe is read through %T, want its own Read", r)
	}
}

func TestWriterWritesTheDescriptor(t *testing.T) {
	server, client := tcpPair(t)
	w := newWSWriter(server, socketDescriptor(server), time.Second, 4, func() {})
	if w.raw == nil {
		t.Fatal("the writer of a TCP socket has no descriptor")
	}
	if err := w.send([]byte("frame"), dataFrame, true); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(client, buf); err != nil || string(buf) != "frame" {
		t.Errorf("the client read %q, %v; want frame", buf, err)
	}
}
