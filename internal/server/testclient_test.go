package server

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/config"
)

// startTestServer runs an in-process server on a free loopback port with
// extra argv-style directives, closed at cleanup.
func startTestServer(t testing.TB, args ...string) *Server {
	t.Helper()
	cfg := config.New()
	// A per-test data directory: SAVE, DEBUG RELOAD and start-up loading
	// never touch the package directory.
	all := append([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir()}, args...)
	if err := cfg.LoadArgs(all); err != nil {
		t.Fatalf("config: %v", err)
	}
	s, err := New(Options{Config: cfg, EphemeralPort: true, Logger: discardLogger()})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// startTestServerFile runs a server from a configuration file.
func startTestServerFile(t testing.TB, path string) *Server {
	t.Helper()
	cfg := config.New()
	if err := cfg.LoadFile(path); err != nil {
		t.Fatalf("config: %v", err)
	}
	s, err := New(Options{Config: cfg, EphemeralPort: true, Logger: discardLogger()})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// reply is one decoded RESP reply. kind is the RESP type byte ('+', '-',
// ':', '$', '*', '%', '~', '_', '#', ',', '(', '=', '>', '|'); str holds
// simple, error, bulk, verbatim (without the format prefix), double and big
// number text; n integers and booleans; elems aggregates (maps flattened).
// null is set for $-1, *-1 and _.
type reply struct {
	kind  byte
	str   string
	n     int64
	elems []reply
	null  bool
}

func (r reply) String() string {
	switch {
	case r.null:
		return "(nil)"
	case r.kind == '*' || r.kind == '%' || r.kind == '~' || r.kind == '>':
		parts := make([]string, len(r.elems))
		for i, e := range r.elems {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, " ") + "]"
	case r.kind == ':' || r.kind == '#':
		return strconv.FormatInt(r.n, 10)
	case r.kind == '-':
		return "ERR(" + r.str + ")"
	}
	return r.str
}

// strs returns the elements of an aggregate as strings.
func (r reply) strs() []string {
	out := make([]string, len(r.elems))
	for i, e := range r.elems {
		out[i] = e.String()
	}
	return out
}

// field returns the value of key in a map reply (flat pairs in RESP2).
func (r reply) field(key string) (reply, bool) {
	for i := 0; i+1 < len(r.elems); i += 2 {
		if r.elems[i].str == key {
			return r.elems[i+1], true
		}
	}
	return reply{}, false
}

// testConn is a raw RESP client for tests.
type testConn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dialTest(t testing.TB, s *Server) *testConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &testConn{t: t, conn: c, r: bufio.NewReader(c)}
}

// send writes one command without reading its reply.
func (c *testConn) send(args ...string) {
	c.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.conn, b.String()); err != nil {
		c.t.Fatalf("write %q: %v", args, err)
	}
}

// do sends a command and reads its reply.
func (c *testConn) do(args ...string) reply {
	c.t.Helper()
	c.send(args...)
	r, err := c.read()
	if err != nil {
		c.t.Fatalf("%q: %v", args, err)
	}
	return r
}

// read reads one reply (attributes are skipped).
func (c *testConn) read() (reply, error) {
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	return readReply(c.r)
}

func readReply(r *bufio.Reader) (reply, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return reply{}, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return reply{}, fmt.Errorf("bad line %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	rep := reply{kind: kind}
	switch kind {
	case '+', '-', ',', '(':
		rep.str = body
	case ':':
		rep.n, err = strconv.ParseInt(body, 10, 64)
	case '#':
		if body == "t" {
			rep.n = 1
		}
	case '_':
		rep.null = true
	case '$', '=':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			rep.null = true
			break
		}
		buf := make([]byte, n+2)
		if _, err = io.ReadFull(r, buf); err != nil {
			return rep, err
		}
		rep.str = string(buf[:n])
		if kind == '=' {
			rep.str = rep.str[4:]
		}
	case '*', '%', '~', '>', '|':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			rep.null = true
			break
		}
		if kind == '%' || kind == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			e, err := readReply(r)
			if err != nil {
				return rep, err
			}
			rep.elems = append(rep.elems, e)
		}
		if kind == '|' {
			return readReply(r)
		}
	default:
		return rep, fmt.Errorf("unknown reply type %q", line)
	}
	return rep, err
}

// mustErr fails unless r is an error matching prefix.
func mustErr(t testing.TB, r reply, prefix string) {
	t.Helper()
	if r.kind != '-' || !strings.HasPrefix(r.str, prefix) {
		t.Fatalf("got %v, want error %q", r, prefix)
	}
}

// mustStr fails unless r's text is want.
func mustStr(t testing.TB, r reply, want string) {
	t.Helper()
	if r.kind == '-' || r.String() != want {
		t.Fatalf("got %v, want %q", r, want)
	}
}

// mustInt fails unless r is the integer want.
func mustInt(t testing.TB, r reply, want int64) {
	t.Helper()
	if r.kind != ':' || r.n != want {
		t.Fatalf("got %v (%c), want %d", r, r.kind, want)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
