package server

import (
	"fmt"
	"time"
)

// Long-running scripts. A script runs with the keyspace lock held, so it
// is atomic. Once it has run longer than busy-reply-threshold (alias
// lua-time-limit), Redis starts answering other clients again, with BUSY
// for everything but a few commands (SCRIPT KILL, FUNCTION KILL, FUNCTION
// STATS, SHUTDOWN NOSAVE, and the transaction and connection commands
// flagged allow_busy). Here the script's goroutine notices the threshold
// at a tick of its VM and enters busy mode: it sets the busy flag and
// releases the keyspace lock while Lua code runs, taking it back for each
// command the script calls and when it ends. A client that takes the lock
// while the flag is set (or finds it set before locking) gets BUSY unless
// its command is allowed; the allowed ones run normally, interleaved with
// the script as in Redis, but blocked clients are not served and keys do
// not expire until the script is over.

// BUSY errors, by what is running.
const (
	errBusyEval     = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errBusyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	errNotBusy      = "NOTBUSY No scripts in execution right now."
	errUnkillable   = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
)

// Busy states: what the busy script is (it decides the BUSY error).
const (
	busyNone int32 = iota
	busyEval
	busyFunction
)

// scriptBusy reports whether a script is in busy mode.
func (s *Server) scriptBusy() bool { return s.scripting.busy.Load() != busyNone }

// busyError is the BUSY error for the running script.
func (s *Server) busyError() string {
	if s.scripting.busy.Load() == busyFunction {
		return errBusyFunction
	}
	return errBusyEval
}

// enterBusy switches the running script to busy mode (on its own
// goroutine, which holds the keyspace lock).
func (s *Server) enterBusy(r *scriptRun) {
	cmd := "SCRIPT KILL"
	if !r.eval {
		cmd = "FUNCTION KILL"
	}
	s.log.Warn(fmt.Sprintf("Slow script detected: still in execution after %d milliseconds. "+
		"You can try killing the script using the %s command. Script name is: %s.",
		time.Since(r.start).Milliseconds(), cmd, r.name))
	if r.eval {
		s.scripting.busy.Store(busyEval)
	} else {
		s.scripting.busy.Store(busyFunction)
	}
	r.unlocked = true
	s.ks.Unlock()
}

// killScript is SCRIPT KILL (eval) and FUNCTION KILL.
func (s *Server) killScript(x *Ctx, eval bool) {
	r := s.scripting.running.Load()
	switch {
	case r == nil:
		x.Err(errNotBusy)
	case r.writeDirty:
		x.Err(errUnkillable)
	case eval && !r.eval:
		x.Err(errBusyFunction)
	case !eval && r.eval:
		x.Err(errBusyEval)
	case eval:
		s.scripting.eval.Kill()
		x.w.OK()
	default:
		s.scripting.funcs.Kill()
		x.w.OK()
	}
}

// stopScriptForShutdown aborts a running script whatever it wrote:
// SHUTDOWN NOSAVE (or Close) does not wait for it.
func (s *Server) stopScriptForShutdown() {
	if s.scripting.running.Load() != nil {
		s.scripting.eval.Kill()
		s.scripting.funcs.Kill()
	}
}

// expiryPaused tells the keyspace not to delete expired keys: during a
// client pause, and while a busy script lets other clients in (the
// script's view of the dataset must not change under it).
func (s *Server) expiryPaused() bool {
	// A replica keeps expired keys until its master's DEL arrives.
	return s.scriptBusy() || s.pause.isActive() || !s.isMaster()
}
