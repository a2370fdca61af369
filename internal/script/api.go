package script

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Redis's version as the Lua API reports it (redis.REDIS_VERSION_NUM is
// 0x00MMmmpp).
const (
	redisVersion    = "7.0.15"
	redisVersionNum = 7<<16 | 0<<8 | 15
)

// Replication flags of redis.set_repl.
const (
	replAOF     = 1
	replReplica = 2
	replAll     = replAOF | replReplica
)

// redisAPI builds the redis table of a state: redis.call and friends. In
// function mode the EVAL-only debugger calls and replicate_commands are
// absent, as in Redis.
func (v *vm) redisAPI(libraryAPI bool) *lua.LTable {
	L := v.L
	t := L.CreateTable(0, 32)
	set := func(name string, fn lua.LGFunction) { t.RawSetString(name, L.NewFunction(fn)) }
	registerLog := func() {
		set("log", v.redisLog)
		t.RawSetString("LOG_DEBUG", lua.LNumber(0))
		t.RawSetString("LOG_VERBOSE", lua.LNumber(1))
		t.RawSetString("LOG_NOTICE", lua.LNumber(2))
		t.RawSetString("LOG_WARNING", lua.LNumber(3))
	}
	registerVersion := func() {
		t.RawSetString("REDIS_VERSION_NUM", lua.LNumber(redisVersionNum))
		t.RawSetString("REDIS_VERSION", lua.LString(redisVersion))
	}
	if libraryAPI {
		set("register_function", v.registerFunction)
		registerLog()
		registerVersion()
		return t
	}
	set("call", func(L *lua.LState) int { return v.redisCall(L, true) })
	set("pcall", func(L *lua.LState) int { return v.redisCall(L, false) })
	registerLog()
	registerVersion()
	set("setresp", v.redisSetResp)
	set("sha1hex", v.redisSha1hex)
	set("error_reply", redisErrorReply)
	set("status_reply", redisStatusReply)
	set("set_repl", v.redisSetRepl)
	t.RawSetString("REPL_NONE", lua.LNumber(0))
	t.RawSetString("REPL_AOF", lua.LNumber(replAOF))
	t.RawSetString("REPL_SLAVE", lua.LNumber(replReplica))
	t.RawSetString("REPL_REPLICA", lua.LNumber(replReplica))
	t.RawSetString("REPL_ALL", lua.LNumber(replAll))
	set("acl_check_cmd", v.redisACLCheck)
	if !v.funcMode {
		set("breakpoint", func(L *lua.LState) int {
			L.Push(lua.LFalse) // no debugger session is ever active
			return 1
		})
		set("debug", func(L *lua.LState) int { return 0 })
		set("replicate_commands", func(L *lua.LState) int {
			L.Push(lua.LTrue)
			return 1
		})
	}
	return t
}

// errorTable builds the {err=...} table Redis uses for error replies in
// Lua. ignoreStats marks errors already counted by the command that
// produced them.
func (v *vm) errorTable(msg string, ignoreStats bool) *lua.LTable {
	t := v.L.CreateTable(0, 2)
	t.RawSetString("err", lua.LString(msg))
	if ignoreStats {
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
	}
	return t
}

// raise raises an {err=msg} table built from a Redis-style message (see
// errorText).
func (v *vm) raise(L *lua.LState, msg string) {
	L.Error(v.errorTable(errorText(msg), false), 0)
}

// errorText normalizes an error message as Redis's luaPushErrorBuff: a
// "-CODE message" keeps its code, a plain message gets "ERR"; trailing
// newlines go.
func errorText(s string) string {
	code, msg := "ERR", s
	if strings.HasPrefix(s, "-") {
		if i := strings.IndexByte(s, ' '); i < 0 {
			msg = s[1:]
		} else {
			code, msg = s[1:i], s[i+1:]
		}
	}
	return code + " " + strings.Trim(msg, "\r\n")
}

// argv converts the Lua arguments of a redis lib call into command
// arguments: strings as they are, numbers with "%.17g" (Lua's own format
// would lose precision). It returns false if an argument is neither.
func (v *vm) argvFromStack(L *lua.LState) ([][]byte, bool) {
	n := L.GetTop()
	buf := v.argBuf[:0]
	ends := v.argEnds[:0]
	for i := 1; i <= n; i++ {
		switch a := L.Get(i).(type) {
		case lua.LString:
			buf = append(buf, a...)
		case lua.LNumber:
			buf = strconv.AppendFloat(buf, float64(a), 'g', 17, 64)
		default:
			v.argBuf, v.argEnds = buf, ends
			return nil, false
		}
		ends = append(ends, len(buf))
	}
	argv := v.argv[:0]
	from := 0
	for _, to := range ends {
		argv = append(argv, buf[from:to:to])
		from = to
	}
	v.argBuf, v.argEnds, v.argv = buf, ends, argv
	return argv, true
}

// redisCall is redis.call (raise true) and redis.pcall.
func (v *vm) redisCall(L *lua.LState, raise bool) int {
	if v.run == nil {
		v.raise(L, "redis.call/pcall can only be called inside a script invocation")
	}
	if L.GetTop() == 0 {
		return v.callFailed(L, "Please specify at least one argument for this redis lib call", raise)
	}
	argv, ok := v.argvFromStack(L)
	if !ok {
		return v.callFailed(L, "Lua redis lib command arguments must be strings or integers", raise)
	}
	L.SetTop(0)
	reply, rejected := v.run.host.Call(argv, v.run.proto)
	if rejected != "" {
		t := v.errorTable(errorText("-"+rejected), true)
		if raise {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	val, _ := v.parseReply(reply, 0)
	if raise && len(reply) > 0 && reply[0] == '-' {
		L.Error(val, 0)
	}
	L.Push(val)
	return 1
}

// callFailed reports an argument error of redis.call/pcall.
func (v *vm) callFailed(L *lua.LState, msg string, raise bool) int {
	t := v.errorTable(errorText(msg), false)
	if raise {
		L.Error(t, 0)
	}
	L.Push(t)
	return 1
}

func (v *vm) redisSha1hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		v.raise(L, "wrong number of arguments")
	}
	var s string
	switch a := L.Get(1).(type) {
	case lua.LString:
		s = string(a)
	case lua.LNumber:
		s = formatNumber(float64(a))
	}
	sum := sha1.Sum([]byte(s))
	L.Push(lua.LString(hex.EncodeToString(sum[:])))
	return 1
}

func redisErrorReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errTableFor(L, "ERR wrong number or type of arguments"))
		return 1
	}
	msg := string(s)
	if !strings.HasPrefix(msg, "-") {
		msg = "-" + msg
	}
	L.Push(errTableFor(L, errorText(msg)))
	return 1
}

func redisStatusReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errTableFor(L, "ERR wrong number or type of arguments"))
		return 1
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

func errTableFor(L *lua.LState, msg string) *lua.LTable {
	t := L.CreateTable(0, 1)
	t.RawSetString("err", lua.LString(msg))
	return t
}

// redisLog is redis.log(level, message...).
func (v *vm) redisLog(L *lua.LState) int {
	argc := L.GetTop()
	if argc < 2 {
		v.raise(L, "redis.log() requires two arguments or more.")
	}
	lvl, ok := toNumber(L.Get(1))
	if !ok {
		v.raise(L, "First argument must be a number (log level).")
	}
	level := int(lvl)
	if level < 0 || level > 3 {
		v.raise(L, "Invalid debug level.")
	}
	var sb strings.Builder
	for j := 2; j <= argc; j++ {
		var s string
		switch a := L.Get(j).(type) {
		case lua.LString:
			s = string(a)
		case lua.LNumber:
			s = formatNumber(float64(a))
		default:
			continue
		}
		if j != 2 {
			sb.WriteByte(' ')
		}
		sb.WriteString(s)
	}
	if v.run != nil {
		v.run.host.Log(level, sb.String())
	} else if v.load != nil && v.load.host != nil {
		v.load.host.Log(level, sb.String())
	}
	return 0
}

// redisSetResp is redis.setresp(2|3): the protocol of the replies
// redis.call converts.
func (v *vm) redisSetResp(L *lua.LState) int {
	if v.run == nil {
		v.raise(L, "redis.setresp can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		v.raise(L, "redis.setresp() requires one argument.")
	}
	n, _ := toNumber(L.Get(1))
	proto := int(n)
	if proto != 2 && proto != 3 {
		v.raise(L, "RESP version must be 2 or 3.")
	}
	v.run.proto = proto
	return 0
}

// redisSetRepl is redis.set_repl(flags). Peregrine has no replication or
// AOF yet; the choice is validated and kept with the run.
func (v *vm) redisSetRepl(L *lua.LState) int {
	if v.run == nil {
		v.raise(L, "redis.set_repl can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		v.raise(L, "redis.set_repl() requires two arguments.")
	}
	n, _ := toNumber(L.Get(1))
	flags := int(n)
	if flags&^replAll != 0 {
		v.raise(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	v.run.repl = flags
	return 0
}

// redisACLCheck is redis.acl_check_cmd. Without ACLs every existing
// command is permitted.
func (v *vm) redisACLCheck(L *lua.LState) int {
	if v.run == nil {
		v.raise(L, "redis.acl_check_cmd can only be called inside a script invocation")
	}
	if L.GetTop() == 0 {
		v.raise(L, "Please specify at least one argument for this redis lib call")
	}
	argv, ok := v.argvFromStack(L)
	if !ok {
		v.raise(L, "Lua redis lib command arguments must be strings or integers")
	}
	if !v.run.host.HasCommand(argv) {
		v.raise(L, "Invalid command passed to redis.acl_check_cmd()")
	}
	if ac, ok := v.run.host.(interface{ ACLAllows([][]byte) bool }); ok && !ac.ACLAllows(argv) {
		L.Push(lua.LFalse)
		return 1
	}
	L.Push(lua.LTrue)
	return 1
}
