package server

import (
	"time"

	"github.com/peregrinedb/peregrine/internal/script"
)

// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT. Scripts run in the EVAL
// engine's Lua state under the keyspace lock (see script_call.go and
// script_busy.go).

// Error replies of the scripting commands.
const (
	errNoScript          = "NOSCRIPT No matching script. Please use EVAL."
	errNumKeysTooMany    = "ERR Number of keys can't be greater than number of args"
	errNumKeysNegative   = "ERR Number of keys can't be negative"
	errScriptWriteFlagRO = "ERR Can not execute a script with write flag using *_ro command."
	errScriptOOMFlag     = "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
	errNoReplicas        = "NOREPLICAS Not enough good replicas to write."
	errScriptFlushOpt    = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
	errScriptDebugOpt    = "ERR Use SCRIPT DEBUG YES/SYNC/NO"
	errScriptDebugNoLDB  = "ERR SCRIPT DEBUG YES/SYNC is not supported: this server has no Lua debugger"
)

// The flags of the script commands (COMMAND INFO, Redis 7.0.15).
const (
	scriptCallFlags   = "noscript stale skip_monitor may_replicate no_mandatory_keys"
	scriptCallROFlags = "readonly noscript stale skip_monitor no_mandatory_keys"
)

func scriptCommands() []*Command {
	return []*Command{
		spec("eval", -3, scriptCallFlags, 0, 0, 0, "scripting", evalCommand).keys(scriptKeys),
		spec("eval_ro", -3, scriptCallROFlags, 0, 0, 0, "scripting", evalROCommand).keys(scriptKeys).readonlyScript(),
		spec("evalsha", -3, scriptCallFlags, 0, 0, 0, "scripting", evalshaCommand).keys(scriptKeys),
		spec("evalsha_ro", -3, scriptCallROFlags, 0, 0, 0, "scripting", evalshaROCommand).keys(scriptKeys).readonlyScript(),
		container("script", -2, "scripting",
			spec("debug", 3, "noscript", 0, 0, 0, "", scriptDebugCommand),
			spec("exists", -3, "noscript", 0, 0, 0, "", scriptExistsCommand),
			spec("flush", -2, "noscript", 0, 0, 0, "", scriptFlushCommand),
			spec("help", 2, "loading stale", 0, 0, 0, "", scriptHelpCommand),
			spec("kill", 2, "noscript allow_busy", 0, 0, 0, "", func(x *Ctx) { x.s.killScript(x, true) }),
			spec("load", 3, "noscript stale", 0, 0, 0, "", scriptLoadCommand),
		),
	}
}

// scriptKeys extracts the keys of EVAL/FCALL-style commands: numkeys at
// argument 2, then that many keys.
func scriptKeys(args [][]byte) []int {
	if len(args) < 3 {
		return nil
	}
	n, ok := parseInt(args[2])
	if !ok || n <= 0 || n > int64(len(args)-3) {
		return nil
	}
	out := make([]int, n)
	for i := range out {
		out[i] = 3 + i
	}
	return out
}

func evalCommand(x *Ctx)      { evalGeneric(x, false, false) }
func evalROCommand(x *Ctx)    { evalGeneric(x, false, true) }
func evalshaCommand(x *Ctx)   { evalGeneric(x, true, false) }
func evalshaROCommand(x *Ctx) { evalGeneric(x, true, true) }

// parseNumKeys reads the numkeys argument of EVAL and FCALL. badNumber is
// the error when it is not an integer.
func parseNumKeys(x *Ctx, badNumber string) (int, bool) {
	n, ok := parseInt(x.args[2])
	switch {
	case !ok:
		x.Err(badNumber)
	case n > int64(len(x.args)-3):
		x.Err(errNumKeysTooMany)
	case n < 0:
		x.Err(errNumKeysNegative)
	default:
		return int(n), true
	}
	return 0, false
}

func evalGeneric(x *Ctx, sha, ro bool) {
	s := x.s
	// Monitors see the script before the commands it runs.
	if len(s.monitors) > 0 {
		s.feedMonitors(x.c, x.args, time.Now())
	}
	if sha && len(x.args[1]) != 40 {
		x.Err(errNoScript)
		return
	}
	numkeys, ok := parseNumKeys(x, errNotInt)
	if !ok {
		return
	}
	var sc *script.Script
	if sha {
		if sc = s.scripting.eval.Lookup(x.args[1]); sc == nil {
			x.Err(errNoScript)
			return
		}
	} else {
		var err error
		if sc, err = s.scripting.eval.Load(x.args[1]); err != nil {
			x.Err("ERR " + err.Error())
			return
		}
	}
	if !s.scriptMayRun(x, sc.Flags(), ro) {
		return
	}
	r := s.startRun(x, true, sc.SHA(), sc.Flags(), ro)
	s.scripting.eval.Run(&s.scripting.host, sc, x.args[3:3+numkeys], x.args[3+numkeys:], x.w)
	s.endRun(r)
}

// scriptMayRun applies the checks Redis makes before a script with
// declared flags runs (scriptPrepareForRun and the command flags the
// script's flags stand for). Scripts without a shebang have none.
func (s *Server) scriptMayRun(x *Ctx, flags script.Flags, ro bool) bool {
	if flags&script.FlagEvalCompat != 0 {
		return true
	}
	oom := flags&(script.FlagAllowOOM|script.FlagNoWrites) == 0 && s.outOfMemory(x.now)
	if oom {
		// The script's flags make the call a denyoom command, which
		// Redis refuses before running it.
		x.Err(errMaxMemory)
		return false
	}
	if flags&script.FlagNoWrites == 0 {
		if ro {
			x.Err(errScriptWriteFlagRO)
			return false
		}
		if s.notEnoughReplicas() {
			x.Err(errNoReplicas)
			return false
		}
	}
	return true
}

func scriptLoadCommand(x *Ctx) {
	sc, err := x.s.scripting.eval.Load(x.args[2])
	if err != nil {
		x.Err("ERR " + err.Error())
		return
	}
	x.w.BulkString(sc.SHA())
}

func scriptExistsCommand(x *Ctx) {
	x.w.Array(len(x.args) - 2)
	for _, sha := range x.args[2:] {
		if x.s.scripting.eval.Exists(sha) {
			x.w.Int(1)
		} else {
			x.w.Int(0)
		}
	}
}

func scriptFlushCommand(x *Ctx) {
	if len(x.args) > 3 || len(x.args) == 3 && !eqFold(x.args[2], "sync") && !eqFold(x.args[2], "async") {
		x.Err(errScriptFlushOpt)
		return
	}
	x.s.scripting.eval.Flush()
	x.w.OK()
}

func scriptDebugCommand(x *Ctx) {
	switch {
	case eqFold(x.args[2], "no"):
		x.w.OK()
	case eqFold(x.args[2], "yes"), eqFold(x.args[2], "sync"):
		x.Err(errScriptDebugNoLDB)
	default:
		x.Err(errScriptDebugOpt)
	}
}

func scriptHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "SCRIPT",
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode of the scripts run next (this server has no Lua debugger: only NO).",
		"EXISTS <sha1> [<sha1> ...]",
		"    Tell, for each SHA1, whether that script is in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Empty the script cache and reset the Lua state.",
		"KILL",
		"    Stop the running script, if it has not written anything yet.",
		"LOAD <script>",
		"    Compile a script into the cache without running it; replies its SHA1.",
	)
}
