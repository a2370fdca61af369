package script

import (
	"strings"
	"testing"
)

func TestEvalConversions(t *testing.T) {
	e := NewEval(NewShared())
	h := newFakeHost()
	cases := []struct {
		body, want string
	}{
		{"return 'hello'", "$5\r\nhello\r\n"},
		{"return 100.5", ":100\r\n"},
		{"return -2.9", ":-2\r\n"},
		{"return true", ":1\r\n"},
		{"return false", "$-1\r\n"},
		{"return nil", "$-1\r\n"},
		{"return {ok='fine'}", "+fine\r\n"},
		{"return {err='ERR this is an error'}", "-ERR this is an error\r\n"},
		{"return {1,2,3,'ciao',{1,2}}", "*5\r\n:1\r\n:2\r\n:3\r\n$4\r\nciao\r\n*2\r\n:1\r\n:2\r\n"},
		{"return {1,2,nil,4}", "*2\r\n:1\r\n:2\r\n"},
		{"return _G", "*0\r\n"},
		{"return redis.status_reply('X Y')", "+X Y\r\n"},
		{"return redis.error_reply('MY_ERR custom')", "-MY_ERR custom\r\n"},
		{"return redis.error_reply('')", "-ERR \r\n"},
		{"return {ok='a\\r\\nb'}", "+a  b\r\n"},
		{"return {double=3.5}", "$3\r\n3.5\r\n"},
		{"return {big_number='123\\r\\n123'}", "$8\r\n123  123\r\n"},
		{"return redis.sha1hex('')", "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n"},
		{"return redis.sha1hex('Pizza & Mandolino')", "$40\r\n74822d82031af7493c20eefa13bd07ec4fada82f\r\n"},
		{"return redis.call('ping')", "+PONG\r\n"},
		{"return redis.pcall('incr','k')", ":1\r\n"},
		{"local t = redis.pcall('nosuch'); return t.err", "$44\r\nERR Unknown Redis command called from script\r\n"},
		{"local ok, e = pcall(redis.call, 'nosuch'); return {tostring(ok), e}", "*2\r\n$5\r\nfalse\r\n$44\r\nERR Unknown Redis command called from script\r\n"},
		{"return redis.call('set','foo', 9007199254740991)", "+OK\r\n"},
		{"return redis.call('get','foo')", "$16\r\n9007199254740991\r\n"},
		{"return redis.call('get','missing')", "$-1\r\n"},
		{"return type(redis.call('get','missing'))", "$7\r\nboolean\r\n"},
		{"return redis.REDIS_VERSION", "$6\r\n7.0.15\r\n"},
		{"return redis.REDIS_VERSION_NUM", ":458767\r\n"},
		{"return redis.replicate_commands()", ":1\r\n"},
		{"return tostring(0.1)", "$3\r\n0.1\r\n"},
		{"return table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')", "$26\r\n0 -5000 -1 0.0003 1023.2 0\r\n"},
		{"return cjson.encode({1,2,3,{a=1}})", "$15\r\n[1,2,3,{\"a\":1}]\r\n"},
		{"return bit.tohex(255)", "$8\r\n000000ff\r\n"},
		{"assert(bit.tobit(1) == 1); assert(bit.band(1) == 1); assert(bit.bxor(1,2) == 3); return bit.bor(1,2,4,8,16,32,64,128)", ":255\r\n"},
		{"return 'hello' --trailing comment", "$5\r\nhello\r\n"},
	}
	for _, c := range cases {
		if got := evalRaw(t, e, h, 2, c.body, nil); got != c.want {
			t.Errorf("%s\n got %q\nwant %q", c.body, got, c.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	e := NewEval(NewShared())
	h := newFakeHost()
	cases := []struct {
		body, want string
	}{
		{"return a", "-ERR user_script:1: Script attempted to access nonexistent global variable 'a' script: %s, on @user_script:1.\r\n"},
		{"a=10", "-ERR user_script:1: Attempt to modify a readonly table script: %s, on @user_script:1.\r\n"},
		{"redis.call('nosuch')", "-ERR Unknown Redis command called from script script: %s, on @user_script:1.\r\n"},
		{"local t = {} ; t.x.y = 1", "-ERR user_script:1: attempt to index field 'x' (a nil value) script: %s, on @user_script:1.\r\n"},
		{"local x = nil; x()", "-ERR user_script:1: attempt to call local 'x' (a nil value) script: %s, on @user_script:1.\r\n"},
		{"error('boom')", "-ERR user_script:1: boom script: %s, on @user_script:1.\r\n"},
		{"error({err='MY boom'})", "-MY boom script: %s, on @user_script:1.\r\n"},
		{"error()", "-ERR nil script: %s, on @user_script:1.\r\n"},
		{"error(12)", "-ERR user_script:1: 12 script: %s, on @user_script:1.\r\n"},
		{"local t = {}; t.foo()", "-ERR user_script:1: attempt to call field 'foo' (a nil value) script: %s, on @user_script:1.\r\n"},
		{"return ('x'):bad()", "-ERR user_script:1: attempt to call method 'bad' (a nil value) script: %s, on @user_script:1.\r\n"},
		{"return 1 + {}", "-ERR user_script:1: attempt to perform arithmetic on a table value script: %s, on @user_script:1.\r\n"},
		{"return #nil", "-ERR user_script:1: attempt to get length of a nil value script: %s, on @user_script:1.\r\n"},
		{"return loadstring(string.dump(function() return 1 end))()", "-ERR user_script:1: attempt to call a nil value script: %s, on @user_script:1.\r\n"},
		{"redis.call = function() return 1 end", "-ERR user_script:1: Attempt to modify a readonly table script: %s, on @user_script:1.\r\n"},
		{"setmetatable(_G, {})", "-ERR Attempt to modify a readonly table script: %s, on @user_script:1.\r\n"},
		{"local g = getmetatable(_G)\ng.__index = {}", "-ERR user_script:2: Attempt to modify a readonly table script: %s, on @user_script:2.\r\n"},
		{"_G = {}", "-ERR user_script:1: Attempt to modify a readonly table script: %s, on @user_script:1.\r\n"},
		{"cjson.encode = function() return 1 end", "-ERR user_script:1: Attempt to modify a readonly table script: %s, on @user_script:1.\r\n"},
		{"loadfile('x')", "-ERR user_script:1: Script attempted to access nonexistent global variable 'loadfile' script: %s, on @user_script:1.\r\n"},
		{"print('x')", "-ERR user_script:1: Script attempted to access nonexistent global variable 'print' script: %s, on @user_script:1.\r\n"},
		{"redis.sha1hex()", "-ERR wrong number of arguments script: %s, on @user_script:1.\r\n"},
		{"return redis.call()", "-ERR Please specify at least one argument for this redis lib call script: %s, on @user_script:1.\r\n"},
		{"return redis.call('ping', {})", "-ERR Lua redis lib command arguments must be strings or integers script: %s, on @user_script:1.\r\n"},
		{"redis.set_repl(12345)", "-ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE. script: %s, on @user_script:1.\r\n"},
		{"cjson.decode('[')", "-ERR user_script:1: Expected value but found T_END at character 2 script: %s, on @user_script:1.\r\n"},
		{"return bit.band('x')", "-ERR user_script:1: bad argument #1 to 'band' (number expected, got string) script: %s, on @user_script:1.\r\n"},
		{"return cjson.encode(function() end)", "-ERR user_script:1: Cannot serialise function: type not supported script: %s, on @user_script:1.\r\n"},
		{"return redis.call('incr','bad')", "-ERR value is not an integer or out of range script: %s, on @user_script:1.\r\n"},
	}
	h.data["bad"] = "x"
	for _, c := range cases {
		s, err := e.Load([]byte(c.body))
		if err != nil {
			t.Errorf("%s: load: %v", c.body, err)
			continue
		}
		want := strings.Replace(c.want, "%s", s.SHA(), 1)
		if got := evalRaw(t, e, h, 2, c.body, nil); got != want {
			t.Errorf("%s\n got %q\nwant %q", c.body, got, want)
		}
	}
	if _, err := e.Load([]byte("return 1 +")); err == nil || err.Error() != "Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'" {
		t.Errorf("compile error = %v", err)
	}
}

func TestEvalKeysArgvAndResp3(t *testing.T) {
	e := NewEval(NewShared())
	h := newFakeHost()
	got := evalRaw(t, e, h, 2, "return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}", []string{"a", "b"}, "c", "d")
	if got != "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n" {
		t.Fatalf("keys/argv: %q", got)
	}
	checks := []struct {
		body  string
		proto int
		want  string
	}{
		{"redis.setresp(3); return redis.call('hgetall','h')", 3, "%1\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{"redis.setresp(3); return redis.call('hgetall','h')", 2, "*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{"redis.setresp(2); return redis.call('hgetall','h')", 3, "*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{"redis.setresp(3); return redis.call('double')", 3, ",3.141\r\n"},
		{"redis.setresp(3); return redis.call('double')", 2, "$5\r\n3.141\r\n"},
		{"redis.setresp(3); return redis.call('bool', '1')", 3, "#t\r\n"},
		{"redis.setresp(3); return redis.call('bool', '0')", 2, ":0\r\n"},
		{"redis.setresp(2); return redis.call('bool', '1')", 3, ":1\r\n"},
		{"redis.setresp(3); return redis.call('null')", 3, "_\r\n"},
		{"redis.setresp(3); return redis.call('null')", 2, "$-1\r\n"},
		{"redis.setresp(3); return redis.call('verbatim')", 3, "=9\r\ntxt:hello\r\n"},
		{"redis.setresp(3); return redis.call('bignum')", 3, "(1234567999999999999999999999999999999\r\n"},
		{"redis.setresp(3); return redis.call('setof', 'a')", 3, "~1\r\n$1\r\na\r\n"},
		{"return false", 3, "_\r\n"},
		{"redis.setresp(3); return false", 3, "#f\r\n"},
	}
	for _, c := range checks {
		if got := evalRaw(t, e, h, c.proto, c.body, nil); got != c.want {
			t.Errorf("%s (client RESP%d)\n got %q\nwant %q", c.body, c.proto, got, c.want)
		}
	}
}

func TestEvalRecursiveReply(t *testing.T) {
	e := NewEval(NewShared())
	h := newFakeHost()
	got := evalRaw(t, e, h, 2, "local a = {}; local b = {a}; a[1] = b; return a", nil)
	if !strings.HasSuffix(got, "-ERR reached lua stack limit\r\n") || !strings.HasPrefix(got, "*1\r\n*1\r\n") {
		t.Fatalf("recursive reply: %.60q ... %q", got, got[len(got)-40:])
	}
}

func TestMathRandomIsRedisRand48(t *testing.T) {
	e := NewEval(NewShared())
	h := newFakeHost()
	a := evalRaw(t, e, h, 2, "math.randomseed(ARGV[1]); return tostring(math.random())", nil, "10")
	b := evalRaw(t, e, h, 2, "math.randomseed(ARGV[1]); return tostring(math.random())", nil, "10")
	c := evalRaw(t, e, h, 2, "math.randomseed(ARGV[1]); return tostring(math.random())", nil, "20")
	if a != b || a == c {
		t.Fatalf("seeding: %q %q %q", a, b, c)
	}
	// The first number of a fresh server is Redis's (0x1234ABCD330E state).
	e2 := NewEval(NewShared())
	if got := evalRaw(t, e2, h, 2, "return tostring(math.random())", nil); got != "$16\r\n0.39646477363839\r\n" {
		t.Fatalf("first random = %q", got)
	}
}

// TestEvalKeysArgvFreshEachRun: KEYS and ARGV are refilled between runs
// rather than reallocated, so whatever a script did to them must not show
// in the next run.
func TestEvalKeysArgvFreshEachRun(t *testing.T) {
	e := NewEval(NewShared())
	h := newFakeHost()
	const show = "return {#KEYS, #ARGV, table.concat(KEYS, ','), table.concat(ARGV, ','), tostring(getmetatable(KEYS)), tostring(KEYS.x), tostring(ARGV[-1])}"
	steps := []struct {
		body       string
		keys, args []string
		want       string
	}{
		{show, []string{"a", "b"}, []string{"1"}, "*7\r\n:2\r\n:1\r\n$3\r\na,b\r\n$1\r\n1\r\n$3\r\nnil\r\n$3\r\nnil\r\n$3\r\nnil\r\n"},
		{"table.insert(KEYS, 'z'); KEYS.x = 1; ARGV[-1] = 'neg'; setmetatable(ARGV, {}); return 1", []string{"a"}, []string{"1"}, ":1\r\n"},
		{show, []string{"c"}, []string{"2"}, "*7\r\n:1\r\n:1\r\n$1\r\nc\r\n$1\r\n2\r\n$3\r\nnil\r\n$3\r\nnil\r\n$3\r\nnil\r\n"},
		{"KEYS[5] = 'far'; ARGV[1] = nil; return 1", []string{"a", "b"}, []string{"1", "2"}, ":1\r\n"},
		{show, []string{"d", "e", "f"}, nil, "*7\r\n:3\r\n:0\r\n$5\r\nd,e,f\r\n$0\r\n\r\n$3\r\nnil\r\n$3\r\nnil\r\n$3\r\nnil\r\n"},
		{show, []string{"g"}, []string{"x", "y"}, "*7\r\n:1\r\n:2\r\n$1\r\ng\r\n$3\r\nx,y\r\n$3\r\nnil\r\n$3\r\nnil\r\n$3\r\nnil\r\n"},
		{show, nil, nil, "*7\r\n:0\r\n:0\r\n$0\r\n\r\n$0\r\n\r\n$3\r\nnil\r\n$3\r\nnil\r\n$3\r\nnil\r\n"},
	}
	for i, st := range steps {
		if got := evalRaw(t, e, h, 2, st.body, st.keys, st.args...); got != st.want {
			t.Errorf("step %d: %s\n got %q\nwant %q", i, st.body, got, st.want)
		}
	}
}
