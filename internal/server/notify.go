package server

import "github.com/peregrinedb/peregrine/internal/keyspace"

// keyChanged is the keyspace change hook: every write reports itself here
// with the keyspace lock held. Notifications, WATCH, tracking, blocked
// clients and propagation attach here as they are built.
func (s *Server) keyChanged(db *keyspace.DB, key []byte, class int, event string) {
	// Propagation: expired and evicted keys propagate as DEL; a rewrite
	// in progress records every written key (propagate.go, aof.go).
	if class&(keyspace.NotifyExpired|keyspace.NotifyEvicted) != 0 && (event == "expired" || event == "evicted") {
		s.propagateKeyRemoval(db, key)
	}
	if s.aof.rw != nil {
		s.rewriteTouched(db, key)
	}
	if !s.isMaster() {
		s.replicaKeyWritten(db, key)
	}
	if len(s.watchers) > 0 {
		s.touchWatched(db, key)
	}
	if len(s.blk.waiting) > 0 {
		s.signalReady(db.ID, key)
	}
	if s.track.keys != nil || len(s.track.prefixes) > 0 {
		s.trackingInvalidate(key, class&(keyspace.NotifyExpired|keyspace.NotifyEvicted) != 0)
	}
	if f := s.live.notifyFlags.Load(); f != 0 {
		s.notifyKeyspaceEvent(db.ID, key, class, event, f)
	}
}
