package server

import (
	"time"

	"github.com/peregrinedb/peregrine/internal/glob"
	"github.com/peregrinedb/peregrine/internal/rdb"
	"github.com/peregrinedb/peregrine/internal/script"
)

// FUNCTION and FCALL/FCALL_RO: libraries of Lua functions, kept in the
// function engine of the script package. Libraries survive FLUSHALL (they
// are not data) and are listed sorted by name.

// Error replies of the function commands.
const (
	errFunctionNotFound   = "ERR Function not found"
	errFunctionBadNumKeys = "ERR Bad number of keys provided"
	errFunctionCode       = "ERR Function code is missing"
	errFunctionFlushOpt   = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
	errFunctionRestoreOpt = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
	errFunctionPayload    = "ERR DUMP payload version or checksum are wrong"
	errFunctionListName   = "ERR library name argument was not given"
)

func functionCommands() []*Command {
	return []*Command{
		spec("fcall", -3, scriptCallFlags, 0, 0, 0, "scripting", fcallCommand).keys(scriptKeys),
		spec("fcall_ro", -3, scriptCallROFlags, 0, 0, 0, "scripting", fcallROCommand).keys(scriptKeys).readonlyScript(),
		container("function", -2, "scripting",
			spec("delete", 3, "write noscript", 0, 0, 0, "", functionDeleteCommand),
			spec("dump", 2, "noscript", 0, 0, 0, "", functionDumpCommand),
			spec("flush", -2, "write noscript", 0, 0, 0, "", functionFlushCommand),
			spec("help", 2, "loading stale", 0, 0, 0, "", functionHelpCommand),
			spec("kill", 2, "noscript allow_busy", 0, 0, 0, "", func(x *Ctx) { x.s.killScript(x, false) }),
			spec("list", -2, "noscript", 0, 0, 0, "", functionListCommand),
			spec("load", -3, "write denyoom noscript", 0, 0, 0, "", functionLoadCommand),
			spec("restore", -3, "write denyoom noscript", 0, 0, 0, "", functionRestoreCommand),
			spec("stats", 2, "noscript allow_busy", 0, 0, 0, "", functionStatsCommand),
		),
	}
}

func fcallCommand(x *Ctx)   { fcallGeneric(x, false) }
func fcallROCommand(x *Ctx) { fcallGeneric(x, true) }

func fcallGeneric(x *Ctx, ro bool) {
	s := x.s
	if len(s.monitors) > 0 {
		s.feedMonitors(x.c, x.args, time.Now())
	}
	fn := s.scripting.funcs.Lookup(x.args[1])
	if fn == nil {
		x.Err(errFunctionNotFound)
		return
	}
	numkeys, ok := parseNumKeys(x, errFunctionBadNumKeys)
	if !ok {
		return
	}
	if !s.scriptMayRun(x, fn.Flags(), ro) {
		return
	}
	r := s.startRun(x, false, fn.Name(), fn.Flags(), ro)
	s.scripting.funcs.Run(&s.scripting.host, fn, x.args[3:3+numkeys], x.args[3+numkeys:], x.w)
	s.endRun(r)
}

func functionLoadCommand(x *Ctx) {
	replace := false
	i := 2
	for ; i < len(x.args)-1; i++ {
		if !eqFold(x.args[i], "replace") {
			x.Err("ERR Unknown option given: " + string(x.args[i]))
			return
		}
		replace = true
	}
	if i >= len(x.args) {
		x.Err(errFunctionCode)
		return
	}
	name, err := x.s.scripting.funcs.Load(&x.s.scripting.host, x.args[i], replace, script.LoadTimeout)
	if err != nil {
		x.Err("ERR " + err.Error())
		return
	}
	x.s.dirtyFunctions()
	x.w.BulkString(name)
}

func functionDeleteCommand(x *Ctx) {
	if err := x.s.scripting.funcs.Delete(x.args[2]); err != nil {
		x.Err("ERR " + err.Error())
		return
	}
	x.s.dirtyFunctions()
	x.w.OK()
}

func functionFlushCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err(errSubcommandSyntax(x))
		return
	}
	if len(x.args) == 3 && !eqFold(x.args[2], "async") && !eqFold(x.args[2], "sync") {
		x.Err(errFunctionFlushOpt)
		return
	}
	x.s.scripting.funcs.Flush()
	x.s.dirtyFunctions()
	x.w.OK()
}

// dirtyFunctions counts a change of the function libraries as a change of
// the dataset (they are saved and replicated with it).
func (s *Server) dirtyFunctions() { s.ks.Dirty++ }

func functionListCommand(x *Ctx) {
	withCode := false
	var pattern []byte
	hasPattern := false
	for i := 2; i < len(x.args); i++ {
		a := x.args[i]
		if !withCode && eqFold(a, "withcode") {
			withCode = true
			continue
		}
		if !hasPattern && eqFold(a, "libraryname") {
			if i >= len(x.args)-1 {
				x.Err(errFunctionListName)
				return
			}
			i++
			pattern, hasPattern = x.args[i], true
			continue
		}
		x.Err("ERR Unknown argument " + string(a))
		return
	}
	libs := x.s.scripting.funcs.Libraries()
	if hasPattern {
		kept := libs[:0]
		for _, l := range libs {
			if glob.MatchBytes(pattern, []byte(l.Name()), true) {
				kept = append(kept, l)
			}
		}
		libs = kept
	}
	w := x.w
	w.Array(len(libs))
	for _, l := range libs {
		if withCode {
			w.Map(4)
		} else {
			w.Map(3)
		}
		w.BulkString("library_name")
		w.BulkString(l.Name())
		w.BulkString("engine")
		w.BulkString(l.Engine())
		w.BulkString("functions")
		fns := l.Functions()
		w.Array(len(fns))
		for _, f := range fns {
			w.Map(3)
			w.BulkString("name")
			w.BulkString(f.Name())
			w.BulkString("description")
			if d, ok := f.Description(); ok {
				w.BulkString(d)
			} else {
				w.Null()
			}
			w.BulkString("flags")
			names := f.Flags().Names()
			w.Set(len(names))
			for _, n := range names {
				w.Simple(n)
			}
		}
		if withCode {
			w.BulkString("library_code")
			w.Bulk(l.Code())
		}
	}
}

func functionStatsCommand(x *Ctx) {
	r := x.s.scripting.running.Load()
	if r != nil && r.eval {
		x.Err(errBusyEval)
		return
	}
	w := x.w
	w.Map(2)
	w.BulkString("running_script")
	if r == nil {
		w.Null()
	} else {
		w.Map(3)
		w.BulkString("name")
		w.BulkString(r.name)
		w.BulkString("command")
		w.Array(len(r.args))
		for _, a := range r.args {
			w.Bulk(a)
		}
		w.BulkString("duration_ms")
		w.Int(time.Since(r.start).Milliseconds())
	}
	w.BulkString("engines")
	w.Map(1)
	w.BulkString("LUA")
	w.Map(2)
	libs, funcs := x.s.scripting.funcs.Counts()
	w.BulkString("libraries_count")
	w.Int(int64(libs))
	w.BulkString("functions_count")
	w.Int(int64(funcs))
}

func functionDumpCommand(x *Ctx) {
	libs := x.s.scripting.funcs.Libraries()
	codes := make([][]byte, len(libs))
	for i, l := range libs {
		codes[i] = l.Code()
	}
	x.w.Bulk(functionDumpPayload(codes))
}

func functionRestoreCommand(x *Ctx) {
	if len(x.args) > 4 {
		x.Err(errSubcommandSyntax(x))
		return
	}
	policy := script.RestoreAppend
	if len(x.args) == 4 {
		switch p := x.args[3]; {
		case eqFold(p, "append"):
		case eqFold(p, "replace"):
			policy = script.RestoreReplace
		case eqFold(p, "flush"):
			policy = script.RestoreFlush
		default:
			x.Err(errFunctionRestoreOpt)
			return
		}
	}
	payload := x.args[2]
	if !rdb.VerifyPayload(payload, x.s.debug.skipChecksumValidation.Load()) {
		x.Err(errFunctionPayload)
		return
	}
	codes, msg := parseFunctionPayload(payload)
	if msg != "" {
		x.Err("ERR " + msg)
		return
	}
	if err := x.s.scripting.funcs.Restore(&x.s.scripting.host, codes, policy); err != nil {
		x.Err("ERR " + err.Error())
		return
	}
	x.s.dirtyFunctions()
	x.w.OK()
}

func functionHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "FUNCTION",
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a library from its code (the shebang line names it); REPLACE overwrites a library of that name.",
		"DELETE <LIBRARY NAME>",
		"    Delete a library and its functions.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Describe the libraries (name, engine, functions, and with WITHCODE their code),",
		"    only those whose name matches PATTERN when LIBRARYNAME is given.",
		"STATS",
		"    Describe the running function, if any (name, command, duration in ms),",
		"    and count the libraries and functions of each engine.",
		"KILL",
		"    Stop the running function, if it has not written anything yet.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete every library.",
		"DUMP",
		"    Serialize the libraries into a payload FUNCTION RESTORE accepts.",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Load the libraries of a payload. FLUSH first deletes the existing libraries;",
		"    APPEND (the default) fails on a library name clash; REPLACE replaces clashing",
		"    libraries (a function name clash with another library still fails).",
	)
}
