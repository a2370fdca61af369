package server

import (
	"math"
	"time"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/resp"
)

// Blocking operations (BLPOP, BLMOVE, BZPOPMIN, ...) park a client on keys.
// The design follows Redis: a write that gives a waited-on key data marks
// it ready (through the keyspace change hook, so every path that creates a
// value counts: pushes, RENAME, MOVE, SORT STORE, RESTORE...), and after the
// command (or the whole EXEC) the server serves the ready keys' waiters in
// the order they blocked by re-running their command for them, still under
// the keyspace lock. The parked connection goroutine waits for that, for
// its timeout, or for its connection to close.

// blockKey names a key in a database.
type blockKey struct {
	db  int
	key string
}

// blockState is a parked client's request.
type blockState struct {
	cmd      *Command
	args     [][]byte // copied: the read buffer is reused while blocked
	db       int
	keys     []string
	typ      keyspace.Type // the type whose arrival serves the client
	deadline int64         // ms; 0 waits forever
	since    time.Time
	// timeoutReply writes what the command replies when it times out.
	timeoutReply func(w *resp.Writer)
	// done is closed when the client is unblocked (served, timed out,
	// unblocked by CLIENT UNBLOCK or disconnected).
	done chan struct{}
}

// blocker is the server's registry of parked clients, guarded by the
// keyspace lock.
type blocker struct {
	waiting  map[blockKey][]*Client // FIFO per key
	ready    []blockKey
	readySet map[blockKey]struct{}
}

// parseBlockTimeout parses a blocking timeout in seconds (a float, 0 =
// forever) into an absolute deadline in ms, replying on error as Redis does.
func (x *Ctx) parseBlockTimeout(arg []byte) (int64, bool) {
	f, ok := parseFloat(arg)
	if !ok {
		x.Err(errTimeout)
		return 0, false
	}
	ms := math.Ceil(f * 1000)
	if ms > math.MaxInt64/2 {
		x.Err("ERR timeout is out of range")
		return 0, false
	}
	if ms < 0 {
		x.Err("ERR timeout is negative")
		return 0, false
	}
	if ms == 0 {
		return 0, true
	}
	return x.now + int64(ms), true
}

// block parks the client on keys until one of them holds a value of type t
// or the deadline passes. Inside MULTI or a script (x.noBlock) it replies
// the timeout reply at once, as Redis does. When the server re-runs the
// command for a parked client and there is still nothing to serve, block
// only records that the client keeps waiting.
func (x *Ctx) block(keys [][]byte, t keyspace.Type, deadline int64, timeoutReply func(w *resp.Writer)) {
	if x.noBlock {
		timeoutReply(x.w)
		return
	}
	if x.reblocking {
		x.stillBlocked = true
		return
	}
	s, c := x.s, x.c
	st := &blockState{cmd: x.cmd, db: c.db, typ: t, deadline: deadline, since: time.Now(),
		timeoutReply: timeoutReply, done: make(chan struct{})}
	st.args = make([][]byte, len(x.args))
	for i, a := range x.args {
		st.args[i] = append([]byte(nil), a...)
	}
	if s.blk.waiting == nil {
		s.blk.waiting = map[blockKey][]*Client{}
	}
	for _, k := range keys {
		bk := blockKey{c.db, string(k)}
		dup := false
		for _, w := range s.blk.waiting[bk] {
			if w == c {
				dup = true // BLPOP k k waits once per key
			}
		}
		if !dup {
			s.blk.waiting[bk] = append(s.blk.waiting[bk], c)
			st.keys = append(st.keys, bk.key)
		}
	}
	c.blocked = st
	s.stats.blockedClients.Add(1)
}

// signalReady marks key of database db as having received data, if
// clients wait on it. The keyspace change hook calls it for every write.
func (s *Server) signalReady(db int, key []byte) {
	if len(s.blk.waiting) == 0 {
		return
	}
	bk := blockKey{db, string(key)}
	if _, ok := s.blk.waiting[bk]; !ok {
		return
	}
	if s.blk.readySet == nil {
		s.blk.readySet = map[blockKey]struct{}{}
	}
	if _, dup := s.blk.readySet[bk]; dup {
		return
	}
	s.blk.readySet[bk] = struct{}{}
	s.blk.ready = append(s.blk.ready, bk)
}

// signalAllBlocked marks every waited-on key of database db ready (after
// SWAPDB or FLUSH-style changes that replace a whole database).
func (s *Server) signalAllBlocked(db int) {
	for bk := range s.blk.waiting {
		if bk.db == db {
			s.signalReady(db, []byte(bk.key))
		}
	}
}

// serveReadyKeys serves the clients waiting on keys that received data,
// first come first served, until no key is left ready (serving BLMOVE can
// make its destination ready). It runs under the keyspace lock after each
// command and after EXEC.
func (s *Server) serveReadyKeys() {
	for len(s.blk.ready) > 0 {
		ready := s.blk.ready
		s.blk.ready = nil
		clear(s.blk.readySet)
		for _, bk := range ready {
			s.serveKey(bk)
		}
	}
}

// serveKey re-runs the commands of the clients waiting on one key, in the
// order they blocked, while the key holds a value of the awaited type.
func (s *Server) serveKey(bk blockKey) {
	waiters := s.blk.waiting[bk]
	if len(waiters) == 0 {
		return
	}
	queue := append([]*Client(nil), waiters...)
	db := s.ks.DB(bk.db)
	key := []byte(bk.key)
	for _, c := range queue {
		st := c.blocked
		if st == nil {
			continue
		}
		now := time.Now()
		e := db.Lookup(key, now.UnixMilli())
		if e == nil || e.Type != st.typ {
			if st.typ == keyspace.TypeStream {
				s.unblockDeletedStreamReader(c) // XREADGROUP fails; XREAD waits on
				continue
			}
			return // Redis 7.0 leaves waiters parked when the key has another type
		}
		x := Ctx{s: s, c: c, cmd: st.cmd, args: st.args, w: c.w, db: s.ks.DB(st.db),
			now: now.UnixMilli(), reblocking: true, readyKey: key}
		// While the parked client's command runs it is the current
		// client: invalidations it causes for itself follow its reply.
		prev := s.track.current
		s.track.current = c
		s.call(&x, c.w.Len())
		if len(s.track.pending) > 0 || s.track.flushPen {
			s.trackingAfterCommand(c)
		}
		s.track.current = prev
		if x.stillBlocked {
			continue
		}
		dur := time.Since(now)
		st.cmd.stats.usec += dur.Microseconds()
		if x.failed {
			st.cmd.stats.failed++
		}
		// A served blocking command reaches the slow log now, as itself
		// (BLPOP, not the LPOP it propagates), as in Redis.
		if !st.cmd.Has(FlagSkipSlowlog) {
			s.logSlow(c, st.args, now, dur.Microseconds())
		}
		s.unblock(c)
	}
}

// unblock removes a parked client from the registry and wakes it.
func (s *Server) unblock(c *Client) {
	st := c.blocked
	if st == nil {
		return
	}
	for _, k := range st.keys {
		bk := blockKey{st.db, k}
		q := s.blk.waiting[bk]
		for i, w := range q {
			if w == c {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(s.blk.waiting, bk)
		} else {
			s.blk.waiting[bk] = q
		}
	}
	c.blocked = nil
	s.stats.blockedClients.Add(-1)
	close(st.done)
}

// timeoutBlocked unblocks c with its command's timeout reply if it is still
// parked on st (the caller holds the keyspace lock).
func (s *Server) timeoutBlocked(c *Client, st *blockState) {
	if c.blocked != st {
		return
	}
	st.timeoutReply(c.w)
	s.unblock(c)
}

// waitUnblocked parks the connection goroutine of a blocked client. Replies
// produced before the blocking command are sent first. While parked, the
// connection keeps being read (pipelined commands are buffered for later,
// as Redis does) so a disconnect is noticed. It returns false when the
// connection is gone.
func (s *Server) waitUnblocked(c *Client, st *blockState) bool {
	if len(c.preBlock) > 0 {
		if c.send(c.preBlock) != nil {
			s.dropBlocked(c, st)
			return false
		}
		c.preBlock = c.preBlock[:0]
	}
	var timeout <-chan time.Time
	if st.deadline > 0 {
		t := time.NewTimer(time.Until(time.UnixMilli(st.deadline)))
		defer t.Stop()
		timeout = t.C
	}
	var readDone chan error
	startRead := func() {
		if c.conn == nil {
			return
		}
		_ = c.conn.SetReadDeadline(time.Time{})
		readDone = make(chan error, 1)
		before := c.rd.Total
		go func() {
			err := c.rd.Fill()
			n := c.rd.Total - before
			s.stats.netInput.Add(n)
			c.totalIn.Add(n)
			readDone <- err
		}()
	}
	startRead()
	for {
		select {
		case <-st.done:
			return s.stopBlockedRead(c, readDone)
		case <-timeout:
			s.ks.Lock()
			s.timeoutBlocked(c, st)
			s.ks.Unlock()
			return s.stopBlockedRead(c, readDone)
		case err := <-readDone:
			readDone = nil
			if err != nil && !(isTimeout(err) && c.wake.Swap(false)) {
				s.dropBlocked(c, st)
				s.connError(c, err)
				return false
			}
			c.storeQbuf()
			startRead()
		}
	}
}

// stopBlockedRead interrupts the read a parked connection had in flight.
func (s *Server) stopBlockedRead(c *Client, readDone chan error) bool {
	if readDone == nil {
		return true
	}
	_ = c.conn.SetReadDeadline(time.Unix(1, 0))
	err := <-readDone
	_ = c.conn.SetReadDeadline(time.Time{})
	c.storeQbuf()
	if err != nil && !isTimeout(err) {
		_ = c.send(c.w.Bytes())
		c.w.Reset()
		s.connError(c, err)
		return false
	}
	return true
}

// dropBlocked unregisters a parked client whose connection went away.
func (s *Server) dropBlocked(c *Client, st *blockState) {
	s.ks.Lock()
	if c.blocked == st {
		s.unblock(c)
	}
	s.ks.Unlock()
}

// clientUnblockCommand is CLIENT UNBLOCK id [TIMEOUT|ERROR].
func clientUnblockCommand(x *Ctx) {
	id, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	withError := false
	if len(x.args) == 4 {
		switch {
		case eqFold(x.args[3], "timeout"):
		case eqFold(x.args[3], "error"):
			withError = true
		default:
			x.Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	x.s.clientsMu.Lock()
	c := x.s.clients[id]
	x.s.clientsMu.Unlock()
	if c == nil || c.blocked == nil {
		x.w.Int(0)
		return
	}
	st := c.blocked
	if withError {
		x.s.countError(errUnblocked)
		st.cmd.stats.failed++
		c.w.Error(errUnblocked)
		x.s.unblock(c)
	} else {
		x.s.timeoutBlocked(c, st)
	}
	x.w.Int(1)
}

const errUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
