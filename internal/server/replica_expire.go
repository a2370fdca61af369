package server

import "github.com/peregrinedb/peregrine/internal/keyspace"

// A replica never expires keys by itself: its master's DELs do (so both
// hold the same data). But keys that clients write with a TTL on a
// writable replica (replica-read-only no) are the replica's own, and no
// DEL will ever come for them; like Redis (slaveKeysWithExpire), the
// replica remembers them and its cron expires them.

// replicaKeyWritten notes a key changed on a replica: written by a client
// (not the master's stream) and carrying a TTL, it is remembered. The
// keyspace lock is held.
func (s *Server) replicaKeyWritten(db *keyspace.DB, key []byte) {
	c := s.track.current
	if c == nil || c.flags&clientMaster != 0 {
		return
	}
	if e := db.Peek(key); e == nil || e.Expire == 0 {
		return
	}
	if s.replicaExpires == nil {
		s.replicaExpires = map[blockKey]struct{}{}
	}
	s.replicaExpires[blockKey{db.ID, string(key)}] = struct{}{}
}

// expireReplicaKeys deletes the remembered keys whose TTL has passed and
// forgets those gone or made persistent (cron, keyspace lock held). A
// master forgets them all: its own expiry covers every key.
func (s *Server) expireReplicaKeys(now int64) {
	if len(s.replicaExpires) == 0 {
		return
	}
	if s.isMaster() {
		s.replicaExpires = nil
		return
	}
	for bk := range s.replicaExpires {
		if bk.db >= s.ks.Count() {
			delete(s.replicaExpires, bk)
			continue
		}
		db, key := s.ks.DB(bk.db), []byte(bk.key)
		switch e := db.Peek(key); {
		case e == nil || e.Expire == 0:
			delete(s.replicaExpires, bk)
		case e.Expire <= now:
			delete(s.replicaExpires, bk)
			db.ExpireKey(key)
		}
	}
}
