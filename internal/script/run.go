package script

import (
	"github.com/peregrinedb/peregrine/internal/resp"
	lua "github.com/yuin/gopher-lua"
)

// execute runs fn with keys and args and writes its reply (or its error)
// to w. In EVAL mode the arguments are the KEYS and ARGV globals; a
// function gets them as its two parameters.
func (v *vm) execute(host Host, name string, fn *lua.LFunction, keys, args [][]byte, w *resp.Writer) {
	L := v.L
	v.resetAbort()
	v.runBuf = runState{host: host, proto: 2, name: name, repl: replAll}
	v.run = &v.runBuf
	defer func() {
		v.run = nil
		v.resetAbort()
	}()
	L.Push(fn)
	nargs := 0
	if !v.funcMode {
		v.keys.fill(v, "KEYS", keys)
		v.args.fill(v, "ARGV", args)
	} else {
		L.Push(luaArray(L, keys))
		L.Push(luaArray(L, args))
		nargs = 2
	}
	err := L.PCall(nargs, 1, v.errHandler)
	if err != nil {
		obj := lua.LValue(lua.LString(err.Error()))
		if aerr, ok := err.(*lua.ApiError); ok {
			obj = aerr.Object
		}
		msg, ignore := failureText(obj, name)
		w.Error(msg)
		host.ErrorReply(msg, !ignore)
		return
	}
	ret := L.Get(-1)
	L.Pop(1)
	v.writeReply(w, host, ret, v.runBuf.proto, 0)
}

// luaArray makes a Lua array of strings.
func luaArray(L *lua.LState, items [][]byte) *lua.LTable {
	t := L.CreateTable(len(items), 0)
	for i, b := range items {
		t.RawSetInt(i+1, lua.LString(b))
	}
	return t
}

// argTable is one of EVAL's KEYS and ARGV globals. A script cannot keep
// a table past its run in EVAL mode (globals and library tables are
// read-only, and the chunk's locals die with the run), so the next run
// may refill the same table instead of allocating one, provided the
// script left it as a plain array: no metatable and no element past the
// n it was given. Functions get fresh tables: a library's upvalues
// outlive a call.
type argTable struct {
	t *lua.LTable
	n int // elements the last run was given
}

// fill makes a.t hold items and be the global name.
func (a *argTable) fill(v *vm, name string, items [][]byte) {
	if a.t == nil || a.t.Metatable != lua.LNil || !a.plainUpTo() {
		a.t = luaArray(v.L, items)
		a.n = len(items)
		v.realG.RawSetString(name, a.t)
		return
	}
	for i, b := range items {
		a.t.RawSetInt(i+1, lua.LString(b))
	}
	for i := len(items) + 1; i <= a.n; i++ {
		a.t.RawSetInt(i, lua.LNil)
	}
	a.n = len(items)
}

// plainUpTo reports whether a.t has no non-nil element after index a.n
// (in its array or hash part).
func (a *argTable) plainUpTo() bool {
	var from lua.LValue = lua.LNil // Next's start; LNumber(0) would skip the hash part's first key
	if a.n > 0 {
		from = lua.LNumber(a.n)
	}
	k, _ := a.t.Next(from)
	return k == lua.LNil
}
