//go:build !linux || race

package channels

import "syscall"

// rawRead reads from the non-blocking descriptor fd into p. Outside Linux
// it is an ordinary system call, and so it is under the race detector,
// which takes a write to a descriptor and a read of one as an order
// between goroutines (tests that wait for an answer rely on that).
func rawRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	return max(n, 0), errnoOf(err)
}

// rawWrite writes p to the non-blocking descriptor fd.
func rawWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Write(int(fd), p)
	return max(n, 0), errnoOf(err)
}

func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if errno, ok := err.(syscall.Errno); ok {
		return errno
	}
	return syscall.EIO
}
