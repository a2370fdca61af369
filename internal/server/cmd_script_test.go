package server

import (
	"github.com/peregrinedb/peregrine/internal/rdb"
	"strings"
	"testing"
	"time"
)

// waitBusy polls with PING until the server answers BUSY.
func waitBusy(t *testing.T, c *testConn) reply {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r := c.do("PING")
		if r.kind == '-' && strings.HasPrefix(r.str, "BUSY") {
			return r
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the server never became busy")
	return reply{}
}

func TestEvalBasics(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("EVAL", "return redis.call('set',KEYS[1],ARGV[1])", "1", "k", "v"), "OK")
	mustStr(t, c.do("GET", "k"), "v")
	sha := c.do("SCRIPT", "LOAD", "return redis.call('get',KEYS[1])")
	mustStr(t, c.do("EVALSHA", sha.str, "1", "k"), "v")
	mustStr(t, c.do("EVALSHA", strings.ToUpper(sha.str), "1", "k"), "v")
	mustErr(t, c.do("EVALSHA", "NotValidShaSUM", "0"), "NOSCRIPT No matching script. Please use EVAL.")
	mustErr(t, c.do("EVAL", "return 1", "2", "a"), "ERR Number of keys can't be greater than number of args")
	mustErr(t, c.do("EVAL", "return 1", "-1"), "ERR Number of keys can't be negative")
	mustErr(t, c.do("EVAL", "return 1", "x"), "ERR value is not an integer or out of range")
	mustErr(t, c.do("EVAL_RO", "return redis.call('del', KEYS[1])", "1", "k"), "ERR Write commands are not allowed from read-only scripts. script:")
	mustErr(t, c.do("EVAL", "return redis.call('eval', 'return 1', 0)", "0"), "ERR This Redis command is not allowed from script script:")
	if r := c.do("SCRIPT", "EXISTS", sha.str, "ffffffffffffffffffffffffffffffffffffffff"); r.String() != "[1 0]" {
		t.Fatalf("SCRIPT EXISTS = %v", r)
	}
	mustStr(t, c.do("SCRIPT", "FLUSH"), "OK")
	mustErr(t, c.do("EVALSHA", sha.str, "1", "k"), "NOSCRIPT")
	// SELECT inside a script does not change the caller's database.
	mustStr(t, c.do("EVAL", "redis.call('select','9'); return redis.call('set','k','nine')", "0"), "OK")
	mustStr(t, c.do("GET", "k"), "v")
	mustStr(t, c.do("SELECT", "9"), "OK")
	mustStr(t, c.do("GET", "k"), "nine")
}

func TestScriptErrorStats(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	c.do("CONFIG", "RESETSTAT")
	mustErr(t, c.do("EVAL", "return redis.call('select',99)", "0"), "ERR DB index is out of range")
	info := c.do("INFO", "errorstats").str
	if !strings.Contains(info, "errorstat_ERR:count=1") {
		t.Fatalf("errorstats = %q", info)
	}
	cs := c.do("INFO", "commandstats").str
	if !strings.Contains(cs, "cmdstat_select:calls=1,") || !strings.Contains(cs, "cmdstat_eval:calls=1,") ||
		!strings.Contains(cs, "failed_calls=1") {
		t.Fatalf("commandstats = %q", cs)
	}
	c.do("CONFIG", "RESETSTAT")
	mustErr(t, c.do("EVAL", "return redis.error_reply('MY_ERR_CODE custom msg')", "0"), "MY_ERR_CODE custom msg")
	if info := c.do("INFO", "errorstats").str; !strings.Contains(info, "errorstat_MY_ERR_CODE:count=1") {
		t.Fatalf("errorstats = %q", info)
	}
}

func TestScriptBusyAndKill(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "busy-reply-threshold", "50"), "OK")
	runner := dialTest(t, s)
	runner.send("EVAL", "local i = 0 while true do i = i + 1 end", "0")
	r := waitBusy(t, c)
	mustErr(t, r, "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
	mustErr(t, c.do("FUNCTION", "KILL"), "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
	mustErr(t, c.do("FUNCTION", "STATS"), "BUSY")
	mustStr(t, c.do("SCRIPT", "KILL"), "OK")
	res, err := runner.read()
	if err != nil {
		t.Fatal(err)
	}
	mustErr(t, res, "ERR Script killed by user with SCRIPT KILL... script:")
	mustStr(t, c.do("PING"), "PONG")
	mustErr(t, c.do("SCRIPT", "KILL"), "NOTBUSY No scripts in execution right now.")

	// A script that wrote cannot be killed; pcall cannot swallow a kill.
	runner.send("EVAL", "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end", "0")
	waitBusy(t, c)
	mustStr(t, c.do("SCRIPT", "KILL"), "OK")
	res, _ = runner.read()
	mustErr(t, res, "ERR Script killed by user with SCRIPT KILL...")

	runner.send("EVAL", "redis.call('set','x','y') while true do end", "0")
	waitBusy(t, c)
	mustErr(t, c.do("SCRIPT", "KILL"), "UNKILLABLE Sorry the script already executed write commands")
	mustErr(t, c.do("SHUTDOWN"), "BUSY")
}

func TestFunctionBusyStatsAndKill(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "busy-reply-threshold", "50"), "OK")
	mustStr(t, c.do("FUNCTION", "LOAD", "#!lua name=test\nredis.register_function('test', function() local a = 1 while true do a = a + 1 end end)"), "test")
	runner := dialTest(t, s)
	runner.send("FCALL", "test", "0")
	mustErr(t, waitBusy(t, c), "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.")
	st := c.do("FUNCTION", "STATS")
	rs, _ := st.field("running_script")
	if name, _ := rs.field("name"); name.str != "test" {
		t.Fatalf("FUNCTION STATS = %v", st)
	}
	if cmd, _ := rs.field("command"); cmd.String() != "[FCALL test 0]" {
		t.Fatalf("FUNCTION STATS command = %v", cmd)
	}
	mustErr(t, c.do("SCRIPT", "KILL"), "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.")
	mustStr(t, c.do("FUNCTION", "KILL"), "OK")
	res, _ := runner.read()
	mustErr(t, res, "ERR Script killed by user with SCRIPT KILL...")
	mustStr(t, c.do("PING"), "PONG")
}

func TestBusyScriptKeepsPipelinedCommandsInOrder(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "busy-reply-threshold", "50"), "OK")
	runner := dialTest(t, s)
	runner.send("EVAL", "while 1 do redis.call('ping') end", "0")
	runner.send("PING")
	waitBusy(t, c)
	mustStr(t, c.do("SCRIPT", "KILL"), "OK")
	res, _ := runner.read()
	mustErr(t, res, "ERR Script killed by user")
	res, _ = runner.read()
	mustStr(t, res, "PONG")
}

func TestShutdownNosaveStopsBusyScript(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "busy-reply-threshold", "50"), "OK")
	runner := dialTest(t, s)
	runner.send("EVAL", "redis.call('set','x','y') while true do end", "0")
	waitBusy(t, c)
	c.send("SHUTDOWN", "NOSAVE")
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SHUTDOWN NOSAVE did not stop the server")
	}
}

func TestFunctionCommands(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	code := "#!lua name=lib1\nlocal function add1(a) return a + 1 end\n" +
		"redis.register_function('f1', function(keys, args) return add1(1) end)\n" +
		"redis.register_function{function_name='f2', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}"
	mustStr(t, c.do("FUNCTION", "LOAD", code), "lib1")
	mustErr(t, c.do("FUNCTION", "LOAD", code), "ERR Library 'lib1' already exists")
	mustInt(t, c.do("FCALL", "f1", "0"), 2)
	mustInt(t, c.do("FCALL", "F1", "0"), 2)
	c.do("SET", "k", "v")
	mustStr(t, c.do("FCALL_RO", "f2", "1", "k"), "v")
	mustErr(t, c.do("FCALL_RO", "f1", "0"), "ERR Can not execute a script with write flag using *_ro command.")
	mustErr(t, c.do("FCALL", "nosuch", "0"), "ERR Function not found")
	mustErr(t, c.do("FCALL", "f1", "x"), "ERR Bad number of keys provided")
	list := c.do("FUNCTION", "LIST")
	if got := list.String(); got != "[[library_name lib1 engine LUA functions [[name f1 description (nil) flags []] [name f2 description reads flags [no-writes]]]]]" {
		t.Fatalf("FUNCTION LIST = %s", got)
	}
	dump := c.do("FUNCTION", "DUMP")
	mustStr(t, c.do("FUNCTION", "FLUSH"), "OK")
	mustStr(t, c.do("FUNCTION", "RESTORE", dump.str), "OK")
	mustInt(t, c.do("FCALL", "f1", "0"), 2)
	mustErr(t, c.do("FUNCTION", "RESTORE", dump.str), "ERR Library lib1 already exists")
	mustStr(t, c.do("FUNCTION", "RESTORE", dump.str, "REPLACE"), "OK")
	mustErr(t, c.do("FUNCTION", "RESTORE", "bad_payload"), "ERR DUMP payload version or checksum are wrong")
	st := c.do("FUNCTION", "STATS")
	if got := st.String(); got != "[running_script (nil) engines [LUA [libraries_count 1 functions_count 2]]]" {
		t.Fatalf("FUNCTION STATS = %s", got)
	}
	mustStr(t, c.do("FUNCTION", "DELETE", "lib1"), "OK")
	mustErr(t, c.do("FUNCTION", "DELETE", "lib1"), "ERR Library not found")
}

func TestFunctionDumpPayloadFormat(t *testing.T) {
	p := functionDumpPayload([][]byte{[]byte("#!lua name=x\nreturn 1")})
	if !rdb.VerifyPayload(p, false) {
		t.Fatal("payload does not verify")
	}
	codes, msg := parseFunctionPayload(p)
	if msg != "" || len(codes) != 1 || string(codes[0]) != "#!lua name=x\nreturn 1" {
		t.Fatalf("parse = %q %q", codes, msg)
	}
}

// BenchmarkEvalshaLocal runs a small cached script through the full
// dispatch path (in-process client): lookup, lock, script, one redis.call.
func BenchmarkEvalshaLocal(b *testing.B) {
	s := startTestServer(b)
	lc := s.NewLocalClient()
	lc.Do([][]byte{[]byte("SET"), []byte("k"), []byte("v")})
	sha := lc.Do([][]byte{[]byte("SCRIPT"), []byte("LOAD"), []byte("return redis.call('get', KEYS[1])")})
	args := [][]byte{[]byte("EVALSHA"), sha[5:45], []byte("1"), []byte("k")}
	if got := string(lc.Do(args)); got != "$1\r\nv\r\n" {
		b.Fatalf("EVALSHA = %q", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		lc.Do(args)
	}
}

// BenchmarkGetLocal is the baseline: GET through the same path.
func BenchmarkGetLocal(b *testing.B) {
	s := startTestServer(b)
	lc := s.NewLocalClient()
	lc.Do([][]byte{[]byte("SET"), []byte("k"), []byte("v")})
	args := [][]byte{[]byte("GET"), []byte("k")}
	b.ReportAllocs()
	for b.Loop() {
		lc.Do(args)
	}
}

// BenchmarkSetLocal is SET overwriting one key through the same path.
func BenchmarkSetLocal(b *testing.B) {
	s := startTestServer(b)
	lc := s.NewLocalClient()
	args := [][]byte{[]byte("SET"), []byte("k"), []byte("vvvvvvvv")}
	lc.Do(args)
	b.ReportAllocs()
	for b.Loop() {
		lc.Do(args)
	}
}
