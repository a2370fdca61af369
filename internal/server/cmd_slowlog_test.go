package server

import (
	"strings"
	"testing"
	"time"
)

func TestSlowlog(t *testing.T) {
	s := startTestServer(t, "--slowlog-log-slower-than", "1000000")
	c := dialTest(t, s)
	mustInt(t, c.do("SLOWLOG", "LEN"), 0)
	c.do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	c.do("CONFIG", "SET", "slowlog-max-len", "10")
	c.do("CLIENT", "SETNAME", "logger")
	for i := 0; i < 20; i++ {
		c.do("PING")
	}
	mustInt(t, c.do("SLOWLOG", "LEN"), 10)
	if n := len(c.do("SLOWLOG", "GET", "5").elems); n != 5 {
		t.Fatalf("SLOWLOG GET 5 returned %d", n)
	}
	if n := len(c.do("SLOWLOG", "GET", "-1").elems); n != 10 {
		t.Fatalf("SLOWLOG GET -1 returned %d", n)
	}
	if n := len(c.do("SLOWLOG", "GET", "0").elems); n != 0 {
		t.Fatalf("SLOWLOG GET 0 returned %d", n)
	}
	mustStr(t, c.do("SLOWLOG", "RESET"), "OK")
	c.do("SET", "foo", strings.Repeat("A", 129))
	e := c.do("SLOWLOG", "GET").elems[0]
	if len(e.elems) != 6 {
		t.Fatalf("entry = %v", e)
	}
	args := e.elems[3].strs()
	if len(args) != 3 || args[0] != "SET" || args[2] != strings.Repeat("A", 128)+"... (1 more bytes)" {
		t.Fatalf("entry args = %v", args)
	}
	if e.elems[4].str != c.conn.LocalAddr().String() || e.elems[5].str != "logger" {
		t.Fatalf("entry peer/name = %v", e)
	}
	// The newest entry comes first and ids increase.
	c.do("PING")
	all := c.do("SLOWLOG", "GET").elems
	if all[0].elems[0].n <= all[1].elems[0].n {
		t.Fatalf("ids not decreasing: %v", all)
	}
	mustErr(t, c.do("SLOWLOG", "GET", "-2"), "ERR count should be greater than or equal to -1")
	mustErr(t, c.do("SLOWLOG", "GET", "x"), "ERR count should be greater than or equal to -1")
	mustErr(t, c.do("SLOWLOG", "GET", "1", "2"), "ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
	mustErr(t, c.do("SLOWLOG", "LEN", "x"), "ERR wrong number of arguments for 'slowlog|len' command")
	if h := c.do("SLOWLOG", "HELP"); !strings.HasPrefix(h.elems[0].str, "SLOWLOG <subcommand>") {
		t.Fatalf("SLOWLOG HELP = %v", h)
	}
	// Sensitive CONFIG SET values are redacted.
	c.do("SLOWLOG", "RESET")
	c.do("CONFIG", "SET", "masterauth", "secret")
	if got := c.do("SLOWLOG", "GET", "1").elems[0].elems[3].strs(); strings.Join(got, " ") != "CONFIG SET masterauth (redacted)" {
		t.Fatalf("logged %v", got)
	}
	c.do("CONFIG", "SET", "slowlog-log-slower-than", "-1")
	c.do("SLOWLOG", "RESET")
	c.do("PING")
	mustInt(t, c.do("SLOWLOG", "LEN"), 0)
}

// TestSlowlogExecAndBlocked: EXEC is not logged but the commands it ran
// are, and a blocking command is logged as itself when it is served.
func TestSlowlogExecAndBlocked(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	c.do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	mustStr(t, c.do("MULTI"), "OK")
	c.do("SET", "a", "1")
	c.do("SLOWLOG", "RESET")
	c.do("INCR", "a")
	c.do("EXEC")
	if got := c.do("SLOWLOG", "GET").elems[0].elems[3].strs(); strings.Join(got, " ") != "INCR a" {
		t.Fatalf("latest entry after EXEC = %v, want INCR a (EXEC itself is not logged)", got)
	}
	b := dialTest(t, s)
	b.send("BLPOP", "l", "0")
	for deadline := time.Now().Add(5 * time.Second); infoOf(t, c, "blocked_clients") != "1"; {
		if time.Now().After(deadline) {
			t.Fatal("BLPOP never blocked")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.do("SLOWLOG", "RESET")
	c.do("RPUSH", "l", "x")
	r, err := b.read()
	if err != nil {
		t.Fatal(err)
	}
	if got := r.strs(); strings.Join(got, " ") != "l x" {
		t.Fatalf("BLPOP = %v", got)
	}
	var args []string
	for _, e := range c.do("SLOWLOG", "GET").elems {
		args = append(args, strings.Join(e.elems[3].strs(), " "))
	}
	if strings.Join(args, ",") != "BLPOP l 0,RPUSH l x,SLOWLOG RESET" {
		t.Fatalf("slow log = %q, want the served BLPOP after the RPUSH that served it", args)
	}
}
