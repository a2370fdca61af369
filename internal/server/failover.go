package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: a coordinated
// switch of roles between this master and one of its replicas, as Redis
// 6.2+ does it.
//
//  1. The master pauses writes (pauseState.holdWrites), so its offset
//     stops moving, and asks its replicas for an ACK.
//  2. The cron (and every ACK) checks whether the target replica, or any
//     replica when none was named, acknowledged the whole stream.
//  3. Once one has, the master makes itself a replica of that replica;
//     its link sends PSYNC <replid> <offset> FAILOVER.
//  4. The target, seeing its own replication ID in that request, promotes
//     itself and answers the PSYNC as a master: +CONTINUE (the old master
//     is caught up, so no data moves). The old master then lifts its
//     pause; the writes it held are refused as on any replica.
//
// A TIMEOUT aborts the wait (or, with FORCE, fails over anyway); FAILOVER
// ABORT cancels it by hand; a target that refuses the PSYNC aborts it too,
// and an abort after step 3 turns the server back into a master. All of
// it runs under the keyspace lock.

// failoverPhase is where a failover is; INFO replication shows it.
type failoverPhase int

const (
	noFailover          failoverPhase = iota
	failoverWaitForSync               // writes paused, waiting for a replica to catch up
	failoverInProgress                // now a replica of the target, PSYNC FAILOVER under way
)

// String is the master_failover_state of INFO replication.
func (p failoverPhase) String() string {
	switch p {
	case failoverWaitForSync:
		return "waiting-for-sync"
	case failoverInProgress:
		return "failover-in-progress"
	}
	return "no-failover"
}

// failoverState is the failover in progress (keyspace lock).
type failoverState struct {
	phase failoverPhase
	// host and port name the target; host is "" until one is chosen
	// when FAILOVER named none.
	host     string
	port     int
	deadline time.Time // zero: wait forever
	force    bool      // at the deadline, fail over instead of aborting
}

// failoverCommands lists FAILOVER.
func failoverCommands() []*Command {
	return []*Command{
		spec("failover", -1, "admin noscript stale", 0, 0, 0, "server", failoverCommand).acl("@admin", "@slow", "@dangerous"),
	}
}

// failoverCommand parses and starts (or aborts) a failover. The checks
// and their order, and so which error a bad call gets, follow Redis's.
func failoverCommand(x *Ctx) {
	s := x.s
	if len(x.args) == 2 && eqFold(x.args[1], "abort") {
		if s.fo.phase == noFailover {
			x.Err("ERR No failover in progress.")
			return
		}
		s.abortFailover("Failover manually aborted")
		x.w.OK()
		return
	}
	var (
		timeout int64
		force   bool
		hasHost bool
		host    string
		port    int64
	)
	for j := 1; j < len(x.args); j++ {
		arg := x.args[j]
		switch {
		case eqFold(arg, "timeout") && j+1 < len(x.args) && timeout == 0:
			t, ok := parseInt(x.args[j+1])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if t <= 0 {
				x.Err("ERR FAILOVER timeout must be greater than 0")
				return
			}
			timeout = t
			j++
		case eqFold(arg, "to") && j+2 < len(x.args) && !hasHost:
			p, ok := parseInt(x.args[j+2])
			if !ok {
				x.Err(errNotInt)
				return
			}
			hasHost, host, port = true, string(x.args[j+1]), p
			j += 2
		case eqFold(arg, "force") && !force:
			force = true
		default:
			x.Err(errSyntax)
			return
		}
	}
	switch {
	case s.fo.phase != noFailover:
		x.Err("ERR FAILOVER already in progress.")
		return
	case !s.isMaster():
		x.Err("ERR FAILOVER is not valid when server is a replica.")
		return
	case len(s.repl.replicas) == 0:
		x.Err("ERR FAILOVER requires connected replicas.")
		return
	case force && (timeout == 0 || !hasHost):
		x.Err("ERR FAILOVER with force option requires both a timeout and target HOST and IP.")
		return
	}
	if hasHost {
		r := s.findReplica(host, int(port))
		if r == nil {
			x.Err("ERR FAILOVER target HOST and PORT is not a replica.")
			return
		}
		if r.state != replOnline {
			x.Err("ERR FAILOVER target replica is not online.")
			return
		}
		s.log.Info(fmt.Sprintf("FAILOVER requested to %s:%d.", host, port))
	} else {
		s.log.Info("FAILOVER requested to any replica.")
	}
	s.fo = failoverState{phase: failoverWaitForSync, host: host, port: int(port), force: force}
	if timeout > 0 {
		s.fo.deadline = time.Now().Add(time.Duration(timeout) * time.Millisecond)
	}
	s.pause.holdWrites()
	// Not in Redis, which waits for the replicas' once-a-second ACKs: an
	// ACK asked for now lets a caught-up replica be seen at once. The
	// pause keeps the stream still, so GETACK is the last thing in it.
	s.replFeedCommand("REPLCONF", "GETACK", "*")
	x.w.OK()
}

// findReplica is the replica that listens on host:port, or nil.
func (s *Server) findReplica(host string, port int) *replica {
	for _, r := range s.repl.replicas {
		if r.listenPort == port && strings.EqualFold(r.ip(), host) {
			return r
		}
	}
	return nil
}

// failoverCron moves a failover that waits for its replica on: to the
// switch when the replica caught up, to an abort (or, with FORCE, the
// switch) at the deadline. The cron calls it every tick, and REPLCONF
// ACK after every acknowledgement. Keyspace lock held.
func (s *Server) failoverCron(now time.Time) {
	f := &s.fo
	if f.phase != failoverWaitForSync {
		return
	}
	if !f.deadline.IsZero() && !now.Before(f.deadline) {
		if !f.force {
			s.abortFailover("Replica never caught up before timeout")
			return
		}
		s.log.Info(fmt.Sprintf("FAILOVER to %s:%d time out exceeded, failing over.", f.host, f.port))
		s.switchToTarget()
		return
	}
	var target *replica
	if f.host != "" {
		target = s.findReplica(f.host, f.port)
	} else {
		for _, r := range s.repl.replicas {
			// Unlike Redis, only an online replica qualifies: one still
			// loading its RDB may report a matching offset by chance.
			if r.state == replOnline && r.ackOff == s.repl.offset {
				target = r
				break
			}
		}
	}
	if target == nil || target.state != replOnline || target.ackOff != s.repl.offset {
		return
	}
	f.host, f.port = target.ip(), target.listenPort
	s.log.Info(fmt.Sprintf("Failover target %s:%d is synced, failing over.", f.host, f.port))
	s.switchToTarget()
}

// switchToTarget makes this server a replica of the target; the link
// (replication_replica.go) sees failoverInProgress and sends PSYNC with
// the FAILOVER flag. The replicas stay connected, as Redis keeps them:
// they can continue from this server once it follows the target.
func (s *Server) switchToTarget() {
	s.fo.phase = failoverInProgress
	s.setMasterLocked(s.fo.host, s.fo.port)
	_ = s.cfg.Update("replicaof", s.fo.host+" "+strconv.Itoa(s.fo.port))
}

// failoverLinkResult is told by the master link how the target answered
// the PSYNC FAILOVER: accepted ends the failover, anything else aborts
// it. It reports whether the link should go on. Keyspace lock held.
func (s *Server) failoverLinkResult(l *masterLink, accepted bool, reason string) bool {
	if s.fo.phase != failoverInProgress || s.repl.link != l {
		return true
	}
	if accepted {
		s.clearFailover()
		return true
	}
	s.abortFailover(reason)
	return false
}

// abortFailover cancels the failover, logging why; a server that already
// turned replica becomes a master again (a new replication ID, so its
// replicas reconnect and continue with PSYNC). Keyspace lock held.
func (s *Server) abortFailover(reason string) {
	f := &s.fo
	if f.phase == noFailover {
		return
	}
	if f.host != "" {
		s.log.Info(fmt.Sprintf("FAILOVER to %s:%d aborted: %s", f.host, f.port, reason))
	} else {
		s.log.Info("FAILOVER to any replica aborted: " + reason)
	}
	if f.phase == failoverInProgress {
		s.unsetMasterLocked()
		_ = s.cfg.Update("replicaof", "no one")
	}
	s.clearFailover()
}

// clearFailover forgets the failover and lifts its pause of writes.
func (s *Server) clearFailover() {
	s.fo = failoverState{}
	s.pause.releaseWrites()
}

// failoverPromote handles PSYNC <replid> <offset> FAILOVER on a replica:
// when the replication ID is ours (the sender is our master, caught up)
// this server becomes a master, and the PSYNC then goes on as usual. It
// reports false after replying with an error.
func (s *Server) failoverPromote(x *Ctx) bool {
	s.log.Warn(fmt.Sprintf("Failover request received for replid %s.", x.args[1]))
	if s.isMaster() {
		x.Err("ERR PSYNC FAILOVER can't be sent to a master.")
		return false
	}
	if id, _ := s.replIDs(); !strings.EqualFold(string(x.args[1]), id) {
		x.Err("ERR PSYNC FAILOVER replid must match my replid.")
		return false
	}
	s.unsetMasterLocked()
	_ = s.cfg.Update("replicaof", "no one")
	s.log.Info(fmt.Sprintf("MASTER MODE enabled (failover request from 'id=%d addr=%s')", x.c.id, x.c.addr))
	return true
}
