package script

import (
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Shared is the state both engines of one server share: Redis keeps a
// single math.random generator for EVAL scripts and functions alike.
type Shared struct {
	rng *rand48
}

// NewShared returns the shared state of a new server.
func NewShared() *Shared { return &Shared{rng: newRand48()} }

// Host runs, on the server, what a script asks for.
type Host interface {
	// Call runs argv as a command for redis.call/redis.pcall and returns
	// its RESP reply in protocol proto (2 or 3, as redis.setresp chose).
	// A command refused before it runs (unknown, wrong arity, not allowed
	// from scripts, a write in a read-only script, OOM...) returns no reply
	// but rejected: the error with its code, as Redis words it ("ERR This
	// Redis command is not allowed from script", "OOM command not allowed
	// when used memory > 'maxmemory'.").
	Call(argv [][]byte, proto int) (reply []byte, rejected string)
	// HasCommand reports whether argv names a command (redis.acl_check_cmd).
	HasCommand(argv [][]byte) bool
	// Log writes a redis.log message at a Redis log level (0 debug, 1
	// verbose, 2 notice, 3 warning).
	Log(level int, msg string)
	// Tick is called every few thousand Lua instructions while the script
	// runs: the server uses it to notice a script past the busy threshold.
	Tick()
	// ErrorReply is told about every error reply the script's result
	// produced (the top-level one or one nested in an array). countStats is
	// false when the error came from a command the script called, which
	// already counted it, as Redis does.
	ErrorReply(msg string, countStats bool)
}

// tickEvery is how many Lua instructions pass between two Host.Tick calls
// (a power of two).
const tickEvery = 1024

// Messages of the errors that stop a script from outside.
const (
	msgKilled      = "ERR Script killed by user with SCRIPT KILL..."
	msgLoadTimeout = "ERR FUNCTION LOAD timeout"
)

// vm is one sandboxed Lua state, reused for every script it runs (a new
// state per call would cost far more than the script).
type vm struct {
	L        *lua.LState
	shared   *Shared
	funcMode bool
	ctx      runCtx
	closed   chan struct{} // a closed channel: Done() of an aborted run

	// realG holds the globals (library functions, proxies of library
	// tables, KEYS and ARGV); env is the read-only view scripts run in.
	realG, env *lua.LTable
	// envMeta is env's proxy metatable: in function mode FUNCTION LOAD
	// points its __index at the library-registration API for a while.
	envMeta *lua.LTable
	// realOf maps read-only proxies to the tables behind them; proxyOf is
	// the other way round (one proxy per protected table).
	realOf  map[*lua.LTable]*lua.LTable
	proxyOf map[*lua.LTable]*lua.LTable
	// metaView maps protected metatables the VM uses to what
	// getmetatable shows of them (the string metatable).
	metaView map[*lua.LTable]*lua.LTable
	// libG is the globals of a library's code during FUNCTION LOAD.
	libG *lua.LTable
	// codeBytes approximates the memory of compiled code (INFO).
	codeBytes int64
	// roErr raises Redis's read-only table error (every proxy's
	// __newindex); missingErr its undeclared-global error.
	roErr, missingErr *lua.LFunction
	errHandler        *lua.LFunction
	loadHandler       *lua.LFunction

	// run is the script invocation in progress (nil between runs); it
	// points at runBuf, reused from run to run.
	run    *runState
	runBuf runState
	// load is the FUNCTION LOAD in progress (function mode only).
	load *loadState
	// killReq is set by Kill from another goroutine; the VM notices it at
	// its next tick. aborted is the reason a run was stopped.
	killReq  *atomic.Bool
	aborted  string
	deadline time.Time // FUNCTION LOAD time limit (zero: none)

	// keys and args are EVAL's KEYS and ARGV tables, refilled from run
	// to run while unchanged (run.go, reuseArray).
	keys, args argTable

	// Scratch buffers of redis.call, reused from call to call.
	argv    [][]byte
	argBuf  []byte
	argEnds []int
}

// runState is one script invocation.
type runState struct {
	host Host
	// proto is the protocol redis.call replies are converted from
	// (redis.setresp; 2 by default).
	proto int
	// name identifies the script in error messages: the SHA1 of an EVAL
	// script, or the function's name.
	name string
	repl int
}

// runCtx is the context.Context installed in the Lua state. gopher-lua
// polls Done before every instruction; this implementation counts the
// calls to run a periodic tick (kill requests, busy detection, load
// time-outs) and returns a nil channel (never ready) until the run must
// stop, then a closed one, so every further instruction raises again and a
// pcall in the script cannot swallow the stop.
type runCtx struct {
	vm   *vm
	n    uint32
	done chan struct{}
	err  error
}

// Deadline reports no deadline: time limits are enforced by the tick.
func (c *runCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

// Value carries nothing.
func (c *runCtx) Value(any) any { return nil }

// Err is the reason the run was stopped (nil while it may go on).
func (c *runCtx) Err() error { return c.err }

// Done is called by the VM before each instruction.
func (c *runCtx) Done() <-chan struct{} {
	c.n++
	if c.n&(tickEvery-1) == 0 {
		c.vm.tick()
	}
	return c.done
}

// tick runs every tickEvery instructions.
func (v *vm) tick() {
	if v.aborted != "" {
		return
	}
	if v.killReq.Load() {
		v.abort(msgKilled)
		return
	}
	if !v.deadline.IsZero() && time.Now().After(v.deadline) {
		v.abort(msgLoadTimeout)
		return
	}
	if v.run != nil {
		v.run.host.Tick()
	}
}

// abort stops the running code: from now on every instruction raises.
func (v *vm) abort(msg string) {
	v.aborted = msg
	v.ctx.err = Error(msg)
	v.ctx.done = v.closed
}

// resetAbort prepares the VM for the next run.
func (v *vm) resetAbort() {
	v.aborted = ""
	v.ctx.err = nil
	v.ctx.done = nil
	v.killReq.Store(false)
}

// newVM builds a sandboxed state. In function mode the redis API lacks
// the EVAL-only debugger calls and the state gets the library-loading
// machinery.
func newVM(shared *Shared, funcMode bool, killReq *atomic.Bool) *vm {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       luaMaxCalls,
		RegistrySize:        1024 * 4,
		RegistryMaxSize:     luaMaxRegistry,
		MinimizeStackMemory: true,
	})
	v := &vm{
		L:        L,
		shared:   shared,
		funcMode: funcMode,
		killReq:  killReq,
		closed:   make(chan struct{}),
		realOf:   map[*lua.LTable]*lua.LTable{},
		proxyOf:  map[*lua.LTable]*lua.LTable{},
	}
	close(v.closed)
	v.ctx.vm = v
	v.roErr = L.NewFunction(func(L *lua.LState) int {
		luaError(L, "Attempt to modify a readonly table")
		return 0
	})
	v.missingErr = L.NewFunction(luaMissingGlobal)
	v.errHandler = L.NewFunction(v.handleError)
	v.loadHandler = L.NewFunction(v.handleLoadError)
	v.openLibraries()
	L.SetContext(&v.ctx)
	return v
}

// close releases the Lua state.
func (v *vm) close() { v.L.Close() }

// protect returns the read-only proxy of t: an empty table whose reads
// fall through to t and whose writes raise Redis's read-only error.
// (gopher-lua has no read-only tables; Redis's Lua is patched to have them.)
func (v *vm) protect(t *lua.LTable) *lua.LTable {
	if p, ok := v.proxyOf[t]; ok {
		return p
	}
	if _, ok := v.realOf[t]; ok {
		return t // already a proxy
	}
	p := v.L.CreateTable(0, 0)
	mt := v.L.CreateTable(0, 2)
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", v.roErr)
	p.Metatable = mt
	v.realOf[p] = t
	v.proxyOf[t] = p
	return p
}

// unwrap returns the table behind a proxy (t itself otherwise).
func (v *vm) unwrap(t *lua.LTable) *lua.LTable {
	if r, ok := v.realOf[t]; ok {
		return r
	}
	return t
}

// readonly reports whether writes to t must fail: t is a proxy or a
// protected table.
func (v *vm) readonly(t *lua.LTable) bool {
	if _, ok := v.realOf[t]; ok {
		return true
	}
	_, ok := v.proxyOf[t]
	return ok
}

// luaMissingGlobal is the __index of the real globals: reading an
// undeclared global is an error in Redis 7.
func luaMissingGlobal(L *lua.LState) int {
	if L.GetTop() != 2 {
		luaError(L, "Wrong number of arguments to luaProtectedTableError")
	}
	name := L.Get(2)
	switch name.(type) {
	case lua.LString, lua.LNumber:
	default:
		luaError(L, "Second argument to luaProtectedTableError must be a string or number")
	}
	luaError(L, "Script attempted to access nonexistent global variable '%s'", luaToString(name))
	return 0
}

// withMissingError gives t the undeclared-global error on reads of absent keys.
func (v *vm) withMissingError(t *lua.LTable) {
	mt := v.L.CreateTable(0, 1)
	mt.RawSetString("__index", v.missingErr)
	t.Metatable = mt
}
