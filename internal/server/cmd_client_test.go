package server

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestClientListFormat(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	line := c.do("CLIENT", "LIST").str
	re := regexp.MustCompile(`^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name= age=\d+ idle=\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=\d+ argv-mem=\d+ multi-mem=0 rbs=\d+ rbp=\d+ obl=0 oll=0 omem=0 tot-mem=\d+ events=r cmd=client\|list user=default redir=-1 resp=2\n$`)
	if !re.MatchString(line) {
		t.Fatalf("CLIENT LIST = %q", line)
	}
	info := c.do("CLIENT", "INFO").str
	if !strings.Contains(info, " cmd=client|info ") || !strings.HasSuffix(info, "\n") {
		t.Fatalf("CLIENT INFO = %q", info)
	}
	c.do("HELLO", "3")
	r := c.do("CLIENT", "INFO")
	if r.kind != '=' || !strings.Contains(r.str, "resp=3") {
		t.Fatalf("RESP3 CLIENT INFO = %c %q", r.kind, r.str)
	}
}

func TestClientIDNameAndList(t *testing.T) {
	s := startTestServer(t)
	a := dialTest(t, s)
	b := dialTest(t, s)
	ida := a.do("CLIENT", "ID").n
	idb := b.do("CLIENT", "ID").n
	if ida <= 0 || idb <= ida {
		t.Fatalf("ids %d %d", ida, idb)
	}
	if r := a.do("CLIENT", "GETNAME"); !r.null {
		t.Fatalf("GETNAME = %v", r)
	}
	mustErr(t, a.do("CLIENT", "SETNAME", "foo bar"), "ERR Client names cannot contain spaces, newlines or special characters.")
	mustStr(t, a.do("CLIENT", "SETNAME", "alice"), "OK")
	mustStr(t, a.do("CLIENT", "GETNAME"), "alice")
	list := b.do("CLIENT", "LIST").str
	lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "id="+strconv.FormatInt(ida, 10)+" ") || !strings.Contains(lines[0], " name=alice ") {
		t.Fatalf("CLIENT LIST = %q", list)
	}
	one := b.do("CLIENT", "LIST", "ID", strconv.FormatInt(idb, 10), "999999").str
	if strings.Count(one, "\n") != 1 || !strings.HasPrefix(one, "id="+strconv.FormatInt(idb, 10)+" ") {
		t.Fatalf("CLIENT LIST ID = %q", one)
	}
	mustErr(t, b.do("CLIENT", "LIST", "ID", "x"), "ERR Invalid client ID")
	mustErr(t, b.do("CLIENT", "LIST", "TYPE", "bogus"), "ERR Unknown client type 'bogus'")
	mustErr(t, b.do("CLIENT", "LIST", "TYPE"), "ERR syntax error")
	if got := b.do("CLIENT", "LIST", "TYPE", "normal").str; strings.Count(got, "\n") != 2 {
		t.Fatalf("TYPE normal = %q", got)
	}
	if got := b.do("CLIENT", "LIST", "TYPE", "pubsub").str; got != "" {
		t.Fatalf("TYPE pubsub = %q", got)
	}
	mustStr(t, a.do("CLIENT", "SETNAME", ""), "OK")
	if r := a.do("CLIENT", "GETNAME"); !r.null {
		t.Fatalf("GETNAME after reset = %v", r)
	}
	mustStr(t, a.do("CLIENT", "SETINFO", "LIB-NAME", "go-redis"), "OK")
	mustErr(t, a.do("CLIENT", "SETINFO", "BOGUS", "x"), "ERR Unrecognized option 'BOGUS'")
}

func TestClientKill(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustErr(t, c.do("CLIENT", "KILL"), "ERR wrong number of arguments for 'client|kill' command")
	mustErr(t, c.do("CLIENT", "KILL", "id", "10", "wrong_arg"), "ERR syntax error")
	mustErr(t, c.do("CLIENT", "KILL", "id", "str"), "ERR client-id should be greater than 0")
	mustErr(t, c.do("CLIENT", "KILL", "id", "0"), "ERR client-id should be greater than 0")
	mustErr(t, c.do("CLIENT", "KILL", "type", "wrong_type"), "ERR Unknown client type 'wrong_type'")
	mustErr(t, c.do("CLIENT", "KILL", "user", "wrong_user"), "ERR No such user 'wrong_user'")
	mustErr(t, c.do("CLIENT", "KILL", "skipme", "yes_or_no"), "ERR syntax error")
	mustErr(t, c.do("CLIENT", "KILL", "1.2.3.4:5"), "ERR No such client")

	victim := dialTest(t, s)
	vid := victim.do("CLIENT", "ID").n
	addr := victim.conn.LocalAddr().String()
	mustStr(t, c.do("CLIENT", "KILL", addr), "OK")
	if _, err := victim.read(); err == nil {
		t.Fatal("killed client still connected")
	}
	waitFor(t, func() bool { return s.clientByID(vid) == nil })

	v2 := dialTest(t, s)
	id2 := v2.do("CLIENT", "ID").n
	mustInt(t, c.do("CLIENT", "KILL", "ID", strconv.FormatInt(id2, 10)), 1)
	mustInt(t, c.do("CLIENT", "KILL", "ID", strconv.FormatInt(id2, 10)), 0)
	waitFor(t, func() bool { return s.clientByID(id2) == nil })

	// SKIPME: by default the caller survives; with "no" it is closed after the reply.
	dialTest(t, s).do("PING")
	dialTest(t, s).do("PING")
	mustInt(t, c.do("CLIENT", "KILL", "TYPE", "normal"), 2)
	waitFor(t, func() bool { return len(s.sortedClients()) == 1 })
	mustInt(t, c.do("CLIENT", "KILL", "SKIPME", "no"), 1)
	if _, err := c.read(); err == nil {
		t.Fatal("caller not closed by SKIPME no")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not reached")
}

func TestClientReply(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	c.send("CLIENT", "REPLY", "OFF")
	c.send("PING", "a")
	c.send("PING", "b")
	mustStr(t, c.do("CLIENT", "REPLY", "ON"), "OK")
	mustStr(t, c.do("PING", "c"), "c")

	c.send("CLIENT", "REPLY", "SKIP")
	c.send("PING", "skipped")
	mustStr(t, c.do("PING", "d"), "d")

	c.send("CLIENT", "REPLY", "SKIP")
	mustStr(t, c.do("CLIENT", "REPLY", "ON"), "OK")
	mustStr(t, c.do("PING"), "PONG")
	mustErr(t, c.do("CLIENT", "REPLY", "MAYBE"), "ERR syntax error")
}

func TestClientPause(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustErr(t, c.do("CLIENT", "PAUSE", "abc"), "ERR timeout is not an integer or out of range")
	mustErr(t, c.do("CLIENT", "PAUSE", "-1"), "ERR timeout is negative")
	mustErr(t, c.do("CLIENT", "PAUSE", "10", "SOME"), "ERR CLIENT PAUSE mode must be WRITE or ALL")

	mustStr(t, c.do("CLIENT", "PAUSE", "100000", "WRITE"), "OK")
	other := dialTest(t, s)
	mustStr(t, other.do("GET", "k"), "(nil)") // reads pass a WRITE pause
	other.send("SET", "k", "v")
	time.Sleep(50 * time.Millisecond)
	mustStr(t, c.do("CLIENT", "UNPAUSE"), "OK")
	r, err := other.read()
	if err != nil || r.str != "OK" {
		t.Fatalf("paused SET = %v %v", r, err)
	}

	start := time.Now()
	mustStr(t, c.do("CLIENT", "PAUSE", "200"), "OK")
	other.do("GET", "k")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("GET during ALL pause returned after %v", d)
	}
	mustStr(t, c.do("CLIENT", "NO-EVICT", "on"), "OK")
	mustStr(t, c.do("CLIENT", "NO-TOUCH", "on"), "OK")
	if !strings.Contains(c.do("CLIENT", "INFO").str, "flags=eT ") {
		t.Fatal("NO-EVICT/NO-TOUCH flags not shown")
	}
	mustErr(t, c.do("CLIENT", "NO-EVICT", "maybe"), "ERR syntax error")
}

// infoOf returns one INFO field.
func infoOf(t *testing.T, c *testConn, field string) string {
	t.Helper()
	v, ok := infoField(c.do("INFO", "everything").str, field)
	if !ok {
		t.Fatalf("no %s in INFO", field)
	}
	return v
}

func TestClientPauseBlocksAndSuspendsExpiry(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("SET", "k", "v", "PX", "30"), "OK")
	mustStr(t, c.do("CLIENT", "PAUSE", "60000", "WRITE"), "OK")
	writers := []*testConn{dialTest(t, s), dialTest(t, s)}
	for _, w := range writers {
		w.send("SET", "x", "y")
	}
	deadline := time.Now().Add(2 * time.Second)
	for infoOf(t, c, "blocked_clients") != "2" {
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients = %s, want 2", infoOf(t, c, "blocked_clients"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond) // k is past its TTL now
	mustStr(t, c.do("GET", "k"), "(nil)")
	if n := infoOf(t, c, "expired_keys"); n != "0" {
		t.Fatalf("expired_keys = %s during a pause", n)
	}
	mustInt(t, c.do("DBSIZE"), 1) // still stored, only logically expired
	mustStr(t, c.do("CLIENT", "UNPAUSE"), "OK")
	for _, w := range writers {
		if r, err := w.read(); err != nil || r.str != "OK" {
			t.Fatalf("paused SET = %v %v", r, err)
		}
	}
	mustStr(t, c.do("GET", "k"), "(nil)")
	if n := infoOf(t, c, "expired_keys"); n != "1" {
		t.Fatalf("expired_keys = %s after the pause", n)
	}
	if n := infoOf(t, c, "blocked_clients"); n != "0" {
		t.Fatalf("blocked_clients = %s after the pause", n)
	}
}

// TestClientPauseWriteLetsReadOnlyScriptsRun: under CLIENT PAUSE WRITE a
// script or function that declares no-writes runs at once; an EVAL
// without flags (it may write) waits, as in Redis.
func TestClientPauseWriteLetsReadOnlyScriptsRun(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("FUNCTION", "LOAD", "#!lua name=ro\nredis.register_function{function_name='ro', callback=function() return 'fn' end, flags={'no-writes'}}"), "ro")
	mustStr(t, c.do("CLIENT", "PAUSE", "100000", "WRITE"), "OK")
	other := dialTest(t, s)
	mustStr(t, other.do("EVAL", "#!lua flags=no-writes\nreturn 'ro'", "0"), "ro")
	mustStr(t, other.do("FCALL", "ro", "0"), "fn")
	other.send("EVAL", "return 'compat'", "0")
	other.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := readReply(other.r); err == nil {
		t.Fatal("an EVAL without flags ran during CLIENT PAUSE WRITE")
	}
	mustStr(t, c.do("CLIENT", "UNPAUSE"), "OK")
	if r, err := other.read(); err != nil || r.str != "compat" {
		t.Fatalf("the paused EVAL after UNPAUSE: %+v %v", r, err)
	}

	// Inside MULTI the same holds: EXEC of no-writes scripts runs at once,
	// EXEC holding a script that may write waits.
	mustStr(t, c.do("CLIENT", "PAUSE", "100000", "WRITE"), "OK")
	tx := dialTest(t, s)
	mustStr(t, tx.do("MULTI"), "OK")
	mustStr(t, tx.do("EVAL", "#!lua flags=no-writes\nreturn 12", "0"), "QUEUED")
	mustStr(t, tx.do("FCALL_RO", "ro", "0"), "QUEUED")
	if r := tx.do("EXEC"); len(r.elems) != 2 || r.elems[0].n != 12 || r.elems[1].str != "fn" {
		t.Fatalf("EXEC of read-only scripts under CLIENT PAUSE WRITE: %+v", r)
	}
	mustStr(t, tx.do("MULTI"), "OK")
	mustStr(t, tx.do("EVAL", "#!lua\nreturn 1", "0"), "QUEUED")
	tx.send("EXEC")
	tx.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := readReply(tx.r); err == nil {
		t.Fatal("EXEC of a script that may write ran during CLIENT PAUSE WRITE")
	}
	mustStr(t, c.do("CLIENT", "UNPAUSE"), "OK")
	tx.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if r, err := tx.read(); err != nil || len(r.elems) != 1 || r.elems[0].n != 1 {
		t.Fatalf("the paused EXEC after UNPAUSE: %+v %v", r, err)
	}
}

// TestNormalOutputLimit: with client-output-buffer-limit normal set, a
// reply past the hard limit closes the client without it, and commands
// that could build a reply of any size (HRANDFIELD with a huge negative
// count) stop early instead of allocating it.
func TestNormalOutputLimit(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "client-output-buffer-limit", "normal 100000 0 0"), "OK")
	c.do("HSET", "h", "a", "b")
	c.do("RPUSH", "l", strings.Repeat("x", 60000), strings.Repeat("y", 60000))
	mustStr(t, c.do("LINDEX", "l", "0"), strings.Repeat("x", 60000)) // under the limit
	for _, args := range [][]string{{"HRANDFIELD", "h", "-999999999"}, {"LRANGE", "l", "0", "-1"}} {
		cl := dialTest(t, s)
		start := time.Now()
		cl.send(args...)
		if r, err := cl.read(); err == nil {
			t.Fatalf("%v: got a reply (%d bytes) past the output limit", args, len(r.str))
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%v took %v to be stopped", args, d)
		}
	}
	mustStr(t, c.do("PING"), "PONG") // other clients are unaffected
}
