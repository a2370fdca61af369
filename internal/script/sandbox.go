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
	for _, name := range []string{"dofile", "loadfile", "print", "_printregs", "module", "require", "_GOPHER_LUA_VERSION"} {
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
	G.RawSetString("_G", v.env)
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
		L.Push(val)
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
		t := v.unwrap(L.CheckTable(1))
		L.Push(t.RawGet(L.CheckAny(2)))
		return 1
	})
	set(G, "rawset", func(L *lua.LState) int {
		t := L.CheckTable(1)
		k, val := L.CheckAny(2), L.CheckAny(3)
		if v.readonly(t) {
			L.RaiseError("Attempt to modify a readonly table")
		}
		switch n := k.(type) {
		case *lua.LNilType:
			L.RaiseError("table index is nil")
		case lua.LNumber:
			if math.IsNaN(float64(n)) {
				L.RaiseError("table index is NaN")
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
			L.ArgError(2, "nil or table expected")
		}
		if v.readonly(t) {
			L.RaiseError("Attempt to modify a readonly table")
		}
		if old, ok := t.Metatable.(*lua.LTable); ok && old.RawGetString("__metatable") != lua.LNil {
			L.RaiseError("cannot change a protected metatable")
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
		mt, ok := L.GetMetatable(obj).(*lua.LTable)
		switch {
		case !ok:
			L.Push(lua.LNil)
		case mt.RawGetString("__metatable") != lua.LNil:
			L.Push(mt.RawGetString("__metatable"))
		case ro || v.readonly(mt):
			L.Push(v.protect(mt))
		default:
			L.Push(mt)
		}
		return 1
	})
	set(G, "getfenv", func(L *lua.LState) int {
		var env lua.LValue
		switch f := L.Get(1).(type) {
		case *lua.LFunction:
			env = f.Env
		default:
			level := 1
			if n, ok := f.(lua.LNumber); ok {
				level = int(n)
			}
			if level == 0 {
				env = L.Env
			} else if dbg, ok := L.GetStack(level); ok {
				if fnv, err := L.GetInfo("f", dbg, lua.LNil); err == nil {
					if fn, ok := fnv.(*lua.LFunction); ok {
						env = fn.Env
					}
				}
				L.Pop(1)
			} else {
				L.ArgError(1, "invalid level")
			}
		}
		if t, ok := env.(*lua.LTable); ok && (t == v.realG || v.readonly(t)) {
			if t == v.realG {
				env = v.env
			} else {
				env = v.protect(t)
			}
		}
		if env == nil {
			env = lua.LNil
		}
		L.Push(env)
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
			L.RaiseError("too many results to unpack")
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
		level := L.OptInt(2, 1)
		if n, ok := obj.(lua.LNumber); ok {
			obj = lua.LString(formatNumber(float64(n)))
		}
		L.Error(obj, level)
		return 0
	})
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
				L.RaiseError("Attempt to modify a readonly table")
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
	set(tbl, "setn", func(L *lua.LState) int {
		L.RaiseError("'setn' is obsolete")
		return 0
	})

	str := G.RawGetString("string").(*lua.LTable)
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
	set(m, "random", v.mathRandom)
	set(m, "randomseed", v.mathRandomseed)
}

// luaNext is next(), seeing through read-only proxies.
func (v *vm) luaNext(L *lua.LState) int {
	t := v.unwrap(L.CheckTable(1))
	k, val := t.Next(L.Get(2))
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(val)
	return 2
}

// luaPcall is Redis's pcall: an error raised as a table carrying an err
// string (as redis.call raises them) is returned as that string, as Lua
// scripts written for Redis 6 expect.
func (v *vm) luaPcall(L *lua.LState) int {
	L.CheckAny(1)
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
		if t, ok := obj.(*lua.LTable); ok {
			if s, ok := t.RawGetString("err").(lua.LString); ok {
				obj = s
			}
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
			L.RaiseError("invalid value (at index %d) in table for 'concat'", k)
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

// checkNumber is luaL_checknumber.
func checkNumber(L *lua.LState, n int) float64 {
	f, ok := toNumber(L.Get(n))
	if !ok {
		L.TypeError(n, lua.LTNumber)
	}
	return f
}

// checkInt is luaL_checkint (truncation toward zero, as a C cast).
func checkInt(L *lua.LState, n int) int {
	return int(int32(int64(checkNumber(L, n))))
}

// mathRandom is Redis's math.random: Lua's algorithm on Redis's rand48.
func (v *vm) mathRandom(L *lua.LState) int {
	if v.run == nil {
		L.RaiseError("math.random can only be called inside a script invocation")
	}
	r := float64(v.shared.rng.next()%rand48Max) / float64(rand48Max)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := checkInt(L, 1)
		if u < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l, u := checkInt(L, 1), checkInt(L, 2)
		if l > u {
			L.ArgError(2, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (v *vm) mathRandomseed(L *lua.LState) int {
	if v.run == nil {
		L.RaiseError("math.randomseed can only be called inside a script invocation")
	}
	v.shared.rng.seed(int32(checkInt(L, 1)))
	return 0
}
