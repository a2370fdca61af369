package server

import (
	"time"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/script"
)

// MULTI/EXEC/DISCARD and WATCH/UNWATCH. Commands sent after MULTI are
// checked (lookup, arity, auth: a failure dooms the transaction) and queued;
// EXEC runs them back to back under the keyspace lock, so no other client's
// command can interleave, and blocking commands inside it do not block.
// WATCH registers keys in a server-wide map; the keyspace change hook marks
// the watchers of a written key, and EXEC then replies a null array.

// multiState is a client's open transaction.
type multiState struct {
	queue []queuedCommand
	// dirtyExec is set when a command failed to queue (EXECABORT).
	dirtyExec bool
	// writes records that a queued command writes (CLIENT PAUSE WRITE holds
	// EXEC); denyOOM that one may grow memory (refused over maxmemory).
	writes, denyOOM bool
	// mem is the memory of the queue (CLIENT LIST multi-mem, clientmem.go).
	mem int64
}

// queuedMemory is what one queued command holds.
func queuedMemory(args [][]byte) int64 {
	m := int64(queuedCmdMem + len(args)*queuedArgMem)
	for _, a := range args {
		m += int64(len(a))
	}
	return m
}

// queuedCommand is a command waiting for EXEC (its arguments copied: the
// read buffer is reused).
type queuedCommand struct {
	cmd  *Command
	args [][]byte
}

// watchedKey is one WATCHed key of a client. expired records that the key
// was already logically expired when watched: its lazy deletion is then not
// a change.
type watchedKey struct {
	bk      blockKey
	expired bool
}

// Error replies of the transaction commands.
const (
	errMultiNested    = "ERR MULTI calls can not be nested"
	errExecNoMulti    = "ERR EXEC without MULTI"
	errDiscardNoMulti = "ERR DISCARD without MULTI"
	errExecAbort      = "EXECABORT Transaction discarded because of previous errors."
	errWatchInMulti   = "ERR WATCH inside MULTI is not allowed"
	errNotInMulti     = "ERR Command not allowed inside a transaction"
)

func transactionCommands() []*Command {
	return []*Command{
		spec("multi", 1, "noscript loading stale fast allow_busy", 0, 0, 0, "transactions", multiCommand),
		spec("exec", 1, "noscript loading stale skip_slowlog", 0, 0, 0, "transactions", execCommand),
		spec("discard", 1, "noscript loading stale fast allow_busy", 0, 0, 0, "transactions", discardCommand),
		spec("watch", -2, "noscript loading stale fast allow_busy", 1, -1, 1, "transactions", watchCommand),
		spec("unwatch", 1, "noscript loading stale fast allow_busy", 0, 0, 0, "transactions", unwatchCommand),
	}
}

// queuesInMulti reports whether cmd is queued (rather than run) inside MULTI.
func queuesInMulti(cmd *Command) bool {
	switch cmd.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return cmd.Parent != nil
	}
	return true
}

// queueCommand adds a command to c's transaction and replies QUEUED.
func (s *Server) queueCommand(c *Client, cmd *Command, args [][]byte) {
	if cmd.Has(FlagNoMulti) {
		s.reject(c, cmd, errNotInMulti)
		return
	}
	q := queuedCommand{cmd: cmd, args: make([][]byte, len(args))}
	for i, a := range args {
		q.args[i] = append([]byte(nil), a...)
	}
	writes, denyOOM := cmd.Has(FlagWrite|FlagMayReplicate), cmd.Has(FlagDenyOOM)
	if sf, ok := s.scriptCommandFlags(cmd, args); ok {
		// A script's declared flags replace the command's, as Redis's
		// scriptFlagsToCmdFlags does: EXEC of no-writes scripts is
		// neither a write (CLIENT PAUSE WRITE, READONLY) nor refused
		// over maxmemory.
		writes = sf&script.FlagNoWrites == 0
		denyOOM = sf&(script.FlagNoWrites|script.FlagAllowOOM) == 0
	}
	s.ks.Lock()
	c.multi.queue = append(c.multi.queue, q)
	c.multi.mem += queuedMemory(q.args)
	c.multi.writes = c.multi.writes || writes
	c.multi.denyOOM = c.multi.denyOOM || denyOOM
	s.ks.Unlock()
	c.w.Simple("QUEUED")
}

func multiCommand(x *Ctx) {
	if x.c.multi != nil {
		x.Err(errMultiNested)
		return
	}
	x.c.multi = &multiState{}
	x.w.OK()
}

func discardCommand(x *Ctx) {
	if x.c.multi == nil {
		x.Err(errDiscardNoMulti)
		return
	}
	x.s.discardTransaction(x.c)
	x.w.OK()
}

// discardTransaction ends c's transaction and forgets its watched keys.
func (s *Server) discardTransaction(c *Client) {
	c.multi = nil
	s.unwatchAll(c)
}

func execCommand(x *Ctx) {
	s, c := x.s, x.c
	m := c.multi
	if m == nil {
		x.Err(errExecNoMulti)
		return
	}
	if s.watchedKeyExpired(c, x.now) {
		c.dirtyCAS = true
	}
	switch {
	case m.dirtyExec:
		x.Err(errExecAbort)
		s.discardTransaction(c)
		return
	case c.dirtyCAS:
		x.w.NullArray()
		s.discardTransaction(c)
		return
	}
	s.unwatchAll(c)
	c.multi = nil
	x.w.Array(len(m.queue))
	s.inExec = true
	defer func() { s.inExec = false }()
	for _, q := range m.queue {
		start := time.Now()
		now := start.UnixMilli()
		if s.prop.loading {
			now = x.now // AOF loading: keys never expire while the file replays (aof.go)
		}
		if msg := s.aclExecError(c, q.cmd, q.args); msg != "" {
			// ACL: the user lost the permission since queuing (acl.go).
			s.countError(msg)
			x.w.Error(msg)
			continue
		}
		in := Ctx{s: s, c: c, cmd: q.cmd, args: q.args, w: x.w, db: s.ks.DB(c.db), now: now, noBlock: true}
		s.call(&in, x.w.Len())
		if c.tracking != nil {
			s.afterTrackedCommand(c, q.cmd, q.args)
		}
		dur := time.Since(start)
		q.cmd.stats.calls++
		q.cmd.stats.usec += dur.Microseconds()
		if in.failed {
			q.cmd.stats.failed++
		}
		if s.live.latencyTrack.Load() {
			q.cmd.stats.recordLatency(dur.Nanoseconds())
		}
		if len(s.monitors) > 0 && !q.cmd.Has(FlagSkipMonitor|FlagAdmin) {
			s.feedMonitors(c, q.args, start)
		}
		// EXEC itself skips the slow log; the commands it ran are logged.
		if !q.cmd.Has(FlagSkipSlowlog) {
			s.logSlow(c, q.args, start, dur.Microseconds())
		}
		s.stats.commands.Add(1)
	}
}

func watchCommand(x *Ctx) {
	if x.c.multi != nil {
		x.Err(errWatchInMulti)
		return
	}
	s, c := x.s, x.c
	for _, k := range x.args[1:] {
		bk := blockKey{c.db, string(k)}
		dup := false
		for _, w := range c.watched {
			if w.bk == bk {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		e := x.db.Peek(k)
		expired := e != nil && e.Expire != 0 && e.Expire <= x.now
		c.watched = append(c.watched, watchedKey{bk: bk, expired: expired})
		c.watchedBytes += int64(len(k))
		if s.watchers == nil {
			s.watchers = map[blockKey][]*Client{}
		}
		s.watchers[bk] = append(s.watchers[bk], c)
	}
	x.w.OK()
}

func unwatchCommand(x *Ctx) {
	x.s.unwatchAll(x.c)
	x.c.dirtyCAS = false
	x.w.OK()
}

// unwatchAll forgets every key c watches and clears its dirty mark.
func (s *Server) unwatchAll(c *Client) {
	for _, w := range c.watched {
		q := s.watchers[w.bk]
		for i, o := range q {
			if o == c {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(s.watchers, w.bk)
		} else {
			s.watchers[w.bk] = q
		}
	}
	c.watched = c.watched[:0]
	c.watchedBytes = 0
	c.dirtyCAS = false
}

// touchWatched marks the clients watching key in db as dirty (called by
// the keyspace change hook).
func (s *Server) touchWatched(db *keyspace.DB, key []byte) {
	q, ok := s.watchers[blockKey{db.ID, string(key)}]
	if !ok {
		return
	}
	for _, c := range q {
		if s.clearStaleWatch(c, db, key) {
			continue
		}
		c.dirtyCAS = true
	}
}

// clearStaleWatch handles a key that was already expired when WATCHed:
// its deletion is no logical change, so the watch just stops being stale.
func (s *Server) clearStaleWatch(c *Client, db *keyspace.DB, key []byte) bool {
	for i := range c.watched {
		w := &c.watched[i]
		if w.bk.db == db.ID && w.bk.key == string(key) && w.expired {
			if db.Peek(key) == nil {
				w.expired = false
				return true
			}
			return false
		}
	}
	return false
}

// touchAllWatched marks the watchers of the keys of database id that
// FLUSHDB/FLUSHALL (replacedWith nil) or SWAPDB (replacedWith is the
// database swapped in) change. As in Redis, a watched key that was already
// expired and is now gone, or stays expired, is no logical change.
func (s *Server) touchAllWatched(id int, emptied, replacedWith *keyspace.DB, now int64) {
	for bk, q := range s.watchers {
		if bk.db != id {
			continue
		}
		key := []byte(bk.key)
		inEmptied := emptied.Peek(key) != nil
		var repl *keyspace.Entry
		if replacedWith != nil {
			repl = replacedWith.Peek(key)
		}
		if !inEmptied && repl == nil {
			continue
		}
		replExpired := repl != nil && repl.Expire != 0 && repl.Expire <= now
		for _, c := range q {
			w := c.watchOf(bk)
			switch {
			case w.expired && repl == nil:
				w.expired = false // the stale key is just gone
				continue
			case w.expired && replExpired:
				continue
			case !w.expired && !inEmptied && replExpired:
				w.expired = true // a missing key became a stale one
				continue
			}
			c.dirtyCAS = true
		}
	}
}

// watchOf returns c's watch record of bk (which c watches).
func (c *Client) watchOf(bk blockKey) *watchedKey {
	for i := range c.watched {
		if c.watched[i].bk == bk {
			return &c.watched[i]
		}
	}
	return &watchedKey{}
}

// watchedKeyExpired reports whether a key watched while alive has expired
// since (EXEC then fails, as in Redis).
func (s *Server) watchedKeyExpired(c *Client, now int64) bool {
	for _, w := range c.watched {
		if w.expired {
			continue
		}
		e := s.ks.DB(w.bk.db).Peek([]byte(w.bk.key))
		if e != nil && e.Expire != 0 && e.Expire <= now {
			return true
		}
	}
	return false
}
