package server

import (
	"crypto/rand"
	"encoding/hex"
	"math"
	"strconv"
	"sync"
	"time"
)

// serverCommands is the table slice of the server family: keyspace-wide
// commands (DBSIZE, FLUSH*, SWAPDB...), introspection (INFO, CONFIG, COMMAND,
// SLOWLOG, LATENCY, MEMORY, DEBUG) and MONITOR/SHUTDOWN. CLIENT lives with
// the connection family (clientCommand).
func serverCommands() []*Command {
	return []*Command{
		spec("dbsize", 1, "readonly fast", 0, 0, 0, "server", dbsizeCommand).acl("@keyspace"),
		spec("time", 1, "loading stale fast", 0, 0, 0, "server", timeCommand),
		spec("flushdb", -1, "write", 0, 0, 0, "server", flushdbCommand).acl("@keyspace", "@dangerous"),
		spec("flushall", -1, "write", 0, 0, 0, "server", flushallCommand).acl("@keyspace", "@dangerous"),
		spec("swapdb", 3, "write fast", 0, 0, 0, "server", swapdbCommand).acl("@keyspace", "@dangerous"),
		spec("monitor", 1, "admin noscript loading stale", 0, 0, 0, "server", monitorCommand),
		spec("lastsave", 1, "loading stale fast", 0, 0, 0, "server", lastsaveCommand).acl("@admin", "@dangerous"),
		spec("shutdown", -1, "admin noscript loading stale no_multi sentinel allow_busy", 0, 0, 0, "server", shutdownCommand),
		spec("info", -1, "loading stale sentinel", 0, 0, 0, "server", infoCommand).acl("@dangerous"),
		spec("debug", -2, "admin noscript loading stale protected", 0, 0, 0, "server", debugCommand),
		configCommand(),
		clusterCommand(), // standalone: every subcommand says cluster support is disabled (cmd_cluster.go)
		commandCommand(),
		slowlogCommand(),
		latencyCommand(),
		memoryCommand(),
	}
}

// infoState is server state reported by INFO, LASTSAVE and MEMORY that no
// other subsystem owns yet: memory peaks, the replication IDs, the last save.
type infoState struct {
	mu         sync.Mutex
	memPeak    int64
	startupMem int64
	replID     string
	replID2    string
	lastSave   int64 // unix seconds of the last successful save; 0 = start time
}

// replIDs returns the replication ID pair, creating the first on demand.
func (s *Server) replIDs() (string, string) {
	st := &s.info
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.replID == "" {
		st.replID = newReplID()
		st.replID2 = "0000000000000000000000000000000000000000"
	}
	return st.replID, st.replID2
}

// changeReplID gives the instance a new replication ID (DEBUG CHANGE-REPL-ID).
func (s *Server) changeReplID() {
	st := &s.info
	st.mu.Lock()
	st.replID = newReplID()
	st.replID2 = "0000000000000000000000000000000000000000"
	st.mu.Unlock()
}

func newReplID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// LastSave reports the unix time of the last successful save (the start
// time until persistence records one with SetLastSave).
func (s *Server) LastSave() int64 {
	s.info.mu.Lock()
	defer s.info.mu.Unlock()
	if s.info.lastSave == 0 {
		return s.startTime.Unix()
	}
	return s.info.lastSave
}

// SetLastSave records a successful save at unix time t.
func (s *Server) SetLastSave(t int64) {
	s.info.mu.Lock()
	s.info.lastSave = t
	s.info.mu.Unlock()
}

func dbsizeCommand(x *Ctx) { x.w.Int(int64(x.db.Len())) }

func timeCommand(x *Ctx) {
	now := time.Now()
	x.w.Array(2)
	x.w.BulkInt(now.Unix())
	x.w.BulkInt(int64(now.Nanosecond() / 1000))
}

func lastsaveCommand(x *Ctx) { x.w.Int(x.s.LastSave()) }

// flushFlags parses the optional ASYNC|SYNC argument of FLUSHDB/FLUSHALL.
// Both modes free synchronously: Go's collector reclaims the old tables.
func flushFlags(x *Ctx) bool {
	switch {
	case len(x.args) == 1:
		return true
	case len(x.args) == 2 && (eqFold(x.args[1], "sync") || eqFold(x.args[1], "async")):
		return true
	}
	x.Err(errSyntax)
	return false
}

func flushdbCommand(x *Ctx) {
	if !flushFlags(x) {
		return
	}
	x.s.touchAllWatched(x.db.ID, x.db, nil, x.now)
	x.s.trackingFlush()
	x.s.ks.Dirty += int64(x.db.Flush())
	x.s.signalAllBlocked(x.db.ID) // XREADGROUP waiters fail (their group is gone)
	x.s.flushedAnchor()
	x.w.OK()
}

func flushallCommand(x *Ctx) {
	if !flushFlags(x) {
		return
	}
	for i := 0; i < x.s.ks.Count(); i++ {
		x.s.touchAllWatched(i, x.s.ks.DB(i), nil, x.now)
	}
	x.s.trackingFlush()
	x.s.ks.Dirty += int64(x.s.ks.FlushAll())
	for i := 0; i < x.s.ks.Count(); i++ {
		x.s.signalAllBlocked(i) // XREADGROUP waiters fail (their group is gone)
	}
	// As in Redis, the dirty counter grows by the keys removed only: with
	// save points the snapshot just taken resets it to 0 (FLUSHALL
	// propagates regardless, by rule).
	x.s.flushallPersistence()
	x.s.flushedAnchor()
	x.w.OK()
}

// dbIndexArg parses a SWAPDB index as Redis's getIntFromObjectOrReply does.
func dbIndexArg(b []byte) (int, bool) {
	n, ok := parseInt(b)
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

func swapdbCommand(x *Ctx) {
	a, ok := dbIndexArg(x.args[1])
	if !ok {
		x.Err("ERR invalid first DB index")
		return
	}
	b, ok := dbIndexArg(x.args[2])
	if !ok {
		x.Err("ERR invalid second DB index")
		return
	}
	n := x.s.ks.Count()
	if a < 0 || a >= n || b < 0 || b >= n {
		x.Err(errDBIndex)
		return
	}
	if a != b {
		x.s.touchAllWatched(a, x.s.ks.DB(a), x.s.ks.DB(b), x.now)
		x.s.touchAllWatched(b, x.s.ks.DB(b), x.s.ks.DB(a), x.now)
		x.s.ks.Swap(a, b)
		// Clients blocked in either database may now find their keys.
		x.s.signalAllBlocked(a)
		x.s.signalAllBlocked(b)
	}
	x.s.ks.Dirty++
	x.w.OK()
}

func monitorCommand(x *Ctx) {
	if x.c.flags&clientMonitor != 0 {
		return // already monitoring: Redis ignores the call and replies nothing
	}
	x.s.addMonitor(x.c)
	x.w.OK()
}

// shutdownCommand implements SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]:
// it saves when save points are configured (or SAVE is given) unless
// NOSAVE, then the server stops and the caller's connection closes
// without a reply, as with Redis. A failed save stops the shutdown unless
// FORCE.
func shutdownCommand(x *Ctx) {
	var nosave, save, abort, other, now, force bool
	for _, a := range x.args[1:] {
		switch {
		case eqFold(a, "nosave"):
			nosave = true
		case eqFold(a, "save"):
			save = true
		case eqFold(a, "now"):
			other, now = true, true
		case eqFold(a, "force"):
			other, force = true, true
		case eqFold(a, "abort"):
			abort = true
		default:
			x.Err(errSyntax)
			return
		}
	}
	if abort && (nosave || save || other) || nosave && save {
		x.Err(errSyntax)
		return
	}
	if abort {
		switch {
		case x.s.shut.active:
			x.s.cancelShutdown()
		case !x.s.shutdownASAP.CompareAndSwap(true, false):
			x.Err("ERR No shutdown in progress.")
			return
		}
		x.s.log.Warn("Shutdown manually aborted.")
		x.w.OK()
		return
	}
	if !nosave && x.s.scriptBusy() {
		// Only SHUTDOWN NOSAVE may stop a busy script.
		x.Err(x.s.busyError())
		return
	}
	// Inside MULTI or a script SHUTDOWN cannot block: it does not wait for
	// replicas, as in Redis.
	f := shutdownFlags{save: save, nosave: nosave, now: now || x.noBlock, force: force}
	if !x.s.beginShutdown(f, x.c, x.cmd) {
		return // blocked until the replicas catch up, or failed (replied)
	}
	// shutdown closes the listeners and every connection, this one
	// included, and waits for the connection goroutines in the background.
	x.c.flags |= clientCloseAfterReply
}

// fmtFloat2 formats like C's "%.2f".
func fmtFloat2(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// errSubcommandSyntax is the reply to a known subcommand called with
// arguments it does not take ("unknown subcommand or wrong number of
// arguments for 'get'. Try SLOWLOG HELP.").
func errSubcommandSyntax(x *Ctx) string {
	return "ERR unknown subcommand or wrong number of arguments for '" + string(trunc(x.args[1], 128)) +
		"'. Try " + upper(string(x.args[0])) + " HELP."
}
