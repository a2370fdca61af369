package server

import "math"

func slowlogCommand() *Command {
	return container("slowlog", -2, "server",
		spec("get", -2, "admin loading stale", 0, 0, 0, "", slowlogGetCommand),
		spec("help", 2, "loading stale", 0, 0, 0, "", slowlogHelpCommand),
		spec("len", 2, "admin loading stale", 0, 0, 0, "", slowlogLenCommand),
		spec("reset", 2, "admin loading stale", 0, 0, 0, "", slowlogResetCommand),
	)
}

func slowlogHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "SLOWLOG",
		"GET [<count>]",
		"    Return the <count> newest entries of the slow log (default: 10, -1 for all).",
		"    Each entry holds:",
		"    id, timestamp, duration in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the number of entries in the slow log.",
		"RESET",
		"    Empty the slow log.",
	)
}

func slowlogGetCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err(errSubcommandSyntax(x))
		return
	}
	count := int64(10)
	if len(x.args) == 3 {
		n, ok := parseInt(x.args[2])
		if !ok || n < -1 {
			x.Err("ERR count should be greater than or equal to -1")
			return
		}
		count = n
		if n == -1 {
			count = math.MaxInt64
		}
	}
	entries := x.s.slowlog.snapshot(count)
	x.w.Array(len(entries))
	for _, e := range entries {
		x.w.Array(6)
		x.w.Int(e.id)
		x.w.Int(e.at)
		x.w.Int(e.usec)
		x.w.BulkStrings(e.args)
		x.w.BulkString(e.peer)
		x.w.BulkString(e.name)
	}
}

func slowlogLenCommand(x *Ctx) { x.w.Int(int64(x.s.slowlog.len())) }

func slowlogResetCommand(x *Ctx) {
	x.s.slowlog.reset()
	x.w.OK()
}

// snapshot returns up to n entries, newest first.
func (l *slowlog) snapshot(n int64) []slowlogEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n > int64(len(l.entries)) {
		n = int64(len(l.entries))
	}
	return append([]slowlogEntry(nil), l.entries[:n]...)
}

func (l *slowlog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *slowlog) reset() {
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
}
