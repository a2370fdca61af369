package testutil

import (
	"bytes"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: nil},
		{in: "   ", want: nil},
		{in: "SET foo bar", want: []string{"SET", "foo", "bar"}},
		{in: "  SET\tfoo   bar  ", want: []string{"SET", "foo", "bar"}},
		{in: `SET k "hello world"`, want: []string{"SET", "k", "hello world"}},
		{in: `SET k ""`, want: []string{"SET", "k", ""}},
		{in: `SET k ''`, want: []string{"SET", "k", ""}},
		{in: `"a\r\nb\t\x41\x7a\\\"c"`, want: []string{"a\r\nb\tAz\\\"c"}},
		{in: `"\xZZ"`, want: []string{"xZZ"}},
		{in: `'it\'s' 'a\nb'`, want: []string{"it's", `a\nb`}},
		{in: `foo"bar baz"`, want: []string{"foobar baz"}},
		{in: `"unterminated`, err: true},
		{in: `'unterminated`, err: true},
		{in: `"closed"x`, err: true},
		{in: `'closed'x`, err: true},
	}
	for _, c := range cases {
		got, err := SplitArgs(c.in)
		if c.err {
			if err == nil {
				t.Errorf("SplitArgs(%q) = %q, want error", c.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

var sampleReplies = []string{
	"+OK\r\n",
	"-ERR something bad\r\n",
	":-42\r\n",
	"$5\r\nhello\r\n",
	"$0\r\n\r\n",
	"$-1\r\n",
	"*-1\r\n",
	"*0\r\n",
	"*3\r\n$1\r\na\r\n:1\r\n*2\r\n+x\r\n$-1\r\n",
	"_\r\n",
	",3.14\r\n",
	",inf\r\n",
	"#t\r\n",
	"!11\r\nSYNTAX oops\r\n",
	"=15\r\ntxt:Some string\r\n",
	"(3492890328409238509324850943850943825024385\r\n",
	"%2\r\n+a\r\n:1\r\n$1\r\nb\r\n~2\r\n:1\r\n:2\r\n",
	"~0\r\n",
	">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nmsg\r\n",
	"|1\r\n+key-popularity\r\n%1\r\n$1\r\nk\r\n,0.5\r\n$3\r\nfoo\r\n",
	"$6\r\na\r\nb\r\n\r\n",
}

func TestParseReplyRoundTrip(t *testing.T) {
	for _, raw := range sampleReplies {
		v, err := ParseReply([]byte(raw))
		if err != nil {
			t.Errorf("ParseReply(%q): %v", raw, err)
			continue
		}
		if got := string(v.Encode()); got != raw {
			t.Errorf("Encode(ParseReply(%q)) = %q", raw, got)
		}
		if v.String() == "" {
			t.Errorf("empty String() for %q", raw)
		}
	}
}

func TestParseReplyErrors(t *testing.T) {
	for _, raw := range []string{
		"", "+OK", "+OK\n", "$5\r\nabc\r\n", "$3\r\nabcde", "*2\r\n:1\r\n",
		"?\r\n", "+OK\r\n+OK\r\n", "$-2\r\n", "%-1\r\n", "$x\r\n",
	} {
		if v, err := ParseReply([]byte(raw)); err == nil {
			t.Errorf("ParseReply(%q) = %v, want error", raw, v)
		}
	}
	vs, err := ParseReplies([]byte("+OK\r\n:1\r\n-ERR x\r\n"))
	if err != nil || len(vs) != 3 {
		t.Fatalf("ParseReplies = %v, %v", vs, err)
	}
}

func TestValueString(t *testing.T) {
	v, err := ParseReply([]byte("%1\r\n$1\r\nk\r\n*3\r\n:1\r\n$-1\r\n-ERR x\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.String(), `{"k": [int 1, nil, error "ERR x"]}`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}

func mustParse(t *testing.T, raw string) Value {
	t.Helper()
	v, err := ParseReply([]byte(raw))
	if err != nil {
		t.Fatalf("ParseReply(%q): %v", raw, err)
	}
	return v
}

func TestEqualUnordered(t *testing.T) {
	a := mustParse(t, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\na\r\n")
	b := mustParse(t, "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\na\r\n")
	c := mustParse(t, "*3\r\n$1\r\nb\r\n$1\r\nb\r\n$1\r\na\r\n")
	if !EqualUnordered(a, b) {
		t.Error("a and b should be equal as multisets")
	}
	if EqualUnordered(a, c) {
		t.Error("a and c differ as multisets")
	}
	if Equal(a, b) {
		t.Error("a and b differ in order")
	}
	m1 := mustParse(t, "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n")
	m2 := mustParse(t, "%2\r\n+b\r\n:2\r\n+a\r\n:1\r\n")
	m3 := mustParse(t, "%2\r\n+b\r\n:1\r\n+a\r\n:2\r\n")
	if !EqualUnordered(m1, m2) || EqualUnordered(m1, m3) {
		t.Error("map pair comparison is wrong")
	}
	p1 := mustParse(t, "*4\r\n+a\r\n:1\r\n+b\r\n:2\r\n")
	p2 := mustParse(t, "*4\r\n+b\r\n:2\r\n+a\r\n:1\r\n")
	p3 := mustParse(t, "*4\r\n+b\r\n:1\r\n+a\r\n:2\r\n")
	if !EqualUnorderedPairs(p1, p2) || EqualUnorderedPairs(p1, p3) {
		t.Error("flat pair comparison is wrong")
	}
	if EqualUnordered(mustParse(t, "*0\r\n"), mustParse(t, "~0\r\n")) {
		t.Error("array and set must differ")
	}
}

func TestEscape(t *testing.T) {
	if got := Escape([]byte("+OK\r\n"), 0); got != `"+OK\r\n"` {
		t.Errorf("Escape = %s", got)
	}
	if got := Escape([]byte("abcdef"), 3); !strings.HasPrefix(got, `"abc"...`) {
		t.Errorf("Escape truncated = %s", got)
	}
}

// fakeServer accepts one connection, writes reply to it after reading
// anything, and then closes it if closeAfter is set.
func fakeServer(t *testing.T, reply string, closeAfter bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 4096)
		if _, err := c.Read(buf); err != nil {
			c.Close()
			return
		}
		_, _ = c.Write([]byte(reply))
		if closeAfter {
			c.Close()
			return
		}
		time.Sleep(2 * time.Second)
		c.Close()
	}()
	return l.Addr().String()
}

func TestRawConnReadsEveryType(t *testing.T) {
	all := strings.Join(sampleReplies, "")
	addr := fakeServer(t, all, true)
	c := Dial(t, addr)
	c.Send("PING")
	for _, want := range sampleReplies {
		got, err := c.ReadReply()
		if err != nil {
			t.Fatalf("ReadReply (want %q): %v", want, err)
		}
		if string(got) != want {
			t.Fatalf("ReadReply = %q, want %q", got, want)
		}
	}
	if _, err := c.ReadReply(); !IsClosedErr(err) {
		t.Errorf("ReadReply after close: %v, want EOF", err)
	}
}

func TestRawConnReadUntilClose(t *testing.T) {
	addr := fakeServer(t, "-ERR Protocol error\r\n", true)
	c := Dial(t, addr)
	c.WriteRaw([]byte("*x\r\n"))
	data, closed := c.ReadUntilClose(time.Second)
	if string(data) != "-ERR Protocol error\r\n" || !closed {
		t.Errorf("ReadUntilClose = %q, %v", data, closed)
	}

	addr = fakeServer(t, "+PONG\r\n", false)
	c = Dial(t, addr)
	c.WriteRaw([]byte("PING\r\n"))
	start := time.Now()
	data, closed = c.ReadUntilClose(200 * time.Millisecond)
	if string(data) != "+PONG\r\n" || closed {
		t.Errorf("ReadUntilClose = %q, %v", data, closed)
	}
	if time.Since(start) > time.Second {
		t.Errorf("ReadUntilClose did not honour its timeout")
	}
}

func TestEncodeCommand(t *testing.T) {
	got := EncodeCommand("SET", "k", "")
	want := []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
	if !bytes.Equal(got, want) {
		t.Errorf("EncodeCommand = %q", got)
	}
}

func TestReference(t *testing.T) {
	ref := StartReference(t)
	c := Dial(t, ref.Addr)
	if got := string(c.Do("PING")); got != "+PONG\r\n" {
		t.Fatalf("PING = %q", got)
	}
	if got := string(c.Do("SET", "k", "v")); got != "+OK\r\n" {
		t.Fatalf("SET = %q", got)
	}
	if got := string(c.Do("GET", "k")); got != "$1\r\nv\r\n" {
		t.Fatalf("GET = %q", got)
	}
	if got := string(c.Do("CONFIG", "GET", "save")); got != "*2\r\n$4\r\nsave\r\n$0\r\n\r\n" {
		t.Fatalf("CONFIG GET save = %q", got)
	}
	if got := string(c.Do("CONFIG", "GET", "appendonly")); got != "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n" {
		t.Fatalf("CONFIG GET appendonly = %q", got)
	}
	c.Do("HELLO", "3")
	if got := string(c.Do("GET", "missing")); got != "_\r\n" {
		t.Fatalf("RESP3 GET missing = %q", got)
	}
	v, err := ParseReply(c.Do("CONFIG", "GET", "maxmemory"))
	if err != nil || v.Type != '%' {
		t.Fatalf("RESP3 CONFIG GET = %v, %v", v, err)
	}
	if pid := ref.PID(); pid <= 0 {
		t.Errorf("PID = %d", pid)
	}
}
