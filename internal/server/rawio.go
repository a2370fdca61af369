package server

import (
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"unsafe"
)

// Connection reads and writes as raw system calls.
//
// net.Conn's Read and Write enter the scheduler's syscall state for every
// call. A loopback write runs the receiver's TCP processing inline and
// often lasts longer than the runtime's 20 µs sysmon tick; the monitor then
// hands the processor to another thread, and the two threads trade it back
// with futex wake-ups and context switches. Measured on this project's
// 1-CPU pinned benchmark, that monitor/handoff traffic was a fifth of the
// server's CPU time at pipeline 1. The sockets are non-blocking (the
// runtime's poller owns them), so a raw read or write never blocks: it
// returns EAGAIN, and RawConn then parks the goroutine on the poller exactly
// as net.Conn would, deadlines included.

// rawReader reads a connection with raw read(2) calls. It is used by one
// goroutine at a time (the client's reader).
type rawReader struct {
	rc syscall.RawConn
	// Inside serveRaw's read session, Read calls read(2) on fd directly
	// (the session holds the descriptor) and reports EAGAIN as
	// errWouldBlock; drained records that the last read left the socket
	// empty (it returned less than asked).
	session bool
	drained bool
	fd      uintptr
	p       []byte
	n       int
	errno   syscall.Errno
	readFn  func(fd uintptr) bool // bound once: no closure per read
}

// rawWriter writes a connection with raw write(2) calls; safe for
// concurrent use like net.Conn.Write (a reply and an async outbox flush
// never interleave within one Write).
type rawWriter struct {
	mu      sync.Mutex
	rc      syscall.RawConn
	p       []byte
	errno   syscall.Errno
	writeFn func(fd uintptr) bool
	tryFn   func(fd uintptr) bool
}

// newRawIO returns raw-syscall reader and writer for conn, or conn itself
// for both when it is not a plain socket (TLS, pipes in tests).
func newRawIO(conn net.Conn) (io.Reader, io.Writer) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return conn, conn
	}
	switch conn.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return conn, conn
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return conn, conn
	}
	r := &rawReader{rc: rc}
	r.readFn = r.read
	w := &rawWriter{rc: rc}
	w.writeFn = w.write
	w.tryFn = w.tryWrite
	return r, w
}

func (r *rawReader) read(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(r.p))), uintptr(len(r.p)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // wait for the poller
		}
		r.n, r.errno = int(n), e
		return true
	}
}

// errWouldBlock is Read's answer inside a session when no input is ready.
var errWouldBlock = errors.New("read would block")

// Read implements io.Reader.
func (r *rawReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if r.session {
		return r.readNow(p)
	}
	r.p, r.n, r.errno = p, 0, 0
	err := r.rc.Read(r.readFn)
	r.p = nil
	if err != nil {
		return 0, err // closed, or a deadline passed
	}
	if r.errno != 0 {
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: r.errno}
	}
	if r.n == 0 {
		return 0, io.EOF
	}
	return r.n, nil
}

// readNow is one non-blocking read inside the session.
func (r *rawReader) readNow(p []byte) (int, error) {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, r.fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
		switch e {
		case 0:
			if n == 0 {
				return 0, io.EOF
			}
			r.drained = int(n) < len(p)
			return int(n), nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, errWouldBlock
		default:
			return 0, &net.OpError{Op: "read", Net: "tcp", Err: e}
		}
	}
}

func (w *rawWriter) write(fd uintptr) bool {
	for len(w.p) > 0 {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(w.p))), uintptr(len(w.p)))
		switch e {
		case 0:
			w.p = w.p[n:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false // socket buffer full: wait for the poller
		default:
			w.errno = e
			return true
		}
	}
	return true
}

// tryWrite is write that gives up when the socket buffer is full.
func (w *rawWriter) tryWrite(fd uintptr) bool {
	for len(w.p) > 0 {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(w.p))), uintptr(len(w.p)))
		switch e {
		case 0:
			w.p = w.p[n:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			return true // full: the caller queues the rest
		default:
			w.errno = e
			return true
		}
	}
	return true
}

// TryWrite writes what the socket takes without waiting; it returns how
// many bytes were written (fewer than len(p) when the socket is full).
func (w *rawWriter) TryWrite(p []byte) (int, error) { return w.writeWith(p, w.tryFn) }

// Write implements io.Writer: it writes all of p or fails.
func (w *rawWriter) Write(p []byte) (int, error) { return w.writeWith(p, w.writeFn) }

// writeWith runs fn (writeFn waits for the poller, tryFn does not) in one
// RawConn write session and reports what it wrote.
func (w *rawWriter) writeWith(p []byte, fn func(fd uintptr) bool) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.p, w.errno = p, 0
	err := w.rc.Write(fn)
	written := len(p) - len(w.p)
	w.p = nil
	if err != nil {
		return written, err
	}
	if w.errno != 0 {
		return written, &net.OpError{Op: "write", Net: "tcp", Err: w.errno}
	}
	return written, nil
}
