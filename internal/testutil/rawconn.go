package testutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DefaultTimeout is the per-operation deadline of a RawConn unless changed
// with SetTimeout.
const DefaultTimeout = 5 * time.Second

// maxBulkLen bounds the bulk and aggregate lengths RawConn accepts, so that a
// corrupt reply cannot make the client allocate unbounded memory.
const maxBulkLen = 1 << 30

// RawConn is a minimal RESP client that returns replies as raw bytes, for
// byte-exact comparisons. It understands every RESP2 and RESP3 reply type.
// It is not safe for concurrent use.
type RawConn struct {
	t       testing.TB
	addr    string
	conn    net.Conn
	r       *bufio.Reader
	timeout time.Duration
	once    sync.Once
}

// Dial connects to addr and returns a RawConn that is closed at cleanup.
// It calls t.Fatal if the connection cannot be established within the
// default timeout.
func Dial(t testing.TB, addr string) *RawConn {
	t.Helper()
	c, err := DialErr(t, addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return c
}

// DialErr is like Dial but returns the error instead of failing the test.
func DialErr(t testing.TB, addr string) (*RawConn, error) {
	conn, err := net.DialTimeout("tcp", addr, DefaultTimeout)
	if err != nil {
		return nil, err
	}
	c := &RawConn{
		t:       t,
		addr:    addr,
		conn:    conn,
		r:       bufio.NewReaderSize(conn, 64*1024),
		timeout: DefaultTimeout,
	}
	t.Cleanup(c.Close)
	return c, nil
}

// Addr returns the address the connection was dialed to.
func (c *RawConn) Addr() string { return c.addr }

// SetTimeout changes the deadline applied to each subsequent read or write.
func (c *RawConn) SetTimeout(d time.Duration) { c.timeout = d }

// Do sends args as a RESP multibulk request and returns exactly one raw
// reply. It calls t.Fatal on IO errors (including the 5 s deadline).
func (c *RawConn) Do(args ...string) []byte {
	c.t.Helper()
	c.Send(args...)
	reply, err := c.ReadReply()
	if err != nil {
		c.t.Fatalf("%s: reading reply to %q: %v", c.addr, args, err)
	}
	return reply
}

// Send writes args as a RESP multibulk request without reading a reply.
// It calls t.Fatal on IO errors.
func (c *RawConn) Send(args ...string) {
	c.t.Helper()
	if err := c.Write(EncodeCommand(args...)); err != nil {
		c.t.Fatalf("%s: sending %q: %v", c.addr, args, err)
	}
}

// WriteRaw writes b as is (for protocol error tests and inline commands).
// It calls t.Fatal on IO errors.
func (c *RawConn) WriteRaw(b []byte) {
	c.t.Helper()
	if err := c.Write(b); err != nil {
		c.t.Fatalf("%s: writing raw bytes: %v", c.addr, err)
	}
}

// Write writes b as is and returns any IO error instead of failing the
// test; useful when the server may legitimately close the connection while
// the client is still writing.
func (c *RawConn) Write(b []byte) error {
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return err
	}
	_, err := c.conn.Write(b)
	return err
}

// ReadReply reads one complete raw reply. An RESP3 attribute (|) is returned
// together with the reply it annotates.
func (c *RawConn) ReadReply() ([]byte, error) {
	if err := c.conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err := readRaw(c.r, &buf)
	return buf.Bytes(), err
}

// ReadAll returns everything the server sends until it closes the
// connection or the timeout elapses (for "server closes connection" cases).
func (c *RawConn) ReadAll(timeout time.Duration) []byte {
	b, _ := c.ReadUntilClose(timeout)
	return b
}

// ReadUntilClose is like ReadAll and also reports whether the server closed
// the connection (EOF or reset) before the timeout elapsed.
func (c *RawConn) ReadUntilClose(timeout time.Duration) (data []byte, closed bool) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	data, err := io.ReadAll(c.r)
	if err == nil {
		return data, true
	}
	return data, IsClosedErr(err)
}

// Close closes the connection. It is safe to call more than once.
func (c *RawConn) Close() {
	c.once.Do(func() { _ = c.conn.Close() })
}

// IsClosedErr reports whether err means the peer closed the connection
// (EOF, reset, broken pipe) as opposed to a timeout or a protocol error.
func IsClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed)
}

// IsTimeoutErr reports whether err is a deadline expiry.
func IsTimeoutErr(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}

// EncodeCommand encodes args as a RESP multibulk request.
func EncodeCommand(args ...string) []byte {
	var b bytes.Buffer
	b.WriteByte('*')
	b.WriteString(strconv.Itoa(len(args)))
	b.WriteString("\r\n")
	for _, a := range args {
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(len(a)))
		b.WriteString("\r\n")
		b.WriteString(a)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// readLine reads one CRLF-terminated line, appends it (with CRLF) to buf
// and returns it without the terminator.
func readLine(r *bufio.Reader, buf *bytes.Buffer) ([]byte, error) {
	start := buf.Len()
	for {
		frag, err := r.ReadSlice('\n')
		buf.Write(frag)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return nil, err
	}
	line := buf.Bytes()[start:]
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("RESP line not terminated by CRLF: %q", line)
	}
	return line[:len(line)-2], nil
}

// readRaw reads one reply from r, appending its exact bytes to buf.
func readRaw(r *bufio.Reader, buf *bytes.Buffer) error {
	line, err := readLine(r, buf)
	if err != nil {
		return err
	}
	if len(line) == 0 {
		return errors.New("empty RESP line")
	}
	typ, rest := line[0], string(line[1:])
	switch typ {
	case '+', '-', ':', '_', ',', '#', '(':
		return nil
	case '$', '!', '=':
		n, err := parseLen(rest, typ == '$')
		if err != nil {
			return err
		}
		if n < 0 {
			return nil
		}
		start := buf.Len()
		if _, err := io.CopyN(buf, r, int64(n)+2); err != nil {
			return err
		}
		if b := buf.Bytes(); b[len(b)-2] != '\r' || b[len(b)-1] != '\n' {
			return fmt.Errorf("bulk payload not terminated by CRLF: %q", b[start:])
		}
		return nil
	case '*', '~', '>', '%', '|':
		n, err := parseLen(rest, typ == '*')
		if err != nil {
			return err
		}
		if typ == '%' || typ == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readRaw(r, buf); err != nil {
				return err
			}
		}
		if typ == '|' {
			// An attribute annotates the reply that follows it.
			return readRaw(r, buf)
		}
		return nil
	default:
		return fmt.Errorf("unexpected RESP type byte %q in line %q", typ, line)
	}
}

func parseLen(s string, allowNull bool) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("invalid RESP length %q", s)
	}
	if n == -1 && allowNull {
		return -1, nil
	}
	if n < 0 || n > maxBulkLen {
		return 0, fmt.Errorf("invalid RESP length %q", s)
	}
	return n, nil
}
