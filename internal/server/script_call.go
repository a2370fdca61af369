package server

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/peregrinedb/peregrine/internal/resp"
	"github.com/peregrinedb/peregrine/internal/script"
)

// Scripting glue: the engines of the script package run under the
// keyspace lock (scripts are atomic), and the commands a script calls go
// through scriptHost, which checks them as Redis's scriptCall does and runs
// their handlers on the script client with the script's time snapshot.

// Errors a script's redis.call gets when a command is refused (Redis's
// wording; the Lua side shows them with their code).
const (
	errScriptUnknownCmd = "ERR Unknown Redis command called from script"
	errScriptArity      = "ERR Wrong number of args calling Redis command from script"
	errScriptNoScript   = "ERR This Redis command is not allowed from script"
	errScriptROWrite    = "ERR Write commands are not allowed from read-only scripts."
)

// scripting is a server's Lua machinery (guarded by the keyspace lock,
// except for the atomics).
type scripting struct {
	shared *script.Shared
	eval   *script.Eval
	funcs  *script.Functions
	// client is the script client: the commands scripts call run on it
	// (its own database selection, RESP2 by default), never in the
	// client list.
	client *Client
	host   scriptHost
	run    scriptRun
	// running is the script in progress (nil between scripts); busy is
	// set once it has run past busy-reply-threshold, when it releases
	// the keyspace lock while Lua runs and other clients get BUSY.
	running atomic.Pointer[scriptRun]
	busy    atomic.Int32 // busyNone, busyEval or busyFunction
	// Live copies of the directives every script start reads.
	threshold, minReplicas, minReplicasLag atomic.Int64
}

// scriptRun is one EVAL/FCALL invocation.
type scriptRun struct {
	eval  bool     // EVAL (as opposed to a function)
	name  string   // SHA1 or function name
	args  [][]byte // the caller's command (FUNCTION STATS)
	start time.Time
	now   int64 // ms: the time snapshot every command of the script sees
	// readOnly refuses write commands (EVAL_RO, FCALL_RO, no-writes);
	// allowOOM lets denyoom commands run over maxmemory; preOOM is
	// whether the server was over maxmemory when the script started.
	readOnly, allowOOM, preOOM bool
	// writeDirty records that a write command ran: the script can then
	// no longer be killed.
	writeDirty bool
	// unlocked is set while the script goroutine runs Lua without the
	// keyspace lock (busy mode).
	unlocked  bool
	threshold time.Duration
	// x is the EVAL/FCALL call: errors of the script's reply mark it failed.
	x *Ctx
}

// outOfMemory is Redis's pre-command OOM state: over maxmemory even after
// evicting what the policy allows.
func (s *Server) outOfMemory(now int64) bool {
	return s.live.maxmemory.Load() != 0 && !s.performEvictions(now)
}

// initScripting builds the engines and the script client.
func (s *Server) initScripting() {
	sc := &s.scripting
	sc.shared = script.NewShared()
	sc.eval = script.NewEval(sc.shared)
	sc.funcs = script.NewFunctions(sc.shared)
	sc.client = &Client{srv: s, addr: "lua", laddr: "lua", w: resp.NewWriter(), authed: true, user: "default", fd: -1}
	sc.host.s = s
	sc.host.w = sc.client.w
	for name, dst := range map[string]*atomic.Int64{
		"busy-reply-threshold":  &sc.threshold,
		"min-replicas-to-write": &sc.minReplicas,
		"min-replicas-max-lag":  &sc.minReplicasLag,
	} {
		dst.Store(s.cfg.Int(name))
		s.cfg.OnApply(name, func(v string) error {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				dst.Store(n)
			}
			return nil
		})
	}
}

// scriptHost is the script.Host of a server.
type scriptHost struct {
	s *Server
	w *resp.Writer // scratch writer of called commands' replies (the script client's)
	// names remembers the commands scripts called last, by the name as
	// written (scripts call the same few commands, usually in capitals,
	// which the table's lookup must fold first). The table never changes
	// after start-up, so entries never go stale.
	names    [4]scriptName
	nameNext int
}

// scriptName is one entry of scriptHost.names.
type scriptName struct {
	name []byte
	cmd  *Command
}

// lookup is lookupCall through the names cache.
func (h *scriptHost) lookup(argv [][]byte) *Command {
	var cmd *Command
	for i := range h.names {
		if e := &h.names[i]; e.cmd != nil && bytes.Equal(e.name, argv[0]) {
			cmd = e.cmd
			break
		}
	}
	if cmd == nil {
		if cmd = h.s.cmds.lookup(argv[0]); cmd == nil {
			return nil
		}
		e := &h.names[h.nameNext]
		e.name, e.cmd = append(e.name[:0], argv[0]...), cmd
		h.nameNext = (h.nameNext + 1) % len(h.names)
	}
	return subcommand(cmd, argv)
}

var _ script.Host = (*scriptHost)(nil)

// startRun prepares a script invocation: the caller's database and the
// time snapshot. The caller holds the keyspace lock.
func (s *Server) startRun(x *Ctx, eval bool, name string, flags script.Flags, ro bool) *scriptRun {
	sc := &s.scripting
	r := &sc.run
	*r = scriptRun{eval: eval, name: name, args: x.args, start: time.Now(), now: x.now, x: x}
	compat := flags&script.FlagEvalCompat != 0
	r.readOnly = ro || !compat && flags&script.FlagNoWrites != 0
	r.allowOOM = !compat && flags&script.FlagAllowOOM != 0
	r.preOOM = s.outOfMemory(x.now)
	r.threshold = time.Duration(sc.threshold.Load()) * time.Millisecond
	sc.client.db = x.c.db
	sc.client.w.Proto = 2
	sc.running.Store(r)
	return r
}

// endRun closes an invocation: the keyspace lock is held again and the
// busy state cleared.
func (s *Server) endRun(r *scriptRun) {
	sc := &s.scripting
	if r.unlocked {
		s.ks.Lock()
		r.unlocked = false
	}
	sc.busy.Store(busyNone)
	sc.running.Store(nil)
}

// Call runs a command for redis.call/redis.pcall.
func (h *scriptHost) Call(argv [][]byte, proto int) ([]byte, string) {
	s := h.s
	r := s.scripting.running.Load()
	if r.unlocked {
		s.ks.Lock()
		defer s.ks.Unlock()
	}
	cmd := h.lookup(argv)
	if cmd == nil {
		s.countError(errScriptUnknownCmd)
		return nil, errScriptUnknownCmd
	}
	if cmd.Arity > 0 && len(argv) != cmd.Arity || cmd.Arity < 0 && len(argv) < -cmd.Arity || cmd.Handler == nil {
		return nil, s.rejectScriptCall(cmd, errScriptArity)
	}
	if cmd.Has(FlagNoScript) && !s.debug.disableDenyScripts.Load() {
		return nil, s.rejectScriptCall(cmd, errScriptNoScript)
	}
	if !cmd.Has(FlagStale) && s.staleReplica() {
		// An allow-stale script on a stale replica runs, but only
		// commands that may run stale.
		return nil, s.rejectScriptCall(cmd, "ERR Can not execute the command on a stale replica")
	}
	if msg := s.aclScriptError(cmd, argv); msg != "" {
		return nil, s.rejectScriptCall(cmd, msg)
	}
	if r.readOnly && cmd.Has(FlagWrite|FlagMayReplicate) {
		return nil, s.rejectScriptCall(cmd, errScriptROWrite)
	}
	if cmd.Has(FlagWrite) && !r.writeDirty && s.notEnoughReplicas() {
		return nil, s.rejectScriptCall(cmd, errNoReplicas)
	}
	if !r.allowOOM && !r.writeDirty && r.preOOM && cmd.Has(FlagDenyOOM) {
		return nil, s.rejectScriptCall(cmd, errMaxMemory)
	}
	if cmd.Has(FlagWrite) {
		r.writeDirty = true
	}
	c := s.scripting.client
	h.w.Reset()
	h.w.Proto = proto
	start := time.Now()
	// The script client's reusable context: a Ctx on the stack escapes
	// through the handler call (an allocation per redis.call).
	in := c.takeCtx()
	*in = Ctx{s: s, c: c, cmd: cmd, args: argv, w: h.w, db: s.ks.DB(c.db), now: r.now, noBlock: true}
	s.call(in, 0)
	failed := in.failed
	c.releaseCtx(in)
	if cmd.Has(FlagReadonly) {
		s.trackScriptRead(r)
	}
	dur := time.Since(start)
	cmd.stats.calls++
	cmd.stats.usec += dur.Microseconds()
	if failed {
		cmd.stats.failed++
	}
	if s.live.latencyTrack.Load() {
		cmd.stats.recordLatency(dur.Nanoseconds())
	}
	if len(s.monitors) > 0 && !cmd.Has(FlagSkipMonitor|FlagAdmin) {
		s.feedMonitors(c, argv, start)
	}
	if !cmd.Has(FlagSkipSlowlog) {
		s.logSlow(c, argv, start, dur.Microseconds())
	}
	s.stats.commands.Add(1)
	return h.w.Bytes(), ""
}

// fromScript reports whether the command runs inside a script: SORT then
// orders sets it would leave unordered, and commands that refuse to block
// in scripts (XREAD BLOCK) check it, as x.noBlock alone is also set
// inside MULTI.
func (x *Ctx) fromScript() bool { return x.c == x.s.scripting.client }

// rejectScriptCall counts a command refused inside a script.
func (s *Server) rejectScriptCall(cmd *Command, msg string) string {
	cmd.stats.rejected++
	s.countError(msg)
	return msg
}

// HasCommand reports whether argv names a command (redis.acl_check_cmd).
func (h *scriptHost) HasCommand(argv [][]byte) bool { return h.s.lookupCall(argv) != nil }

// Log writes a redis.log line at the level Redis maps it to.
func (h *scriptHost) Log(level int, msg string) {
	lvl := [...]slog.Level{slog.LevelDebug, LevelVerbose, slog.LevelInfo, slog.LevelWarn}[level]
	h.s.log.Log(context.Background(), lvl, msg)
}

// Tick notices a script that ran past busy-reply-threshold.
func (h *scriptHost) Tick() {
	r := h.s.scripting.running.Load()
	if r == nil || r.unlocked || r.threshold <= 0 || time.Since(r.start) < r.threshold {
		return
	}
	h.s.enterBusy(r)
}

// ErrorReply marks the call failed and counts the error unless the
// command that produced it already did.
func (h *scriptHost) ErrorReply(msg string, countStats bool) {
	r := h.s.scripting.running.Load()
	if r == nil || r.x == nil {
		return
	}
	r.x.failed = true
	if countStats {
		h.s.countError(msg)
	}
}

// scriptMemoryInfo is what INFO memory reports about scripting.
type scriptMemoryInfo struct {
	vmEval, vmFunctions, scriptsEval, functionsMem int64
	cachedScripts, functions, libraries            int64
}

// scriptMemory gathers the scripting figures of INFO (keyspace lock held).
func (s *Server) scriptMemory() scriptMemoryInfo {
	sc := &s.scripting
	libs, funcs := sc.funcs.Counts()
	return scriptMemoryInfo{
		vmEval:        sc.eval.VMMemory(),
		vmFunctions:   sc.funcs.VMMemory(),
		scriptsEval:   sc.eval.Memory(),
		functionsMem:  sc.funcs.Memory(),
		cachedScripts: int64(sc.eval.Len()),
		functions:     int64(funcs),
		libraries:     int64(libs),
	}
}

// scriptCommandFlags returns the flags the script of an EVAL, EVALSHA or
// FCALL call (or their _RO forms) declared, by which Redis judges the call
// (scriptFlagsToCmdFlags: a replica's READONLY and stale checks, CLIENT
// PAUSE WRITE); ok is false for other commands, unknown scripts and
// scripts without a shebang. It takes the keyspace lock for the cache.
func (s *Server) scriptCommandFlags(cmd *Command, args [][]byte) (f script.Flags, ok bool) {
	if cmd.Parent != nil || len(args) < 2 {
		return 0, false
	}
	switch cmd.Name {
	case "eval", "eval_ro":
		var err error
		if f, err = script.ScriptFlags(args[1]); err != nil {
			return 0, false
		}
	case "evalsha", "evalsha_ro", "fcall", "fcall_ro":
		found := false
		s.ks.Lock()
		if strings.HasPrefix(cmd.Name, "evalsha") {
			if sc := s.scripting.eval.Lookup(args[1]); sc != nil {
				f, found = sc.Flags(), true
			}
		} else if fn := s.scripting.funcs.Lookup(args[1]); fn != nil {
			f, found = fn.Flags(), true
		}
		s.ks.Unlock()
		if !found {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, f&script.FlagEvalCompat == 0
}
