package script

import (
	"bytes"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/peregrinedb/peregrine/internal/resp"
	lua "github.com/yuin/gopher-lua"
)

// LoadTimeout is how long FUNCTION LOAD lets a library's code run.
const LoadTimeout = 500 * time.Millisecond

// Function is a function a library registered.
type Function struct {
	name    string
	desc    string
	hasDesc bool
	flags   Flags
	fn      *lua.LFunction
	lib     *Library
}

// Name is the function's name as registered.
func (f *Function) Name() string { return f.name }

// Description returns the description and whether one was given.
func (f *Function) Description() (string, bool) { return f.desc, f.hasDesc }

// Flags returns the flags the function was registered with.
func (f *Function) Flags() Flags { return f.flags }

// Library returns the library that registered the function.
func (f *Function) Library() *Library { return f.lib }

// Library is a loaded function library.
type Library struct {
	name  string
	code  []byte
	funcs map[string]*Function
}

// Name is the library's name.
func (l *Library) Name() string { return l.name }

// Engine is the engine the library runs on (always Lua).
func (l *Library) Engine() string { return "LUA" }

// Code is the library's source as loaded, shebang included.
func (l *Library) Code() []byte { return l.code }

// Functions returns the library's functions sorted by name.
func (l *Library) Functions() []*Function {
	out := make([]*Function, 0, len(l.funcs))
	for _, f := range l.funcs {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// libSet is a set of libraries and the index of their functions by
// case-folded name (FCALL finds functions case-insensitively; library
// names are case-sensitive).
type libSet struct {
	libs  map[string]*Library
	funcs map[string]*Function
}

func newLibSet() *libSet {
	return &libSet{libs: map[string]*Library{}, funcs: map[string]*Function{}}
}

func (s *libSet) link(l *Library) {
	s.libs[l.name] = l
	for _, f := range l.funcs {
		s.funcs[strings.ToLower(f.name)] = f
	}
}

func (s *libSet) unlink(l *Library) {
	delete(s.libs, l.name)
	for _, f := range l.funcs {
		delete(s.funcs, strings.ToLower(f.name))
	}
}

// loadState is a FUNCTION LOAD in progress: the library being built.
type loadState struct {
	lib  *Library
	host Host
}

// Functions is the function engine of a server: a Lua state of its own
// and the loaded libraries.
type Functions struct {
	shared *Shared
	vm     *vm
	kill   atomic.Bool
	cur    *libSet
}

// NewFunctions builds the function engine.
func NewFunctions(shared *Shared) *Functions {
	f := &Functions{shared: shared, cur: newLibSet()}
	f.vm = newVM(shared, true, &f.kill)
	return f
}

// Lookup finds a function by name, case-insensitively.
func (f *Functions) Lookup(name []byte) *Function {
	if fn, ok := f.cur.funcs[string(name)]; ok {
		return fn
	}
	return f.cur.funcs[strings.ToLower(string(name))]
}

// Load creates a library from its code (FUNCTION LOAD) and returns its
// name. host receives redis.log calls made while the code runs (it may
// be nil); timeout bounds that run (0: no limit).
func (f *Functions) Load(host Host, code []byte, replace bool, timeout time.Duration) (string, error) {
	lib, err := f.create(host, code, replace, f.cur, timeout)
	if err != nil {
		return "", err
	}
	return lib.name, nil
}

// create is Redis's functionsCreateWithLibraryCtx: build the library from
// code and link it into set, replacing a library of the same name when
// replace is set. On failure set is left as it was.
func (f *Functions) create(host Host, code []byte, replace bool, set *libSet, timeout time.Duration) (*Library, error) {
	md, err := parseLibraryMeta(code)
	if err != nil {
		return nil, err
	}
	if !validName(md.name) {
		return nil, newErr("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
	}
	if !equalFold(md.engine, "lua") {
		return nil, newErr("Engine '" + md.engine + "' not found")
	}
	old := set.libs[md.name]
	if old != nil && !replace {
		return nil, newErr("Library '" + md.name + "' already exists")
	}
	if old != nil {
		set.unlink(old)
	}
	lib := &Library{name: md.name, code: bytes.Clone(code), funcs: map[string]*Function{}}
	err = f.vm.loadLibrary(host, lib, md.code, timeout)
	if err == nil && len(lib.funcs) == 0 {
		err = newErr("No functions registered")
	}
	if err == nil {
		for _, fn := range lib.Functions() {
			if set.funcs[strings.ToLower(fn.name)] != nil {
				err = newErr("Function " + fn.name + " already exists")
				break
			}
		}
	}
	if err != nil {
		if old != nil {
			set.link(old)
		}
		return nil, err
	}
	set.link(lib)
	return lib, nil
}

// loadLibrary compiles a library's code and runs it with the
// registration API as its globals.
func (v *vm) loadLibrary(host Host, lib *Library, code []byte, timeout time.Duration) error {
	L := v.L
	fn, err := L.Load(bytes.NewReader(code), "user_function")
	if err != nil {
		return newErr("Error compiling function: " + compileErrorText(err, string(code)))
	}
	fn.Env = v.env
	v.resetAbort()
	v.envMeta.RawSetString("__index", v.libG)
	v.load = &loadState{lib: lib, host: host}
	if timeout > 0 {
		v.deadline = time.Now().Add(timeout)
	}
	defer func() {
		v.envMeta.RawSetString("__index", v.realG)
		v.load = nil
		v.deadline = time.Time{}
		v.resetAbort()
	}()
	L.Push(fn)
	if err := L.PCall(0, 0, v.loadHandler); err != nil {
		var msg string
		switch {
		case v.aborted != "":
			msg = v.aborted
		default:
			obj := lua.LValue(lua.LString(err.Error()))
			if aerr, ok := err.(*lua.ApiError); ok {
				obj = aerr.Object
			}
			msg = loadErrorText(obj)
		}
		return newErr("Error registering functions: " + msg)
	}
	return nil
}

// loadErrorText extracts the message of an error raised while a library
// loads (Redis's luaExtractErrorInformation without a message handler).
func loadErrorText(obj lua.LValue) string {
	switch x := obj.(type) {
	case lua.LString:
		return "ERR " + string(x)
	case lua.LNumber:
		return "ERR " + formatNumber(float64(x))
	case *lua.LTable:
		if s, ok := x.RawGetString("err").(lua.LString); ok {
			return string(s)
		}
	}
	return "ERR " + obj.String()
}

// registerFunction is redis.register_function, available while FUNCTION
// LOAD runs a library's code: positional (name, callback) or one table of
// named arguments (function_name, callback, description, flags).
func (v *vm) registerFunction(L *lua.LState) int {
	if v.load == nil {
		v.raise(L, "redis.register_function can only be called on FUNCTION LOAD command")
	}
	argc := L.GetTop()
	if argc < 1 || argc > 2 {
		v.raise(L, "wrong number of arguments to redis.register_function")
	}
	var (
		name, desc       string
		hasName, hasDesc bool
		cb               *lua.LFunction
		flags            Flags
	)
	if argc == 1 {
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			v.raise(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		t = v.unwrap(t)
		for k, val := t.Next(lua.LNil); k != lua.LNil; k, val = t.Next(k) {
			if !stringy(k) {
				v.raise(L, "named argument key given to redis.register_function is not a string")
			}
			switch key := luaToString(k); {
			case equalFold(key, "function_name"):
				if !stringy(val) {
					v.raise(L, "function_name argument given to redis.register_function must be a string")
				}
				name, hasName = luaToString(val), true
			case equalFold(key, "description"):
				if !stringy(val) {
					v.raise(L, "description argument given to redis.register_function must be a string")
				}
				desc, hasDesc = luaToString(val), true
			case equalFold(key, "callback"):
				f, ok := val.(*lua.LFunction)
				if !ok {
					v.raise(L, "callback argument given to redis.register_function must be a function")
				}
				cb = f
			case equalFold(key, "flags"):
				ft, ok := val.(*lua.LTable)
				if !ok {
					v.raise(L, "flags argument to redis.register_function must be a table representing function flags")
				}
				var okFlags bool
				flags, okFlags = v.readFlags(L, ft)
				if !okFlags {
					v.raise(L, "unknown flag given")
				}
			default:
				v.raise(L, "unknown argument given to redis.register_function")
			}
		}
		if !hasName {
			v.raise(L, "redis.register_function must get a function name argument")
		}
		if cb == nil {
			v.raise(L, "redis.register_function must get a callback argument")
		}
	} else {
		if !stringy(L.Get(1)) {
			v.raise(L, "first argument to redis.register_function must be a string")
		}
		name = luaToString(L.Get(1))
		f, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			v.raise(L, "second argument to redis.register_function must be a function")
		}
		cb = f
	}
	if !validName(name) {
		v.raise(L, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
	}
	lib := v.load.lib
	if _, dup := lib.funcs[name]; dup {
		v.raise(L, "Function already exists in the library")
	}
	lib.funcs[name] = &Function{name: name, desc: desc, hasDesc: hasDesc, flags: flags, fn: cb, lib: lib}
	return 0
}

// readFlags reads a register_function flags list (an array of flag names,
// matched case-insensitively).
func (v *vm) readFlags(L *lua.LState, t *lua.LTable) (Flags, bool) {
	var flags Flags
	for j := 1; ; j++ {
		val := L.GetTable(t, lua.LNumber(j))
		if val == lua.LNil {
			return flags, true
		}
		if !stringy(val) {
			return 0, false
		}
		f, ok := lookupFlag(luaToString(val), true)
		if !ok {
			return 0, false
		}
		flags |= f
	}
}

// Delete removes a library (FUNCTION DELETE).
func (f *Functions) Delete(name []byte) error {
	lib := f.cur.libs[string(name)]
	if lib == nil {
		return newErr("Library not found")
	}
	f.cur.unlink(lib)
	return nil
}

// Flush removes every library (FUNCTION FLUSH).
func (f *Functions) Flush() { f.cur = newLibSet() }

// Libraries returns the libraries sorted by name.
func (f *Functions) Libraries() []*Library {
	out := make([]*Library, 0, len(f.cur.libs))
	for _, l := range f.cur.libs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Counts returns the number of libraries and of functions.
func (f *Functions) Counts() (libraries, functions int) { return len(f.cur.libs), len(f.cur.funcs) }

// Memory estimates the memory the libraries take (INFO used_memory_functions).
func (f *Functions) Memory() int64 {
	var n int64
	for _, l := range f.cur.libs {
		n += int64(len(l.code)) + 64
		for _, fn := range l.funcs {
			n += int64(len(fn.name)+len(fn.desc)) + 64
		}
	}
	return n
}

// VMMemory estimates the Lua state's memory (INFO used_memory_vm_functions).
func (f *Functions) VMMemory() int64 { return f.vm.memoryEstimate() }

// RestorePolicy is how FUNCTION RESTORE treats existing libraries.
type RestorePolicy int

// Restore policies.
const (
	RestoreAppend RestorePolicy = iota
	RestoreReplace
	RestoreFlush
)

// Restore loads the libraries of a FUNCTION DUMP payload (their codes)
// under a policy. Nothing changes when it fails.
func (f *Functions) Restore(host Host, codes [][]byte, policy RestorePolicy) error {
	tmp := newLibSet()
	for _, code := range codes {
		if _, err := f.create(host, code, false, tmp, 0); err != nil {
			return err
		}
	}
	if policy == RestoreFlush {
		f.cur = tmp
		return nil
	}
	return f.join(tmp, policy == RestoreReplace)
}

// join is Redis's libraryJoin: link src's libraries into the current set,
// replacing same-named ones when replace is set; a name clash of
// libraries (without replace) or functions aborts with nothing changed.
func (f *Functions) join(src *libSet, replace bool) error {
	dst := f.cur
	var replaced []*Library
	undo := func() {
		for _, l := range replaced {
			dst.link(l)
		}
	}
	for _, l := range sortedLibs(src) {
		if old := dst.libs[l.name]; old != nil {
			if !replace {
				undo()
				return newErr("Library " + l.name + " already exists")
			}
			dst.unlink(old)
			replaced = append(replaced, old)
		}
	}
	for _, l := range sortedLibs(src) {
		for _, fn := range l.Functions() {
			if dst.funcs[strings.ToLower(fn.name)] != nil {
				undo()
				return newErr("Function " + fn.name + " already exists")
			}
		}
	}
	for _, l := range src.libs {
		dst.link(l)
	}
	return nil
}

func sortedLibs(s *libSet) []*Library {
	out := make([]*Library, 0, len(s.libs))
	for _, l := range s.libs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Run calls a function with keys and args and writes its reply to w.
func (f *Functions) Run(host Host, fn *Function, keys, args [][]byte, w *resp.Writer) {
	f.vm.execute(host, fn.name, fn.fn, keys, args, w)
}

// Kill asks the running function to stop (see Eval.Kill).
func (f *Functions) Kill() { f.kill.Store(true) }

// Staged is a set of libraries built aside, to replace the current ones
// all at once (a replica's full resynchronization with
// repl-diskless-load swapdb keeps serving its old libraries meanwhile).
type Staged struct{ set *libSet }

// NewStaged returns an empty staged set.
func (f *Functions) NewStaged() *Staged { return &Staged{set: newLibSet()} }

// LoadStaged creates a library from its code into the staged set.
func (f *Functions) LoadStaged(host Host, st *Staged, code []byte) error {
	_, err := f.create(host, code, false, st.set, 0)
	return err
}

// SwapStaged makes the staged libraries the current ones; st then holds
// the previous set.
func (f *Functions) SwapStaged(st *Staged) { f.cur, st.set = st.set, f.cur }
