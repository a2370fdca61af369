package script

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"sync/atomic"

	"github.com/peregrinedb/peregrine/internal/resp"
	lua "github.com/yuin/gopher-lua"
)

// Script is a compiled EVAL script in the cache.
type Script struct {
	sha   [20]byte
	hex   string
	body  []byte
	flags Flags
	fn    *lua.LFunction
}

// SHA returns the script's SHA1 in lower-case hexadecimal.
func (s *Script) SHA() string { return s.hex }

// Flags returns the flags its shebang declared (FlagEvalCompat without one).
func (s *Script) Flags() Flags { return s.flags }

// Body returns the script's source.
func (s *Script) Body() []byte { return s.body }

// Eval is the EVAL engine of a server: one Lua state and the script cache
// (SHA1 -> compiled function), as Redis keeps them.
type Eval struct {
	shared  *Shared
	vm      *vm
	kill    atomic.Bool
	scripts map[[20]byte]*Script
	// bodyBytes is the memory the cached script bodies take.
	bodyBytes int64
}

// NewEval builds the EVAL engine.
func NewEval(shared *Shared) *Eval {
	e := &Eval{shared: shared, scripts: map[[20]byte]*Script{}}
	e.vm = newVM(shared, false, &e.kill)
	return e
}

// Lookup finds a cached script by its SHA1 in hexadecimal (either case).
func (e *Eval) Lookup(sha []byte) *Script {
	key, ok := parseSHA(sha)
	if !ok {
		return nil
	}
	return e.scripts[key]
}

// parseSHA decodes a 40-digit hexadecimal SHA1.
func parseSHA(sha []byte) ([20]byte, bool) {
	var key [20]byte
	if len(sha) != 40 {
		return key, false
	}
	for i := 0; i < 20; i++ {
		hi, ok1 := unhex(sha[2*i])
		lo, ok2 := unhex(sha[2*i+1])
		if !ok1 || !ok2 {
			return key, false
		}
		key[i] = hi<<4 | lo
	}
	return key, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Load compiles body into the cache (a no-op when it is there already)
// and returns it: EVAL and SCRIPT LOAD. The error is the reply text
// without its "ERR " code.
func (e *Eval) Load(body []byte) (*Script, error) {
	key := sha1.Sum(body)
	if s := e.scripts[key]; s != nil {
		return s, nil
	}
	flags, start, err := parseEvalShebang(body)
	if err != nil {
		return nil, err
	}
	// The shebang line is skipped but its newline kept, so line numbers
	// in error messages are the user's.
	src := string(body[start:])
	fn, err := e.vm.L.Load(bytes.NewReader(body[start:]), "user_script")
	if err != nil {
		return nil, newErr("Error compiling script (new function): " + compileErrorText(err, src))
	}
	fn.Env = e.vm.env
	// The main chunk is a vararg function, and gopher-lua builds Lua
	// 5.0's "arg" table on every call of one that may use it; a chunk has
	// no "arg" local, so nothing can: skip that allocation.
	fn.Proto.IsVarArg &^= lua.VarArgNeedsArg
	e.vm.codeBytes += int64(len(body)) * 4
	s := &Script{sha: key, hex: hex.EncodeToString(key[:]), body: bytes.Clone(body), flags: flags, fn: fn}
	e.scripts[key] = s
	e.bodyBytes += int64(len(body))
	return s, nil
}

// Exists reports whether a script with that SHA1 is cached.
func (e *Eval) Exists(sha []byte) bool { return e.Lookup(sha) != nil }

// Len is the number of cached scripts.
func (e *Eval) Len() int { return len(e.scripts) }

// Memory estimates the memory the script cache takes (INFO
// used_memory_scripts_eval).
func (e *Eval) Memory() int64 { return e.bodyBytes + int64(len(e.scripts))*(40+64) }

// VMMemory estimates the Lua state's memory (INFO used_memory_vm_eval).
func (e *Eval) VMMemory() int64 { return e.vm.memoryEstimate() }

// Flush empties the cache and starts a fresh Lua state (SCRIPT FLUSH).
func (e *Eval) Flush() {
	e.vm.close()
	e.vm = newVM(e.shared, false, &e.kill)
	e.scripts = map[[20]byte]*Script{}
	e.bodyBytes = 0
}

// Run executes a cached script and writes its reply to w.
func (e *Eval) Run(host Host, s *Script, keys, args [][]byte, w *resp.Writer) {
	e.vm.execute(host, s.hex, s.fn, keys, args, w)
}

// Kill asks the running script to stop. It may be called from any
// goroutine; the script stops within a few thousand instructions (one busy
// in a command it called stops when the command returns). Whether the
// script may be killed is the caller's decision. A request made while no
// script runs is forgotten when the next one starts.
func (e *Eval) Kill() { e.kill.Store(true) }

// ScriptFlags returns the flags the shebang of an EVAL body declares, for
// a script not compiled yet (its error is ignored: EVAL reports it).
func ScriptFlags(body []byte) (Flags, error) {
	f, _, err := parseEvalShebang(body)
	return f, err
}
