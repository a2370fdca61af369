package resp

// Differential tests against a real redis-server (7.0.15 is what Peregrine
// targets). They are skipped when redis-server is not on PATH. Each test
// starts a private server on 127.0.0.1 and a free port, without persistence,
// and kills it at cleanup.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startRedis starts redis-server with the extra arguments and returns its address.
func startRedis(t *testing.T, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH")
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		args := append([]string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no",
			"--logfile", "", "--loglevel", "warning",
			"--dir", t.TempDir(),
		}, extra...)
		cmd := exec.Command(bin, args...)
		var logs bytes.Buffer
		cmd.Stdout = &logs
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if waitRedis(addr, exited) {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return addr
		}
		_ = cmd.Process.Kill()
		<-exited
		lastErr = fmt.Errorf("redis-server on %s did not come up: %s", addr, logs.String())
	}
	t.Fatal(lastErr)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitRedis waits until the server answers PING, or has exited.
func waitRedis(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 64)
			n, _ := io.ReadAtLeast(c, buf, 7)
			c.Close()
			if n >= 7 && (string(buf[:7]) == "+PONG\r\n" || strings.HasPrefix(string(buf[:n]), "-NOAUTH")) {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// redisExchange sends input on a fresh connection and returns everything the
// server sends back until it closes the connection or stays silent for quiet.
func redisExchange(t *testing.T, addr string, input []byte, quiet time.Duration) []byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, err := c.Write(input)
		done <- err
	}()
	var out []byte
	buf := make([]byte, 64*1024)
	for {
		_ = c.SetReadDeadline(time.Now().Add(quiet))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.Is(err, io.EOF) || (errors.As(err, &ne) && ne.Timeout()) || isConnReset(err) {
				break
			}
			t.Fatalf("read from redis: %v", err)
		}
	}
	<-done // a write error (reset after a protocol error) is expected and ignored
	return out
}

func isConnReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe")
}

// emulate runs input through a Reader and answers the way Redis does for the
// few commands used by these tests (PING, ECHO, and protocol errors); it stops
// at the first error, as the server closes the connection after one.
func emulate(input []byte, authenticated bool, chunk int) []byte {
	r := NewReader(&chunkReader{data: input, size: chunk})
	r.Authenticated = authenticated
	w := NewWriter()
	for {
		args, err := r.ReadCommand()
		if err != nil {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				w.Error(pe.Error())
			}
			return w.Bytes()
		}
		switch cmd := strings.ToLower(string(args[0])); {
		case !authenticated:
			w.Error("NOAUTH Authentication required.")
		case cmd == "ping" && len(args) == 1:
			w.Simple("PONG")
		case cmd == "ping" && len(args) == 2, cmd == "echo" && len(args) == 2:
			w.Bulk(args[1])
		case cmd == "ping" || cmd == "echo":
			w.Error("ERR wrong number of arguments for '" + cmd + "' command")
		default:
			panic("emulate: unexpected command " + strconv.Quote(string(args[0])))
		}
	}
}

// chunkReader returns data in reads of at most size bytes (1 if size <= 0).
type chunkReader struct {
	data []byte
	size int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := max(c.size, 1)
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// TestRedisProtocolErrors checks that, for malformed requests, Peregrine's
// reader produces byte-for-byte the reply stream redis-server sends.
func TestRedisProtocolErrors(t *testing.T) {
	addr := startRedis(t)
	digits := strings.Repeat("1", InlineMax+10)
	cases := []struct {
		name, in string
	}{
		{"mbulk too long", "*3000000000\r\n"},
		{"mbulk INT_MAX+1", "*2147483648\r\n"},
		{"mbulk not a number", "*abc\r\n"},
		{"mbulk plus sign", "*+1\r\n"},
		{"mbulk leading zero", "*01\r\n"},
		{"mbulk minus zero", "*-0\r\nPING\r\n"},
		{"mbulk empty", "*\r\nPING\r\n"},
		{"mbulk hugely negative is skipped", "*-3000000000\r\nPING\r\n"},
		{"mbulk int64 min is skipped", "*-9223372036854775808\r\nPING\r\n"},
		{"mbulk int64 overflow", "*-9223372036854775809\r\n"},
		{"mbulk zero and negative skipped", "*0\r\n*-1\r\n*-5\r\nPING\r\n"},
		{"expected dollar", "*1\r\nx\r\n"},
		{"expected dollar after arg", "*2\r\n$4\r\nECHO\r\n:1\r\n"},
		{"expected dollar high byte", "*1\r\n\xff\r\n"},
		{"expected dollar got CR", "*1\r\n\r\n"},
		{"expected dollar got LF", "*1\r\n\n\r\n"},
		{"bulk -1", "*1\r\n$-1\r\n"},
		{"bulk -0", "*1\r\n$-0\r\n"},
		{"bulk not a number", "*1\r\n$abc\r\n"},
		{"bulk empty length", "*1\r\n$\r\n"},
		{"bulk beyond proto-max-bulk-len", "*1\r\n$536870913\r\n"},
		{"bulk int64 overflow", "*1\r\n$9223372036854775808\r\n"},
		{"bulk trailing bytes are not checked", "*2\r\n$4\r\nECHOxx$2\r\nhixxPING\r\n"},
		{"header LF not checked", "*1x$4xPINGxx"},
		{"unbalanced double quote", "PING \"foo\r\n"},
		{"unbalanced single quote", "PING 'foo\r\n"},
		{"closing quote followed by text", "PING \"a\"b\r\n"},
		{"closing single quote followed by text", "PING 'a'b\r\n"},
		{"inline ok then unbalanced", "PING\r\nECHO \"x\r\n"},
		{"too big inline", strings.Repeat("a", InlineMax+1)},
		{"too big mbulk count", "*" + digits},
		{"too big mbulk count, exactly over", "*" + digits[:InlineMax]},
		{"too big bulk count", "*1\r\n$" + digits},
		{"too big bulk count, exactly over", "*1\r\n$" + digits[:InlineMax]},
		{"bulk count garbage before CR is too big", "*1\r\n" + strings.Repeat("x", InlineMax+1)},
		{"inline vertical tab is not a separator", "ECHO a\vb\r\n"},
		{"inline form feed is not a separator", "ECHO a\fb\r\n"},
		{"inline leading vertical tab is skipped", "\vECHO \f\vx\r\n"},
		{"inline trailing vertical tab is kept", "ECHO x\v\r\n"},
		{"inline bare LF and empty lines", "\n\r\n   \r\nPING\nECHO \"a\\x41\\n\"\n"},
		{"inline CR in the middle", "ECHO a\rb\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := redisExchange(t, addr, []byte(tc.in), 300*time.Millisecond)
			for _, chunk := range []int{1, 7, 16 * 1024, 1 << 20} {
				got := emulate([]byte(tc.in), true, chunk)
				if !bytes.Equal(got, want) {
					t.Fatalf("chunk %d: input %.80q\n got  %q\n redis %q", chunk, tc.in, got, want)
				}
			}
		})
	}
}

// TestRedisUnauthenticatedLimits compares the limits applied before AUTH
// with a redis-server that requires a password.
func TestRedisUnauthenticatedLimits(t *testing.T) {
	addr := startRedis(t, "--requirepass", "secret")
	for _, in := range []string{
		"*10\r\n",
		"*11\r\n",
		"*2000000\r\n",
		"*3000000000\r\n",
		"*-5\r\n*0\r\n*11\r\n",
		"*1\r\n$16384\r\n",
		"*1\r\n$16385\r\n",
		"*2\r\n$4\r\nECHO\r\n$20000\r\n",
		"*1\r\n$-1\r\n",
		"PING\r\n",
		mb("PING") + "*1\r\n$20000\r\n",
		"PING a b c d e f g h i j k l m n o p\r\n", // inline requests have no argument limit
	} {
		want := redisExchange(t, addr, []byte(in), 300*time.Millisecond)
		for _, chunk := range []int{1, 1 << 20} {
			if got := emulate([]byte(in), false, chunk); !bytes.Equal(got, want) {
				t.Errorf("chunk %d: input %q\n got  %q\n redis %q", chunk, in, got, want)
			}
		}
	}
}

// redisConn is a minimal client returning raw replies.
type redisConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRedis(t *testing.T, addr string) *redisConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &redisConn{t: t, c: c, br: bufio.NewReader(c)}
}

// send writes raw request bytes.
func (rc *redisConn) send(raw string) {
	rc.t.Helper()
	_ = rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := rc.c.Write([]byte(raw)); err != nil {
		rc.t.Fatal(err)
	}
}

// reply reads one raw reply (of any RESP2/RESP3 type); io.EOF if the server
// closed the connection.
func (rc *redisConn) reply() ([]byte, error) {
	_ = rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	var out []byte
	var read func() error
	read = func() error {
		line, err := rc.br.ReadBytes('\n')
		out = append(out, line...)
		if err != nil {
			return err
		}
		if len(line) < 3 {
			return fmt.Errorf("short reply line %q", line)
		}
		body := string(line[1 : len(line)-2])
		switch line[0] {
		case '+', '-', ':', ',', '_', '#', '(':
			return nil
		case '$', '=', '!':
			n, _ := strconv.Atoi(body)
			if n < 0 {
				return nil
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(rc.br, buf); err != nil {
				return err
			}
			out = append(out, buf...)
			return nil
		case '*', '~', '>', '%', '|':
			n, _ := strconv.Atoi(body)
			if line[0] == '%' || line[0] == '|' {
				n *= 2
			}
			for range max(n, 0) {
				if err := read(); err != nil {
					return err
				}
			}
			if line[0] == '|' { // an attribute precedes the actual reply
				return read()
			}
			return nil
		}
		return fmt.Errorf("unknown reply type %q", line)
	}
	err := read()
	return out, err
}

func (rc *redisConn) do(raw string) []byte {
	rc.t.Helper()
	rc.send(raw)
	out, err := rc.reply()
	if err != nil {
		rc.t.Fatalf("reply to %q: %v (got %q)", raw, err, out)
	}
	return out
}

// TestRedisSplitArgs sends inline requests made of random quoting-heavy
// lines and checks that redis-server split them as SplitArgs does (the
// arguments are pushed to a list and read back).
func TestRedisSplitArgs(t *testing.T) {
	addr := startRedis(t)
	var lines []string
	for _, tc := range splitCases {
		if !strings.ContainsAny(tc.in, "\n\x00") {
			lines = append(lines, tc.in)
		}
	}
	rng := rand.New(rand.NewPCG(11, 12))
	pieces := []string{"a", "b", " ", "  ", "\t", "\v", "\f", "\r", "\"", "'", "\\", "x", "4", "1", "f", "G", "\\x", "\\'", "\\\"", "\xff"}
	for range 300 {
		var b strings.Builder
		for range 1 + rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		lines = append(lines, b.String())
	}
	for i, line := range lines {
		key := "list:" + strconv.Itoa(i)
		rc := dialRedis(t, addr)
		rc.send("RPUSH " + key + " _ " + line + "\r\n")
		got, err := rc.reply()
		args, ok := SplitArgs([]byte(line), nil)
		if !ok {
			if string(got) != "-ERR Protocol error: unbalanced quotes in request\r\n" {
				t.Errorf("line %q: SplitArgs says unbalanced, redis replied %q, %v", line, got, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("line %q: %v (got %q)", line, err, got)
		}
		want := NewWriter()
		want.Int(int64(len(args) + 1))
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("line %q: SplitArgs gives %d args %q, redis RPUSH replied %q", line, len(args), args, got)
			continue
		}
		want.Reset()
		want.Array(len(args) + 1)
		want.BulkString("_")
		for _, a := range args {
			want.Bulk(a)
		}
		if got := rc.do("LRANGE " + key + " 0 -1\r\n"); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("line %q: SplitArgs gives %q, redis stored %q", line, args, got)
		}
	}
}

// TestRedisWriterReplies compares Writer output with redis-server's replies
// in RESP2 and RESP3, including double formatting.
func TestRedisWriterReplies(t *testing.T) {
	addr := startRedis(t)
	setup := dialRedis(t, addr)
	for _, cmd := range []string{
		mb("HSET", "h", "f", "v"), mb("SADD", "s", "m"), mb("RPUSH", "l", "x"),
	} {
		setup.do(cmd)
	}
	scores := []string{"1.5", "0.1", "1e20", "inf", "-inf", "+inf", "1e-5", "0.0001", "123456789012345678",
		"3", "0", "5e-324", "1.7976931348623157e308", "0.3", "-2.5e-300", "1e16", "1e17", "2.2250738585072014e-308"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		f := math.Float64frombits(rng.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			scores = append(scores, strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	for _, proto := range []int{2, 3} {
		rc := dialRedis(t, addr)
		rc.do(mb("HELLO", strconv.Itoa(proto)))
		w := NewWriter()
		w.Proto = proto
		check := func(what string, req string, write func()) {
			t.Helper()
			w.Reset()
			write()
			if got := rc.do(req); !bytes.Equal(got, w.Bytes()) {
				t.Errorf("RESP%d %s: Writer %q, redis %q", proto, what, w.Bytes(), got)
			}
		}
		check("PING", mb("PING"), func() { w.Simple("PONG") })
		check("ECHO", mb("ECHO", "a\r\nb"), func() { w.BulkString("a\r\nb") })
		check("GET missing", mb("GET", "missing"), func() { w.Null() })
		check("EXISTS", mb("EXISTS", "h", "s"), func() { w.Int(2) })
		check("HGETALL", mb("HGETALL", "h"), func() { w.Map(1); w.BulkString("f"); w.BulkString("v") })
		check("SMEMBERS", mb("SMEMBERS", "s"), func() { w.Set(1); w.BulkString("m") })
		check("LRANGE empty", mb("LRANGE", "missing", "0", "-1"), func() { w.EmptyArray() })
		check("BLPOP timeout", mb("BLPOP", "missing", "0.01"), func() { w.NullArray() })
		check("unknown command", mb("NOSUCHCMD"), func() {
			w.Error("ERR unknown command 'NOSUCHCMD', with args beginning with: ")
		})
		for i, sc := range scores {
			m := "m" + strconv.Itoa(i)
			rc.do(mb("ZADD", "z", sc, m))
			f, err := strconv.ParseFloat(sc, 64)
			if err != nil {
				t.Fatal(err)
			}
			check("ZSCORE "+sc, mb("ZSCORE", "z", m), func() { w.Double(f) })
		}
		rc.do(mb("DEL", "z"))
	}
}
