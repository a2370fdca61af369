package server

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDBSizeFlushSwap(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustInt(t, c.do("DBSIZE"), 0)
	c.do("SET", "a", "1")
	c.do("SET", "b", "2")
	mustInt(t, c.do("DBSIZE"), 2)

	mustStr(t, c.do("SWAPDB", "0", "1"), "OK")
	mustInt(t, c.do("DBSIZE"), 0)
	c.do("SELECT", "1")
	mustInt(t, c.do("DBSIZE"), 2)
	mustErr(t, c.do("SWAPDB", "x", "1"), "ERR invalid first DB index")
	mustErr(t, c.do("SWAPDB", "0", "y"), "ERR invalid second DB index")
	mustErr(t, c.do("SWAPDB", "0", "100"), "ERR DB index is out of range")

	mustErr(t, c.do("FLUSHDB", "bogus"), "ERR syntax error")
	mustStr(t, c.do("FLUSHDB", "ASYNC"), "OK")
	mustInt(t, c.do("DBSIZE"), 0)
	c.do("SET", "x", "1")
	c.do("SELECT", "0")
	c.do("SET", "y", "1")
	mustStr(t, c.do("FLUSHALL", "sync"), "OK")
	mustInt(t, c.do("DBSIZE"), 0)
	c.do("SELECT", "1")
	mustInt(t, c.do("DBSIZE"), 0)
}

func TestTimeAndLastsave(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	r := c.do("TIME")
	if len(r.elems) != 2 || r.elems[0].kind != '$' {
		t.Fatalf("TIME = %v", r)
	}
	sec, _ := strconv.ParseInt(r.elems[0].str, 10, 64)
	if d := time.Now().Unix() - sec; d < -1 || d > 1 {
		t.Fatalf("TIME seconds off by %d", d)
	}
	us, _ := strconv.ParseInt(r.elems[1].str, 10, 64)
	if us < 0 || us > 999999 {
		t.Fatalf("TIME microseconds %d", us)
	}
	ls := c.do("LASTSAVE")
	if ls.kind != ':' || ls.n != s.startTime.Unix() {
		t.Fatalf("LASTSAVE = %v", ls)
	}
}

func TestShutdown(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustErr(t, c.do("SHUTDOWN", "ABORT"), "ERR No shutdown in progress.")
	mustErr(t, c.do("SHUTDOWN", "SAVE", "NOSAVE"), "ERR syntax error")
	mustErr(t, c.do("SHUTDOWN", "ABORT", "NOW"), "ERR syntax error")
	mustErr(t, c.do("SHUTDOWN", "bogus"), "ERR syntax error")
	c.send("SHUTDOWN", "NOSAVE", "NOW")
	if r, err := c.read(); err == nil {
		t.Fatalf("SHUTDOWN replied %v", r)
	}
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestMonitor(t *testing.T) {
	s := startTestServer(t)
	m := dialTest(t, s)
	mustStr(t, m.do("MONITOR"), "OK")
	c := dialTest(t, s)
	c.do("SET", "foo", "bar")
	r, err := m.read()
	if err != nil || !strings.Contains(r.str, `"SET" "foo" "bar"`) {
		t.Fatalf("monitor line %v, %v", r, err)
	}
}
