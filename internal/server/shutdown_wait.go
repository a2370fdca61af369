package server

import (
	"fmt"
	"strings"
	"time"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// Shutdown with lagging replicas, as in Redis 7: unless told NOW (or
// shutdown-timeout is 0), a master whose replicas have not acknowledged
// the whole replication stream pauses writes, asks them for an ACK and
// waits up to shutdown-timeout seconds for them to catch up before it
// saves and exits, so a failover after a planned restart loses nothing.
// SHUTDOWN callers stay blocked meanwhile; SHUTDOWN ABORT, or a failure
// at the end (a save error, the first AOF rewrite still running), cancels
// the shutdown and answers them with an error.

// shutdownFlags are SHUTDOWN's options (or shutdown-on-sigterm/sigint's).
type shutdownFlags struct{ save, nosave, now, force bool }

// shutdownWait is a shutdown in progress (keyspace lock).
type shutdownWait struct {
	active   bool
	deadline time.Time
	flags    shutdownFlags
	clients  []*Client // SHUTDOWN callers, blocked until the end
	paused   bool      // the write pause is ours to lift
}

const errShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs."

// signalShutdownFlags reads shutdown-on-sigterm or shutdown-on-sigint.
func (s *Server) signalShutdownFlags(signal string) shutdownFlags {
	v := s.cfg.String("shutdown-on-" + strings.ToLower(signal))
	var f shutdownFlags
	for _, w := range strings.Fields(v) {
		switch w {
		case "save":
			f.save = true
		case "nosave":
			f.nosave = true
		case "now":
			f.now = true
		case "force":
			f.force = true
		}
	}
	return f
}

// replicasInSync reports whether every replica acknowledged the whole
// stream (Redis's isReadyToShutdown).
func (s *Server) replicasInSync() bool {
	for _, r := range s.repl.replicas {
		if r.ackOff != s.repl.offset {
			return false
		}
	}
	return true
}

// beginShutdown starts a shutdown for c (nil: a signal). It reports true
// when the server is stopping now; false when it waits for replicas (c is
// blocked) or failed (c got the error). Keyspace lock held.
func (s *Server) beginShutdown(f shutdownFlags, c *Client, cmd *Command) bool {
	if s.shut.active {
		// Already waiting: this caller waits too.
		s.parkShutdownClient(c, cmd)
		return false
	}
	if s.persist.loading.Load() {
		f.save, f.nosave = false, true
	}
	s.log.Warn("User requested shutdown...")
	timeout := s.cfg.Int("shutdown-timeout")
	if !f.now && timeout > 0 && !s.replicasInSync() {
		s.shut = shutdownWait{active: true, deadline: time.Now().Add(time.Duration(timeout) * time.Second), flags: f}
		if !s.pause.isActive() {
			s.replFeedCommand("REPLCONF", "GETACK", "*")
			s.pause.start(s.shut.deadline.Add(time.Hour), true)
			s.shut.paused = true
		}
		s.log.Info("Waiting for replicas before shutting down.")
		s.parkShutdownClient(c, cmd)
		return false
	}
	if !s.finishShutdown(f) {
		if c != nil {
			s.countError(errShutdownFailed)
			c.w.Error(errShutdownFailed)
		}
		return false
	}
	return true
}

// parkShutdownClient blocks a SHUTDOWN caller until the shutdown ends.
func (s *Server) parkShutdownClient(c *Client, cmd *Command) {
	if c == nil {
		return
	}
	c.blocked = &blockState{cmd: cmd, db: c.db, since: time.Now(), done: make(chan struct{}),
		timeoutReply: func(w *resp.Writer) { w.Error(errShutdownFailed) }}
	s.stats.blockedClients.Add(1)
	s.shut.clients = append(s.shut.clients, c)
}

// shutdownCron ends a wait for replicas once they caught up or the time
// is up; it reports whether the server is stopping. Keyspace lock held.
func (s *Server) shutdownCron() bool {
	if !s.shut.active || time.Now().Before(s.shut.deadline) && !s.replicasInSync() {
		return false
	}
	return s.finishShutdown(s.shut.flags)
}

// finishShutdown reports the replicas, saves as asked and stops the
// server; on failure it logs, cancels the shutdown and reports false.
func (s *Server) finishShutdown(f shutdownFlags) bool {
	lagging := 0
	for _, r := range s.repl.replicas {
		if r.ackOff != s.repl.offset {
			lagging++
			lag := int64(0)
			if r.state == replOnline {
				lag = time.Now().Unix() - r.ackTime/1000
			}
			s.log.Warn(fmt.Sprintf("Lagging replica %s reported offset %d behind master, lag=%d, state=%s.",
				r.c.addr, s.repl.offset-r.ackOff, lag, r.state))
		}
	}
	if n := len(s.repl.replicas); n > 0 {
		s.log.Info(fmt.Sprintf("%d of %d replicas are in sync when shutting down.", n-lagging, n))
	}
	err := s.shutdownAOFCheck(f.force)
	if err == nil {
		err = s.prepareShutdown(f.save, f.nosave, f.force)
	}
	if err != nil {
		s.log.Warn("Errors trying to shut down the server. Check the logs for more information.")
		s.cancelShutdown()
		return false
	}
	s.shut.active = false
	s.shutdown(0)
	return true
}

// shutdownAOFCheck refuses to exit while the first rewrite after
// "appendonly yes" runs: the AOF is not usable yet (FORCE exits anyway).
func (s *Server) shutdownAOFCheck(force bool) error {
	if !s.aof.on || !s.aof.waitRewrite {
		return nil
	}
	if force {
		s.log.Warn("Writing initial AOF. Exit anyway.")
		return nil
	}
	s.log.Warn("Writing initial AOF, can't exit.")
	return fmt.Errorf("initial AOF rewrite in progress")
}

// cancelShutdown ends a shutdown in progress: blocked callers get the
// error and writes resume.
func (s *Server) cancelShutdown() {
	s.shutdownASAP.Store(false)
	for _, c := range s.shut.clients {
		if c.blocked != nil {
			s.countError(errShutdownFailed)
			c.w.Error(errShutdownFailed)
			s.unblock(c)
		}
	}
	if s.shut.paused {
		s.pause.stop()
	}
	s.shut = shutdownWait{}
}

// shutdownRemainingMs is INFO's shutdown_in_milliseconds (-1: none).
func (s *Server) shutdownRemainingMs() int64 {
	if !s.shut.active {
		return -1
	}
	return max(time.Until(s.shut.deadline).Milliseconds(), 0)
}
