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
	keysT := luaArray(L, keys)
	argsT := luaArray(L, args)
	L.Push(fn)
	nargs := 0
	if !v.funcMode {
		v.realG.RawSetString("KEYS", keysT)
		v.realG.RawSetString("ARGV", argsT)
	} else {
		L.Push(keysT)
		L.Push(argsT)
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
