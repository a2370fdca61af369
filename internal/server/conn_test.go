package server

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clientField returns a numeric CLIENT LIST field of the client named name.
func clientField(t *testing.T, c *testConn, name, field string) int64 {
	t.Helper()
	list := c.do("CLIENT", "LIST").str
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		m := regexp.MustCompile(` ` + regexp.QuoteMeta(field) + `=(-?\d+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no %s in %q", field, line)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}
	t.Fatalf("no client %q in %q", name, list)
	return 0
}

func queryBuffer(t *testing.T, c *testConn, name string) int64 {
	t.Helper()
	return clientField(t, c, name, "qbuf") + clientField(t, c, name, "qbuf-free")
}

func TestQueryBufferReleasedWhenIdle(t *testing.T) {
	s := startTestServer(t, "--hz", "50")
	admin := dialTest(t, s)
	c := dialTest(t, s)
	mustStr(t, c.do("CLIENT", "SETNAME", "idle"), "OK")
	if n := queryBuffer(t, admin, "idle"); n < 16384 || n >= 32768 {
		t.Fatalf("fresh query buffer = %d, want [16384, 32768)", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for queryBuffer(t, admin, "idle") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("idle client kept its query buffer")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The connection still works, with the byte read while it had no buffer.
	mustStr(t, c.do("PING"), "PONG")
	mustStr(t, c.do("CLIENT", "GETNAME"), "idle")
	if n := queryBuffer(t, admin, "idle"); n < 16384 {
		t.Fatalf("query buffer after waking = %d", n)
	}
}

func TestQueryBufferShrinksAfterBigRequest(t *testing.T) {
	s := startTestServer(t, "--hz", "50")
	admin := dialTest(t, s)
	c := dialTest(t, s)
	mustStr(t, c.do("CLIENT", "SETNAME", "big"), "OK")
	mustStr(t, c.do("SET", "x", strings.Repeat("A", 400000)), "OK")
	big := queryBuffer(t, admin, "big")
	if big <= 32768 {
		t.Fatalf("query buffer after a 400 KB request = %d", big)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		mustStr(t, c.do("SET", "x", strings.Repeat("A", 100)), "OK")
		n := queryBuffer(t, admin, "big")
		if n > 0 && n < big {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("query buffer still %d", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mustStr(t, c.do("GET", "x"), strings.Repeat("A", 100))
}

func TestQueryBufferLimitFollowsConfigSet(t *testing.T) {
	s := startTestServer(t)
	admin := dialTest(t, s)
	c := dialTest(t, s)
	mustStr(t, admin.do("CONFIG", "SET", "client-query-buffer-limit", "1mb"), "OK")
	c.send("SET", "x", strings.Repeat("A", 2<<20))
	if r, err := c.read(); err == nil {
		t.Fatalf("2 MB request over a 1 MB limit answered %v", r)
	}
}

func TestIdleTimeoutStillClosesAfterRelease(t *testing.T) {
	s := startTestServer(t, "--hz", "50", "--timeout", "3")
	c := dialTest(t, s)
	mustStr(t, c.do("PING"), "PONG")
	start := time.Now()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.r.ReadByte(); err == nil {
		t.Fatal("idle connection sent data")
	}
	if d := time.Since(start); d < 2*time.Second || d > 8*time.Second {
		t.Fatalf("idle client closed after %v, want about 3s", d)
	}
}
