package script

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Limits of the Lua state, Lua 5.1's own where it has one.
const (
	// luaMaxCalls is LUAI_MAXCALLS: nested Lua calls before "stack overflow".
	luaMaxCalls = 20000
	// luaMaxCStack is LUAI_MAXCSTACK: the most values unpack may return.
	luaMaxCStack = 8000
	// luaMaxRegistry bounds the value stack.
	luaMaxRegistry = 1 << 20
)

// openLibraries builds the globals of a Redis 7 Lua state: Lua's base,
// table, string, math and coroutine libraries without what Redis leaves
// out (print, dofile, loadfile, require, os, io, debug), Redis's
// libraries (cjson, struct, cmsgpack, bit) and the redis API; then every
// table reachable from the globals becomes read-only and reading an
// undeclared global becomes an error.
func (v *vm) openLibraries() {
	L := v.L
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{"", lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	G := L.G.Global
	v.realG = G
	// Redis 7.0.15 also removed getfenv, setfenv and newproxy.
	for _, name := range []string{"dofile", "loadfile", "print", "_printregs", "module", "require", "_GOPHER_LUA_VERSION",
		"getfenv", "setfenv", "newproxy"} {
		G.RawSetString(name, lua.LNil)
	}
	v.overrideBuiltins(G)

	G.RawSetString("cjson", openCjson(L))
	G.RawSetString("struct", openStruct(L))
	G.RawSetString("cmsgpack", openCmsgpack(L))
	G.RawSetString("bit", openBit(L))
	G.RawSetString("redis", v.redisAPI(false))

	// The string metatable: strings index the string library. Redis's is
	// reachable (getmetatable("")), so it is protected like the rest.
	strLib := G.RawGetString("string").(*lua.LTable)
	strLib.RawSetString("__index", lua.LNil) // gopher-lua makes the library its own metatable
	sm := L.CreateTable(0, 1)
	sm.RawSetString("__index", strLib)
	L.SetMetatable(lua.LString(""), sm)
	v.protect(sm)

	// Every library table is seen through a read-only proxy.
	var libs []string
	G.ForEach(func(k, val lua.LValue) {
		if _, ok := val.(*lua.LTable); ok && k.Type() == lua.LTString {
			libs = append(libs, string(k.(lua.LString)))
		}
	})
	for _, name := range libs {
		if name == "_G" {
			continue
		}
		G.RawSetString(name, v.protect(G.RawGetString(name).(*lua.LTable)))
	}
	v.withMissingError(G)
	// getmetatable('') shows a view whose __index is the library's proxy
	// (the VM itself uses sm, whose __index is the real library, for speed).
	smView := L.CreateTable(0, 1)
	smView.RawSetString("__index", G.RawGetString("string"))
	v.metaView = map[*lua.LTable]*lua.LTable{sm: v.protect(smView)}
	if !v.funcMode {
		G.RawSetString("__redis__err__handler", v.errHandler)
	}

	if !v.funcMode {
		v.env = v.protect(G)
	} else {
		// Functions run in an empty, read-only globals table whose
		// metatable leads to the real globals; FUNCTION LOAD swaps that
		// for the registration API while the library's code runs.
		newG := L.CreateTable(0, 0)
		meta := L.CreateTable(0, 1)
		meta.RawSetString("__index", v.protect(G))
		newG.Metatable = meta
		v.protect(meta)
		v.env = v.protect(newG)
	}
	v.envMeta = v.env.Metatable.(*lua.LTable)
	v.envMeta.RawSetString("__index", G)
	// _G is the (read-only) real globals table, also for functions, whose
	// own globals are the empty table in front of it.
	G.RawSetString("_G", v.protect(G))
	L.Env = v.env

	if v.funcMode {
		// What a library's code sees while FUNCTION LOAD runs it: only
		// redis.register_function, redis.log and the version.
		libRedis := v.redisAPI(true)
		v.withMissingError(libRedis)
		libG := L.CreateTable(0, 1)
		libG.RawSetString("redis", v.protect(libRedis))
		v.withMissingError(libG)
		v.protect(libG)
		v.libG = libG
	}
}

// memoryEstimate is a rough figure for the Lua state's memory (INFO
// used_memory_lua and friends): a fresh state plus the compiled code.
func (v *vm) memoryEstimate() int64 { return 32<<10 + v.codeBytes }

// overrideBuiltins replaces the base and table functions whose gopher-lua
// behaviour differs from Redis's Lua, or that must see through read-only
// proxies (next, pairs, rawget, unpack...) or refuse them (rawset,
// setmetatable, table.insert...).
func (v *vm) overrideBuiltins(G *lua.LTable) {
	L := v.L
	set := func(t *lua.LTable, name string, fn lua.LGFunction) { t.RawSetString(name, L.NewFunction(fn)) }
	next := L.NewFunction(v.luaNext)
	G.RawSetString("next", next)
	G.RawSetString("pairs", L.NewFunction(func(L *lua.LState) int {
		L.CheckTable(1)
		L.Push(next)
		L.Push(L.Get(1))
		L.Push(lua.LNil)
		return 3
	}))
	iaux := L.NewFunction(func(L *lua.LState) int {
		t := v.unwrap(L.CheckTable(1))
		i := L.CheckInt(2) + 1
		val := t.RawGetInt(i)
		if val == lua.LNil {
			return 0
		}
		L.Push(lua.LNumber(i))
		L.Push(v.outward(val))
		return 2
	})
	G.RawSetString("ipairs", L.NewFunction(func(L *lua.LState) int {
		L.CheckTable(1)
		L.Push(iaux)
		L.Push(L.Get(1))
		L.Push(lua.LNumber(0))
		return 3
	}))
	set(G, "rawget", func(L *lua.LState) int {
		t := v.unwrap(checkTableArg(L, 1, "rawget"))
		L.Push(v.outward(t.RawGet(L.CheckAny(2))))
		return 1
	})
	set(G, "rawset", func(L *lua.LState) int {
		t := L.CheckTable(1)
		k, val := L.CheckAny(2), L.CheckAny(3)
		if v.readonly(t) {
			readonlyError(L)
		}
		switch n := k.(type) {
		case *lua.LNilType:
			luaError(L, "table index is nil")
		case lua.LNumber:
			if math.IsNaN(float64(n)) {
				luaError(L, "table index is NaN")
			}
		}
		t.RawSet(k, val)
		L.SetTop(1)
		return 1
	})
	set(G, "setmetatable", func(L *lua.LState) int {
		t := L.CheckTable(1)
		mt := L.Get(2)
		if _, ok := mt.(*lua.LTable); !ok && mt != lua.LNil {
			argError(L, 2, "setmetatable", "nil or table expected")
		}
		if v.readonly(t) {
			readonlyError(L)
		}
		if old, ok := t.Metatable.(*lua.LTable); ok && old.RawGetString("__metatable") != lua.LNil {
			luaError(L, "cannot change a protected metatable")
		}
		t.Metatable = mt
		L.SetTop(1)
		return 1
	})
	set(G, "getmetatable", func(L *lua.LState) int {
		obj := L.CheckAny(1)
		ro := false
		if t, ok := obj.(*lua.LTable); ok {
			ro = v.readonly(t)
			obj = v.unwrap(t)
		}
		mt, ok := rawMetatable(L, obj).(*lua.LTable)
		switch {
		case !ok:
			L.Push(lua.LNil)
		case v.metaView[mt] != nil:
			L.Push(v.metaView[mt])
		case mt.RawGetString("__metatable") != lua.LNil:
			L.Push(mt.RawGetString("__metatable"))
		case ro || v.readonly(mt):
			L.Push(v.protect(mt))
		default:
			L.Push(mt)
		}
		return 1
	})
	set(G, "unpack", func(L *lua.LState) int {
		t := v.unwrap(L.CheckTable(1))
		i := L.OptInt(2, 1)
		j := L.OptInt(3, t.Len())
		if i > j {
			return 0
		}
		n := j - i + 1
		if n <= 0 || n >= luaMaxCStack {
			luaError(L, "too many results to unpack")
		}
		for k := i; k <= j; k++ {
			L.Push(t.RawGetInt(k))
		}
		return n
	})
	set(G, "tostring", func(L *lua.LState) int {
		val := L.CheckAny(1)
		if n, ok := val.(lua.LNumber); ok {
			L.Push(lua.LString(formatNumber(float64(n))))
			return 1
		}
		L.Push(L.ToStringMeta(val))
		return 1
	})
	set(G, "error", func(L *lua.LState) int {
		obj := L.Get(1)
		level := int(optIntegerArg(L, 2, "error", 1))
		if n, ok := obj.(lua.LNumber); ok {
			obj = lua.LString(formatNumber(float64(n)))
		}
		if s, ok := obj.(lua.LString); ok && level > 0 {
			obj = lua.LString(where(L, level) + string(s))
		}
		L.Error(obj, 0)
		return 0
	})
	set(G, "tonumber", luaTonumber)
	set(G, "xpcall", v.luaXpcall)
	set(G, "pcall", v.luaPcall)
	set(G, "loadstring", func(L *lua.LState) int {
		src := L.CheckString(1)
		name := L.OptString(2, src)
		return v.loadChunk(L, src, name)
	})
	set(G, "load", func(L *lua.LState) int {
		fn := L.CheckFunction(1)
		name := L.OptString(2, "=(load)")
		var sb strings.Builder
		for {
			L.Push(fn)
			L.Call(0, 1)
			piece := L.Get(-1)
			L.Pop(1)
			if piece == lua.LNil {
				break
			}
			s, ok := piece.(lua.LString)
			if !ok {
				if n, isNum := piece.(lua.LNumber); isNum {
					s = lua.LString(formatNumber(float64(n)))
				} else {
					L.Push(lua.LNil)
					L.Push(lua.LString("reader function must return a string"))
					return 2
				}
			}
			if len(s) == 0 {
				break
			}
			sb.WriteString(string(s))
		}
		return v.loadChunk(L, sb.String(), name)
	})
	set(G, "collectgarbage", func(L *lua.LState) int {
		// Never a stop-the-world collection of the whole server: the Go
		// collector runs on its own. "count" reports an estimate.
		switch L.OptString(1, "collect") {
		case "count":
			L.Push(lua.LNumber(float64(v.memoryEstimate()) / 1024))
		default:
			L.Push(lua.LNumber(0))
		}
		return 1
	})
	set(G, "gcinfo", func(L *lua.LState) int {
		L.Push(lua.LNumber(v.memoryEstimate() / 1024))
		return 1
	})

	tbl := G.RawGetString("table").(*lua.LTable)
	wrapWrite := func(name string) {
		orig := tbl.RawGetString(name).(*lua.LFunction)
		tbl.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if t, ok := L.Get(1).(*lua.LTable); ok && v.readonly(t) {
				readonlyError(L)
			}
			return orig.GFunction(L)
		}))
	}
	for _, name := range []string{"insert", "remove", "sort"} {
		wrapWrite(name)
	}
	wrapRead := func(name string) {
		orig := tbl.RawGetString(name).(*lua.LFunction)
		tbl.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if t, ok := L.Get(1).(*lua.LTable); ok {
				L.Replace(1, v.unwrap(t))
			}
			return orig.GFunction(L)
		}))
	}
	for _, name := range []string{"getn", "maxn"} {
		wrapRead(name)
	}
	set(tbl, "concat", v.tableConcat)
	set(tbl, "foreach", v.tableForeach)
	set(tbl, "foreachi", v.tableForeachi)
	set(tbl, "setn", func(L *lua.LState) int {
		luaError(L, "'setn' is obsolete")
		return 0
	})

	str := G.RawGetString("string").(*lua.LTable)
	set(str, "format", strFormat)
	set(str, "dump", func(L *lua.LState) int {
		// Redis refuses to load binary chunks; gopher-lua cannot make
		// them. A marker string keeps scripts that try failing the way
		// they fail on Redis (loadstring returns nil).
		L.CheckFunction(1)
		L.Push(lua.LString("\x1bLua\x51"))
		return 1
	})

	m := G.RawGetString("math").(*lua.LTable)
	m.RawSetString("huge", lua.LNumber(math.Inf(1)))
	set(m, "min", func(L *lua.LState) int { return mathExtreme(L, "min", func(a, b float64) bool { return a < b }) })
	set(m, "max", func(L *lua.LState) int { return mathExtreme(L, "max", func(a, b float64) bool { return a > b }) })

	co := G.RawGetString("coroutine").(*lua.LTable)
	yield := co.RawGetString("yield").(*lua.LFunction)
	set(co, "yield", func(L *lua.LState) int {
		if L.Parent == nil {
			L.Error(lua.LString("attempt to yield across metamethod/C-call boundary"), 0)
		}
		return yield.GFunction(L)
	})
	set(m, "random", v.mathRandom)
	set(m, "randomseed", v.mathRandomseed)
}

// rawMetatable is an object's metatable, ignoring __metatable.
func rawMetatable(L *lua.LState, obj lua.LValue) lua.LValue {
	switch x := obj.(type) {
	case *lua.LTable:
		return x.Metatable
	case *lua.LUserData:
		return x.Metatable
	}
	return L.GetMetatable(obj)
}

// mathExtreme is math.min / math.max (at least one number).
func mathExtreme(L *lua.LState, fname string, better func(a, b float64) bool) int {
	best := checkNumberArg(L, 1, fname)
	for i := 2; i <= L.GetTop(); i++ {
		if n := checkNumberArg(L, i, fname); better(n, best) {
			best = n
		}
	}
	L.Push(lua.LNumber(best))
	return 1
}

// luaTonumber is Lua 5.1's tonumber(e [, base]).
func luaTonumber(L *lua.LState) int {
	if L.GetTop() == 0 {
		argError(L, 1, "tonumber", "value expected")
	}
	base := int(optIntegerArg(L, 2, "tonumber", 10))
	val := L.Get(1)
	if base == 10 {
		if f, ok := toNumber(val); ok {
			L.Push(lua.LNumber(f))
		} else {
			L.Push(lua.LNil)
		}
		return 1
	}
	if base < 2 || base > 36 {
		argError(L, 2, "tonumber", "base out of range")
	}
	s := strings.Trim(checkStringArg(L, 1, "tonumber"), " \t\n\r\f\v")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	n, err := strconv.ParseUint(strings.ToLower(s), base, 64)
	if err != nil || s == "" {
		L.Push(lua.LNil)
		return 1
	}
	f := float64(n)
	if neg {
		f = -f
	}
	L.Push(lua.LNumber(f))
	return 1
}

// luaXpcall is xpcall(f, handler): the handler may be any value (an
// error with a non-function handler is an error in error handling).
func (v *vm) luaXpcall(L *lua.LState) int {
	if L.GetTop() < 2 {
		argError(L, 2, "xpcall", "value expected")
	}
	handler, isFn := L.Get(2).(*lua.LFunction)
	fn := L.Get(1)
	L.SetTop(0)
	L.Push(fn)
	var errfunc *lua.LFunction
	if isFn {
		errfunc = handler
	}
	if err := L.PCall(0, lua.MultRet, errfunc); err != nil {
		L.SetTop(0)
		L.Push(lua.LFalse)
		if !isFn {
			L.Push(lua.LString("error in error handling"))
		} else if aerr, ok := err.(*lua.ApiError); ok {
			L.Push(aerr.Object)
		} else {
			L.Push(lua.LString(err.Error()))
		}
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// readonlyError is the error of writing to a read-only table from a
// library function (no position: Lua raises it inside a C function).
func readonlyError(L *lua.LState) {
	L.Error(lua.LString("Attempt to modify a readonly table"), 0)
}

// outward returns what a script may see of a value read from a protected
// table: the read-only proxy instead of a protected table.
func (v *vm) outward(val lua.LValue) lua.LValue {
	if t, ok := val.(*lua.LTable); ok {
		if p, ok := v.proxyOf[t]; ok {
			return p
		}
	}
	return val
}

// luaNext is next(), seeing through read-only proxies.
func (v *vm) luaNext(L *lua.LState) int {
	t := v.unwrap(checkTableArg(L, 1, "next"))
	if key := L.Get(2); key != lua.LNil && t.RawGet(key) == lua.LNil {
		L.Error(lua.LString("invalid key to 'next'"), 0)
	}
	k, val := t.Next(L.Get(2))
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(v.outward(k))
	L.Push(v.outward(val))
	return 2
}

// checkTableArg is luaL_checktype for tables.
func checkTableArg(L *lua.LState, n int, fname string) *lua.LTable {
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		argTypeError(L, n, fname, "table")
	}
	return t
}

// tableForeach is table.foreach (Lua 5.1, deprecated but present).
func (v *vm) tableForeach(L *lua.LState) int {
	t := v.unwrap(checkTableArg(L, 1, "foreach"))
	fn := L.CheckFunction(2)
	for k, val := t.Next(lua.LNil); k != lua.LNil; k, val = t.Next(k) {
		L.Push(fn)
		L.Push(v.outward(k))
		L.Push(v.outward(val))
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

// tableForeachi is table.foreachi.
func (v *vm) tableForeachi(L *lua.LState) int {
	t := v.unwrap(checkTableArg(L, 1, "foreachi"))
	fn := L.CheckFunction(2)
	n := t.Len()
	for i := 1; i <= n; i++ {
		L.Push(fn)
		L.Push(lua.LNumber(i))
		L.Push(v.outward(t.RawGetInt(i)))
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

// luaPcall is Redis's pcall: an error raised as a table carrying an err
// string (as redis.call raises them) is returned as that string, as Lua
// scripts written for Redis 6 expect.
func (v *vm) luaPcall(L *lua.LState) int {
	if L.GetTop() == 0 {
		// Redis's pcall wrapper then calls its own result placeholder.
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a boolean value"))
		return 2
	}
	fn := L.Get(1)
	if fn.Type() != lua.LTFunction && L.GetMetaField(fn, "__call").Type() != lua.LTFunction {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + fn.Type().String() + " value"))
		return 2
	}
	nargs := L.GetTop() - 1
	base := L.GetTop() - nargs - 1
	if err := L.PCall(nargs, lua.MultRet, nil); err != nil {
		L.SetTop(base)
		var obj lua.LValue = lua.LString(err.Error())
		if aerr, ok := err.(*lua.ApiError); ok {
			obj = aerr.Object
		}
		switch x := obj.(type) {
		case *lua.LTable:
			if s, ok := x.RawGetString("err").(lua.LString); ok {
				obj = s
			}
		case lua.LString:
			obj = lua.LString(fixArgErrorName(string(x)))
		}
		L.Push(lua.LFalse)
		L.Push(obj)
		return 2
	}
	L.Insert(lua.LTrue, base+1)
	return L.GetTop() - base
}

// loadChunk compiles src for loadstring/load. Binary chunks are refused,
// as in Redis.
func (v *vm) loadChunk(L *lua.LState, src, name string) int {
	if strings.HasPrefix(src, "\x1b") {
		L.Push(lua.LNil)
		L.Push(lua.LString("binary chunks are not allowed"))
		return 2
	}
	fn, err := L.Load(strings.NewReader(src), chunkName(name))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(compileErrorText(err, src)))
		return 2
	}
	// Like Lua 5.1, the chunk runs in the globals (not the caller's environment).
	fn.Env = v.env
	L.Push(fn)
	return 1
}

// chunkName is how Lua 5.1 names a loaded string in messages:
// [string "first line..."], or the name after '=' or '@'.
func chunkName(name string) string {
	if strings.HasPrefix(name, "=") || strings.HasPrefix(name, "@") {
		return name[1:]
	}
	line := name
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i] + "..."
	}
	if len(line) > 45 {
		line = line[:42] + "..."
	}
	return `[string "` + line + `"]`
}

// tableConcat is table.concat with Lua 5.1's number formatting and error
// text, seeing through proxies.
func (v *vm) tableConcat(L *lua.LState) int {
	t := v.unwrap(L.CheckTable(1))
	sep := L.OptString(2, "")
	i := L.OptInt(3, 1)
	j := L.OptInt(4, t.Len())
	var sb strings.Builder
	for k := i; k <= j; k++ {
		switch val := t.RawGetInt(k).(type) {
		case lua.LString:
			sb.WriteString(string(val))
		case lua.LNumber:
			sb.WriteString(formatNumber(float64(val)))
		default:
			luaError(L, "invalid value (%s) at index %d in table for 'concat'", t.RawGetInt(k).Type().String(), k)
		}
		if k != j {
			sb.WriteString(sep)
		}
	}
	L.Push(lua.LString(sb.String()))
	return 1
}

// formatNumber is Lua 5.1's number-to-string conversion ("%.14g").
func formatNumber(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// luaToString converts a value as lua_tostring does (numbers with %.14g).
func luaToString(val lua.LValue) string {
	switch x := val.(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return formatNumber(float64(x))
	}
	return val.String()
}

// toNumber converts a number or a numeric string as Lua does for
// arithmetic and luaL_checknumber.
func toNumber(val lua.LValue) (float64, bool) {
	switch x := val.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return parseLuaNumber(string(x))
	}
	return 0, false
}

// parseLuaNumber parses a numeric string as lua_str2number: decimal or
// hexadecimal, surrounded by optional white space.
func parseLuaNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\r\f\v")
	if s == "" || strings.ContainsRune(s, '_') {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err == nil {
		return f, true
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return f, true
	}
	// Lua falls back to strtoul for hexadecimal integers.
	t, neg := s, false
	if t[0] == '-' || t[0] == '+' {
		neg, t = t[0] == '-', t[1:]
	}
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		n, err := strconv.ParseUint(t[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		if neg {
			return -float64(n), true
		}
		return float64(n), true
	}
	return 0, false
}

// checkInt is luaL_checkint (truncation toward zero, as a C cast).
func checkInt(L *lua.LState, n int, fname string) int {
	return int(int32(int64(checkNumberArg(L, n, fname))))
}

// mathRandom is Redis's math.random: Lua's algorithm on Redis's rand48.
func (v *vm) mathRandom(L *lua.LState) int {
	if v.run == nil {
		luaError(L, "math.random can only be called inside a script invocation")
	}
	r := float64(v.shared.rng.next()%rand48Max) / float64(rand48Max)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := checkInt(L, 1, "random")
		if u < 1 {
			argError(L, 1, "random", "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l, u := checkInt(L, 1, "random"), checkInt(L, 2, "random")
		if l > u {
			argError(L, 2, "random", "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		luaError(L, "wrong number of arguments")
	}
	return 1
}

func (v *vm) mathRandomseed(L *lua.LState) int {
	if v.run == nil {
		luaError(L, "math.randomseed can only be called inside a script invocation")
	}
	v.shared.rng.seed(int32(checkInt(L, 1, "randomseed")))
	return 0
}
