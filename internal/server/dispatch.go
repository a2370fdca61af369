package server

import (
	"fmt"
	"github.com/peregrinedb/peregrine/internal/script"
	"runtime/debug"
	"strings"
	"time"
)

// execute runs one command for a client: lookup, arity, authentication,
// pause, then the call itself under the keyspace lock, with statistics,
// slowlog, latency and MONITOR feeding.
func (s *Server) execute(c *Client, args [][]byte) {
	if c.clock.IsZero() {
		c.clock = time.Now()
	}
	c.lastActive.Store(c.clock.UnixMilli())
	cmd := s.cmds.lookup(args[0])
	if cmd == nil {
		s.reject(c, nil, errUnknownCommand(args))
		return
	}
	if cmd.Sub != nil && len(args) >= 2 {
		if sub := cmd.Sub[strings.ToLower(string(args[1]))]; sub != nil {
			cmd = sub
		} else if cmd.Arity > 0 && len(args) != cmd.Arity || cmd.Arity < 0 && len(args) < -cmd.Arity {
			s.reject(c, cmd, errArity(cmd.Name))
			return
		} else {
			s.reject(c, cmd, errUnknownSubcommand(cmd.Name, args[1]))
			return
		}
	}
	if cmd.Arity > 0 && len(args) != cmd.Arity || cmd.Arity < 0 && len(args) < -cmd.Arity || cmd.Handler == nil {
		s.reject(c, cmd, errArity(cmd.FullName()))
		return
	}
	if !c.authed && !cmd.Has(FlagNoAuth) {
		s.reject(c, cmd, errNoAuth)
		return
	}
	if ref := c.aclUser; ref != nil && !ref.User().Unrestricted() {
		if msg := s.aclDispatchCheck(c, cmd, args); msg != "" {
			s.reject(c, cmd, msg)
			return
		}
	}
	if c.flags&clientPubsub != 0 && c.w.Proto == 2 && !allowedInSubscribed(cmd) {
		s.reject(c, cmd, strings.Replace(errNotAllowedSub, "%s", strings.ToLower(cmd.FullName()), 1))
		return
	}
	if c.flags&clientReplica != 0 && cmd.Has(FlagWrite|FlagReadonly|FlagMayReplicate) {
		// A replica's link carries REPLCONF only; its replies cannot
		// reach it (they would corrupt its stream).
		s.reject(c, cmd, "ERR Replica can't interact with the keyspace")
		return
	}
	if msg := s.replicaRefusal(c, cmd, args); msg != "" {
		// Replication: read-only replica, stale data (replication_replica.go).
		s.reject(c, cmd, msg)
		return
	}
	if s.persist.loading.Load() && !cmd.Has(FlagLoading) {
		s.reject(c, cmd, errLoading)
		return
	}
	if s.persist.asyncLoading.Load() && deniedWhileAsyncLoading(c, cmd) {
		s.reject(c, cmd, errLoading)
		return
	}
	if !cmd.Has(FlagAllowBusy) && s.scriptBusy() {
		s.reject(c, cmd, s.busyError())
		return
	}
	if !s.persist.lastOK.Load() && (cmd.Has(FlagWrite) || cmd.Parent == nil && cmd.Name == "ping") && s.diskErrorBlocksWrites() {
		s.reject(c, cmd, errBgsaveMisconf)
		return
	}
	if s.clientsOverLimit() {
		// Client eviction (maxmemory-clients) before key eviction, as in
		// Redis; the client itself may be the one to go.
		s.evictClientsNow()
		if c.killed.Load() {
			return
		}
	}
	if s.live.maxmemory.Load() != 0 && !s.scriptBusy() {
		// As Redis: evict before every command, refuse only those that
		// may grow memory.
		s.ks.Lock()
		ok := s.performEvictions(c.clock.UnixMilli())
		s.ks.Unlock()
		if !ok && rejectsOnOOM(c, cmd) {
			s.reject(c, cmd, errMaxMemory)
			return
		}
	}
	if s.notEnoughReplicas() && (cmd.Has(FlagWrite) || cmd.Parent == nil && cmd.Name == "exec" && c.multi != nil && c.multi.writes) {
		// min-replicas-to-write: a master without replicas refuses writes.
		s.reject(c, cmd, errNoReplicas)
		return
	}
	if msg := s.aofWriteRefusal(cmd.Has(FlagWrite) || cmd.Parent == nil && cmd.Name == "exec" && c.multi != nil && c.multi.writes, cmd); msg != "" {
		// AOF: writes are refused while the AOF cannot be written (aof.go).
		s.reject(c, cmd, msg)
		return
	}
	if c.multi != nil && queuesInMulti(cmd) {
		s.queueCommand(c, cmd, args)
		return
	}
	writes := cmd.Has(FlagWrite|FlagMayReplicate) || cmd.Name == "exec" && c.multi != nil && c.multi.writes
	if writes && cmd.Has(FlagMayReplicate) && !cmd.Has(FlagWrite) && s.pause.isActive() {
		// A script that declares no-writes is not a write (Redis's
		// scriptFlagsToCmdFlags): CLIENT PAUSE WRITE lets it run.
		if sf, ok := s.scriptCommandFlags(cmd, args); ok {
			writes = sf&script.FlagNoWrites == 0
		}
	}
	if s.pause.wait(cmd, writes) {
		c.clock = time.Now() // the command waited: its clock reading is stale
		if msg := s.replicaRefusal(c, cmd, args); msg != "" {
			// A FAILOVER that ended the pause made this server a
			// replica: the held write is refused, as Redis re-runs
			// its checks for a command the pause postponed.
			s.reject(c, cmd, msg)
			return
		}
	}

	s.ks.Lock()
	if !cmd.Has(FlagAllowBusy) && s.scriptBusy() {
		// A script went busy while this command waited for the lock.
		s.ks.Unlock()
		s.reject(c, cmd, s.busyError())
		return
	}
	s.prefetchAhead(c, args) // pipelined requests' keys (prefetch.go)
	start := c.clock
	x := c.takeCtx()
	*x = Ctx{s: s, c: c, cmd: cmd, args: args, w: c.w, db: s.ks.DB(c.db), now: start.UnixMilli()}
	if c.flags&clientMaster != 0 {
		// Replication: the master decides expirations. Its commands see
		// every key alive and set past deadlines without deleting, as
		// Redis's expireIfNeeded/checkAlreadyExpired do for the master
		// client (its stream carries absolute times only).
		x.now = masterClientNow
	}
	replyMark := c.w.Len()
	s.track.current = c
	if s.live.watchdog.Load() > 0 {
		s.cmdStart.Store(start.UnixNano())
		defer s.cmdStart.Store(0)
	}
	s.call(x, replyMark)
	x.replyOverLimit() // a reply past the normal class's hard limit closes the client (obuf.go)
	failed := x.failed
	c.releaseCtx(x)
	if c.tracking != nil {
		s.afterTrackedCommand(c, cmd, args)
	}
	end := time.Now()
	c.clock = end
	dur := end.Sub(start)
	us := dur.Microseconds()
	cmd.stats.calls++
	cmd.stats.usec += us
	if failed {
		cmd.stats.failed++
	}
	if s.live.latencyTrack.Load() {
		cmd.stats.recordLatency(dur.Nanoseconds())
	}
	c.lastCmd = cmd
	// Redis feeds MONITOR after the call, so a command's own effects on the
	// monitor list (MONITOR, RESET) apply to it.
	if len(s.monitors) > 0 && !cmd.Has(FlagSkipMonitor|FlagAdmin) {
		s.feedMonitors(c, args, start)
	}
	if cmd.Has(FlagPubsub) && cmd.Arity < 0 && cmd.Parent == nil && cmd.Name != "publish" && cmd.Name != "spublish" {
		// (Un)subscribe confirmations are pushes: CLIENT REPLY OFF/SKIP
		// does not silence them, as in Redis.
		replyMark = c.w.Len()
	}
	s.applyReplyMode(c, replyMark)
	if len(s.track.pending) > 0 || s.track.flushPen || s.track.bcastDirty {
		s.trackingAfterCommand(c)
	}
	s.track.current = nil
	s.stats.commands.Add(1)
	c.pendingBlock = c.blocked
	if c.blocked != nil {
		// From now on another client may serve this one and write its
		// reply into c.w: move what is pending out of it under the lock.
		c.preBlock = append(c.preBlock[:0], c.w.Bytes()...)
		c.w.Reset()
	}
	if c.async != nil && c.w.Len() > 0 {
		// Subscribers' replies join their outbox under the lock, ahead of
		// any message published after this command.
		_ = c.send(c.w.Bytes())
		c.w.Reset()
	}
	// A command that blocked is logged when it is served (serveKey).
	slow := !cmd.Has(FlagSkipSlowlog) && c.blocked == nil
	if len(s.blk.ready) > 0 && !s.scriptBusy() {
		// The command is logged before the clients it serves, as in Redis.
		if slow {
			s.logSlow(c, args, start, us)
			slow = false
		}
		s.serveReadyKeys()
	}
	s.ks.Unlock()

	if slow {
		s.logSlow(c, args, start, us)
	}
	if t := s.live.latencyMonitor.Load(); t > 0 && dur.Milliseconds() >= t {
		event := "command"
		if cmd.Has(FlagFast) {
			event = "fast-command"
		}
		s.latency.add(event, start, dur.Milliseconds())
	}
}

// call runs the handler. A panicking handler is a bug: instead of taking
// the server down (or leaving the keyspace locked), the partial reply is
// dropped, the client gets an error, and the stack is logged.
func (s *Server) call(x *Ctx, replyMark int) {
	mark := s.propEnter()     // propagation (propagate.go)
	defer s.propExit(x, mark) // runs after the recover below
	defer func() {
		if r := recover(); r != nil {
			s.log.Warn("BUG: command handler panicked", "cmd", x.cmd.FullName(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			x.w.Truncate(replyMark)
			x.Err("ERR internal error while executing '" + x.cmd.FullName() + "' (see the server log)")
		}
	}()
	if x.cmd.Has(FlagWrite) && s.ks.Snapshotting() {
		// A snapshot is running: hand it the old values of the keys
		// this command may change in place (keyspace.Snapshot).
		for _, i := range x.cmd.keyPositions(x.args) {
			x.db.Preserve(x.args[i])
		}
	}
	x.cmd.Handler(x)
}

// reject refuses a command before execution (counted as rejected).
func (s *Server) reject(c *Client, cmd *Command, msg string) {
	if cmd != nil {
		s.ks.Lock()
		cmd.stats.rejected++
		s.ks.Unlock()
	}
	if c.multi != nil {
		c.multi.dirtyExec = true
	}
	if cmd != nil && cmd.Parent == nil && cmd.Name == "exec" {
		// A refused EXEC ends the transaction, as Redis's execCommandAbort.
		s.ks.Lock()
		s.discardTransaction(c)
		s.ks.Unlock()
		msg = "EXECABORT Transaction discarded because of: " + strings.TrimPrefix(msg, "ERR ")
	}
	s.countError(msg)
	c.w.Error(msg)
}

// applyReplyMode implements CLIENT REPLY OFF/SKIP by discarding the reply.
func (s *Server) applyReplyMode(c *Client, mark int) {
	switch {
	case c.flags&clientReplySkip != 0:
		c.flags &^= clientReplySkip
		c.w.Truncate(mark)
	case c.flags&clientReplyOff != 0:
		c.w.Truncate(mark)
	case c.flags&clientReplySkipNext != 0:
		c.flags = c.flags&^clientReplySkipNext | clientReplySkip
	}
}

// allowedInSubscribed lists what a RESP2 client in subscribed mode may run.
func allowedInSubscribed(cmd *Command) bool {
	switch cmd.FullName() {
	case "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}
