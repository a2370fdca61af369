package server

import (
	"strings"
	"testing"
	"time"
)

func TestDebugGating(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustErr(t, c.do("DEBUG", "HELP"), "ERR DEBUG command not allowed.")
	mustErr(t, c.do("DEBUG", "SLEEP", "0"), "ERR DEBUG command not allowed.")

	local := startTestServer(t, "--enable-debug-command", "local")
	mustStr(t, dialTest(t, local).do("DEBUG", "SLEEP", "0"), "OK")
}

func TestDebugCommands(t *testing.T) {
	s := startTestServer(t, "--enable-debug-command", "yes")
	c := dialTest(t, s)
	if h := c.do("DEBUG", "HELP"); len(h.elems) < 10 || !strings.HasPrefix(h.elems[0].str, "DEBUG <subcommand>") {
		t.Fatalf("DEBUG HELP = %v", h)
	}
	start := time.Now()
	mustStr(t, c.do("DEBUG", "SLEEP", "0"), "OK")
	mustStr(t, c.do("DEBUG", "SLEEP", "0.1"), "OK")
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("DEBUG SLEEP 0.1 took %v", d)
	}
	mustErr(t, c.do("DEBUG", "NOSUCH"), "ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.")
	mustErr(t, c.do("DEBUG", "SLEEP"), "ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.")

	// DIGEST: zeros when empty, stable, order-independent, content-sensitive.
	zero := strings.Repeat("0", 40)
	mustStr(t, c.do("DEBUG", "DIGEST"), zero)
	c.do("SET", "a", "1")
	c.do("SET", "b", "2")
	d1 := c.do("DEBUG", "DIGEST").str
	if len(d1) != 40 || d1 == zero {
		t.Fatalf("digest = %q", d1)
	}
	c.do("FLUSHALL")
	c.do("SET", "b", "2")
	c.do("SET", "a", "1")
	mustStr(t, c.do("DEBUG", "DIGEST"), d1)
	c.do("SET", "a", "3")
	if c.do("DEBUG", "DIGEST").str == d1 {
		t.Fatal("digest ignores values")
	}
	dv := c.do("DEBUG", "DIGEST-VALUE", "a", "nosuch")
	if len(dv.elems) != 2 || dv.elems[0].str == zero || dv.elems[1].str != zero {
		t.Fatalf("DIGEST-VALUE = %v", dv)
	}

	// OBJECT.
	c.do("SET", "n", "12345")
	obj := c.do("DEBUG", "OBJECT", "n").str
	if !strings.HasPrefix(obj, "Value at:0x") || !strings.Contains(obj, " encoding:int ") || !strings.Contains(obj, "lru_seconds_idle:") {
		t.Fatalf("DEBUG OBJECT = %q", obj)
	}
	mustErr(t, c.do("DEBUG", "OBJECT", "nosuch"), "ERR no such key")

	// POPULATE.
	c.do("FLUSHALL")
	mustStr(t, c.do("DEBUG", "POPULATE", "10"), "OK")
	mustInt(t, c.do("DBSIZE"), 10)
	mustStr(t, c.do("GET", "key:3"), "value:3")
	mustStr(t, c.do("DEBUG", "POPULATE", "2", "p", "10"), "OK")
	mustStr(t, c.do("GET", "p:1"), "value:1\x00\x00\x00")
	mustErr(t, c.do("DEBUG", "POPULATE", "-1"), "ERR value is out of range, must be positive")

	// SET-ACTIVE-EXPIRE toggles the keyspace switch.
	mustStr(t, c.do("DEBUG", "SET-ACTIVE-EXPIRE", "0"), "OK")
	s.ks.Lock()
	off := !s.ks.ActiveExpire
	s.ks.Unlock()
	mustStr(t, c.do("DEBUG", "SET-ACTIVE-EXPIRE", "1"), "OK")
	if !off {
		t.Fatal("SET-ACTIVE-EXPIRE 0 did not disable active expiry")
	}

	mustStr(t, c.do("SET", "reload:k", "v"), "OK")
	mustStr(t, c.do("DEBUG", "RELOAD"), "OK")
	mustStr(t, c.do("GET", "reload:k"), "v")
	mustErr(t, c.do("DEBUG", "RELOAD", "BOGUS"), "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
	mustStr(t, c.do("DEBUG", "CHANGE-REPL-ID"), "OK")
	mustStr(t, c.do("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"), "OK")
	mustErr(t, c.do("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5gb"), "ERR argument must be a memory value")
	mustStr(t, c.do("DEBUG", "PAUSE-CRON", "0"), "OK")
	mustStr(t, c.do("DEBUG", "LOG", "hello"), "OK")
	mustErr(t, c.do("DEBUG", "ERROR", "MYERR custom"), "MYERR custom")
	if !strings.Contains(c.do("DEBUG", "HTSTATS", "0").str, "table size:") {
		t.Fatal("HTSTATS without table size")
	}
	mustErr(t, c.do("DEBUG", "HTSTATS", "99"), "ERR Out of range database")
}

func TestDebugProtocol(t *testing.T) {
	s := startTestServer(t, "--enable-debug-command", "yes")
	c := dialTest(t, s)
	cases := []struct{ typ, resp2, resp3 string }{
		{"string", "$11\r\nHello World\r\n", "$11\r\nHello World\r\n"},
		{"integer", ":12345\r\n", ":12345\r\n"},
		{"double", "$5\r\n3.141\r\n", ",3.141\r\n"},
		{"bignum", "$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n"},
		{"null", "$-1\r\n", "_\r\n"},
		{"true", ":1\r\n", "#t\r\n"},
		{"false", ":0\r\n", "#f\r\n"},
		{"map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"},
		{"set", "*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n"},
		{"verbatim", "$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n"},
		{"attrib", "$39\r\nSome real reply following the attribute\r\n", "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n"},
	}
	for _, proto := range []string{"2", "3"} {
		c.do("HELLO", proto)
		for _, tc := range cases {
			want := tc.resp2
			if proto == "3" {
				want = tc.resp3
			}
			c.send("DEBUG", "PROTOCOL", tc.typ)
			buf := make([]byte, len(want))
			c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := readFullBuf(c, buf); err != nil || string(buf) != want {
				t.Fatalf("RESP%s DEBUG PROTOCOL %s = %q (%v), want %q", proto, tc.typ, buf, err, want)
			}
		}
	}
	c.do("HELLO", "2")
	mustErr(t, c.do("DEBUG", "PROTOCOL", "push"), "ERR RESP2 is not supported by this command")
	mustErr(t, c.do("DEBUG", "PROTOCOL", "nosuch"), "ERR Wrong protocol type name.")
}

func readFullBuf(c *testConn, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := c.r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestDebugReloadNoflushFunctions: DEBUG RELOAD NOFLUSH loads the file over
// the current data, so a library that already exists is an error; with
// MERGE it is replaced (functions.tcl).
func TestDebugReloadNoflushFunctions(t *testing.T) {
	s := startTestServer(t, "--enable-debug-command", "yes")
	c := dialTest(t, s)
	mustStr(t, c.do("FUNCTION", "LOAD", "#!lua name=test\nredis.register_function('test', function() return 1 end)"), "test")
	mustErr(t, c.do("DEBUG", "RELOAD", "NOFLUSH"), "ERR Error trying to load the RDB dump")
	mustStr(t, c.do("DEBUG", "RELOAD", "NOFLUSH", "MERGE"), "OK")
	if got := c.do("FCALL", "test", "0"); got.n != 1 {
		t.Fatalf("FCALL after the reload = %+v", got)
	}
}
