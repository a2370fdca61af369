package server

import (
	"github.com/peregrinedb/peregrine/internal/config"
)

func configCommand() *Command {
	return container("config", -2, "server",
		spec("get", -3, "admin noscript loading stale", 0, 0, 0, "", configGetCommand),
		spec("help", 2, "loading stale", 0, 0, 0, "", configHelpCommand),
		spec("resetstat", 2, "admin noscript loading stale", 0, 0, 0, "", configResetstatCommand),
		spec("rewrite", 2, "admin noscript loading stale", 0, 0, 0, "", configRewriteCommand),
		spec("set", -4, "admin noscript loading stale", 0, 0, 0, "", configSetCommand),
	)
}

func configHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "CONFIG",
		"GET <pattern> [<pattern> ...]",
		"    Return the parameters matching the glob-like <pattern>s and their values.",
		"SET <directive> <value> [<directive> <value> ...]",
		"    Set each configuration <directive> to its <value>, all or none.",
		"RESETSTAT",
		"    Reset the statistics reported by INFO.",
		"REWRITE",
		"    Rewrite the configuration file with the current configuration.",
	)
}

// configGetCommand replies with a map of the directives matching any of the
// patterns (a flat array in RESP2), each directive once.
func configGetCommand(x *Ctx) {
	patterns := make([]string, len(x.args)-2)
	for i, a := range x.args[2:] {
		patterns[i] = string(a)
	}
	pairs := x.s.cfg.GetPatterns(patterns)
	x.w.Map(len(pairs))
	for _, p := range pairs {
		x.w.BulkString(p[0])
		x.w.BulkString(p[1])
	}
}

// configSetCommand sets one or more directives atomically.
func configSetCommand(x *Ctx) {
	if len(x.args)%2 != 0 {
		// Redis 7.0 answers an odd argument count with a syntax error
		// (7.2 changed it to the arity error).
		x.Err(errSyntax)
		return
	}
	pairs := make([][2]string, 0, (len(x.args)-2)/2)
	for i := 2; i+1 < len(x.args); i += 2 {
		pairs = append(pairs, [2]string{string(x.args[i]), string(x.args[i+1])})
		if info, ok := x.s.cfg.Lookup(string(x.args[i])); ok && info.Sensitive {
			x.redactArg(i + 1)
		}
	}
	local := x.c.conn == nil || isLoopback(x.c.conn.RemoteAddr())
	if err := x.s.cfg.SetWithOptions(pairs, config.SetOptions{LocalClient: local, Loading: x.s.persist.loading.Load() || x.s.persist.asyncLoading.Load()}); err != nil {
		x.Err(err.Error())
		return
	}
	x.w.OK()
}

func configRewriteCommand(x *Ctx) {
	if x.s.cfg.File() == "" {
		x.Err("ERR The server is running without a config file")
		return
	}
	if err := x.s.cfg.Rewrite(x.s.cfg.File()); err != nil {
		x.s.log.Warn("CONFIG REWRITE failed: " + err.Error())
		x.Err(err.Error())
		return
	}
	x.s.log.Warn("CONFIG REWRITE executed with success.")
	x.w.OK()
}

func configResetstatCommand(x *Ctx) {
	x.s.resetStats()
	x.w.OK()
}

// resetStats clears the statistics INFO reports, as CONFIG RESETSTAT does:
// server counters, keyspace hits/misses and expiry counters, full and
// partial resync counts, error counts, and per-command calls, times and
// latency histograms. The keyspace lock
// is held.
func (s *Server) resetStats() {
	st := &s.stats
	st.connections.Store(0)
	st.commands.Store(0)
	st.rejectedConns.Store(0)
	st.netInput.Store(0)
	st.netOutput.Store(0)
	st.unexpectedErr.Store(0)
	st.forks.Store(0)
	s.repl.syncFull.Store(0)
	s.repl.syncPartialOK.Store(0)
	s.repl.syncPartialErr.Store(0)
	s.ks.Stats.Hits = 0
	s.ks.Stats.Misses = 0
	s.ks.Stats.ExpiredKeys = 0
	s.ks.Stats.ExpiredStalePerc = 0
	s.ks.Stats.ExpiredTimeCapReached = 0
	s.ks.Stats.EvictedKeys = 0
	s.cmem.evicted.Store(0)
	s.errStats.reset()
	for _, c := range s.cmds {
		resetCommandStats(c)
	}
}

func resetCommandStats(c *Command) {
	c.stats = cmdStats{}
	for _, sub := range c.Sub {
		resetCommandStats(sub)
	}
}

// redactArg hides argument i of the current call from what is recorded
// after it runs (SLOWLOG), as Redis does for passwords: the dispatcher
// logs the same argument slice the handler sees.
func (x *Ctx) redactArg(i int) { x.args[i] = []byte("(redacted)") }
