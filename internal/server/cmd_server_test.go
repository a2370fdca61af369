package server

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/config"
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

func TestRenameCommand(t *testing.T) {
	s := startTestServer(t, "--rename-command", "flushdb", "badger", "--rename-command", "echo", "")
	c := dialTest(t, s)
	mustErr(t, c.do("FLUSHDB"), "ERR unknown command 'FLUSHDB'")
	mustErr(t, c.do("ECHO", "x"), "ERR unknown command 'ECHO'")
	mustStr(t, c.do("SET", "k", "v"), "OK")
	mustStr(t, c.do("BADGER"), "OK")
	mustInt(t, c.do("DBSIZE"), 0)

	cfg := config.New()
	if err := cfg.LoadArgs([]string{"--rename-command", "nosuchcommand", "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Config: cfg, Logger: discardLogger()}); err == nil {
		t.Fatal("renaming an unknown command was accepted")
	}
}

func TestSignalShutdownAndAbort(t *testing.T) {
	s := startTestServer(t, "--hz", "50", "--enable-debug-command", "yes")
	c := dialTest(t, s)
	mustErr(t, c.do("SHUTDOWN", "ABORT"), "ERR No shutdown in progress.")
	// With the cron paused the signal's shutdown stays pending and can be aborted.
	mustStr(t, c.do("DEBUG", "PAUSE-CRON", "1"), "OK")
	if s.Signal("SIGTERM") {
		t.Fatal("first SIGTERM asked to exit at once")
	}
	time.Sleep(100 * time.Millisecond)
	mustStr(t, c.do("SHUTDOWN", "ABORT"), "OK")
	mustStr(t, c.do("DEBUG", "PAUSE-CRON", "0"), "OK")
	time.Sleep(100 * time.Millisecond)
	mustStr(t, c.do("PING"), "PONG")

	// A second SIGINT while a shutdown is pending means "exit now".
	mustStr(t, c.do("DEBUG", "PAUSE-CRON", "1"), "OK")
	if s.Signal("SIGINT") || !s.Signal("SIGINT") {
		t.Fatal("repeated SIGINT not reported")
	}
	mustStr(t, c.do("DEBUG", "PAUSE-CRON", "0"), "OK")
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the cron did not carry out the signal's shutdown")
	}
	if s.ExitCode() != 0 {
		t.Fatalf("exit code %d", s.ExitCode())
	}
}

func TestMonitorRedactsCredentials(t *testing.T) {
	s := startTestServer(t)
	mon := dialTest(t, s)
	mustStr(t, mon.do("MONITOR"), "OK")
	c := dialTest(t, s)
	c.do("AUTH", "not-real")
	c.do("AUTH", "user", "secret")
	c.do("HELLO", "2", "AUTH", "user", "secret")
	c.do("MIGRATE", "127.0.0.1", "1", "key", "9", "5000", "AUTH2", "user", "secret")
	for _, want := range []string{
		`"AUTH" "(redacted)"`,
		`"AUTH" "(redacted)" "(redacted)"`,
		`"HELLO" "2" "AUTH" "(redacted)" "(redacted)"`,
		`"MIGRATE" "127.0.0.1" "1" "key" "9" "5000" "AUTH2" "(redacted)" "(redacted)"`,
	} {
		r, err := mon.read()
		if err != nil || !strings.HasSuffix(r.str, want) {
			t.Fatalf("monitor line %q (%v), want suffix %q", r.str, err, want)
		}
	}
}

func TestMigrateMovesKeys(t *testing.T) {
	src, dst := startTestServer(t), startTestServer(t)
	c, d := dialTest(t, src), dialTest(t, dst)
	host, port, _ := strings.Cut(dst.Addr(), ":")
	mustStr(t, c.do("SET", "a", "1"), "OK")
	mustInt(t, c.do("RPUSH", "b", "x", "y"), 2)
	mustInt(t, c.do("PEXPIRE", "a", "100000"), 1)
	mustStr(t, c.do("MIGRATE", host, port, "a", "3", "5000"), "OK")
	mustInt(t, c.do("EXISTS", "a"), 0)
	mustStr(t, d.do("SELECT", "3"), "OK")
	mustStr(t, d.do("GET", "a"), "1")
	if ttl := d.do("PTTL", "a").n; ttl < 90000 || ttl > 100000 {
		t.Fatalf("migrated TTL = %d", ttl)
	}
	// COPY keeps the source; an existing target key needs REPLACE.
	mustStr(t, c.do("SET", "a", "2"), "OK")
	mustErr(t, c.do("MIGRATE", host, port, "a", "3", "5000", "COPY"), "ERR Target instance replied with error: BUSYKEY Target key name already exists.")
	mustStr(t, c.do("MIGRATE", host, port, "", "3", "5000", "COPY", "REPLACE", "KEYS", "a", "b", "nosuch"), "OK")
	mustStr(t, c.do("GET", "a"), "2")
	mustStr(t, d.do("GET", "a"), "2")
	if got := d.do("LRANGE", "b", "0", "-1").strs(); strings.Join(got, ",") != "x,y" {
		t.Fatalf("migrated list = %v", got)
	}
	if !strings.Contains(c.do("INFO", "stats").str, "migrate_cached_sockets:1") {
		t.Fatal("the target connection is not cached")
	}
}

func TestMigrateWithoutKeys(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("MIGRATE", "127.0.0.1", "1", "nokey", "9", "5000"), "NOKEY")
	mustStr(t, c.do("MIGRATE", "127.0.0.1", "1", "", "9", "5000", "COPY", "REPLACE", "AUTH", "pw", "KEYS", "a", "b"), "NOKEY")
	mustErr(t, c.do("MIGRATE", "127.0.0.1", "1", "k", "9", "5000", "KEYS", "a"), "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
	mustErr(t, c.do("MIGRATE", "127.0.0.1", "1", "k", "9", "5000", "AUTH"), "ERR syntax error")
	mustErr(t, c.do("MIGRATE", "127.0.0.1", "1", "k", "x", "5000"), "ERR value is not an integer or out of range")
	mustStr(t, c.do("SET", "k", "v"), "OK")
	mustErr(t, c.do("MIGRATE", "127.0.0.1", "1", "k", "9", "500"), "IOERR error or timeout connecting to the client")
	keys := c.do("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "AUTH2", "u", "p", "KEYS", "a", "b").strs()
	if strings.Join(keys, " ") != "a b" {
		t.Fatalf("MIGRATE keys = %v", keys)
	}
}
