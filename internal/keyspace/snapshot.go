package keyspace

import "github.com/peregrinedb/peregrine/internal/types"

// Point-in-time snapshots without fork (see docs/architecture.md,
// "Persistence"). A snapshot captures the table of every database when it
// starts and then walks them in steps, under the keyspace lock, while
// commands keep running between steps. Entries carry a generation byte:
// the walk writes entries whose generation differs from the snapshot's
// and stamps them; entries created after the start are stamped at birth
// (they are not part of the snapshot); and a command about to change or
// delete an entry the walk has not reached first hands its current value
// to the snapshot (Preserve), so the file holds every key as it was at
// the start. Memory overhead is bounded by what changes during the
// snapshot, as with copy-on-write after fork, but per entry, not per page.

// PreserveFunc receives, with the keyspace lock held, the value an entry
// had at the snapshot's start, just before it changes; db is the index
// the entry belonged to when the snapshot started.
type PreserveFunc func(db int, key string, e *Entry)

// Snapshot is a running snapshot.
type Snapshot struct {
	ks         *Keyspace
	gen        uint8
	dicts      []*types.Dict[Entry]
	keys       []int
	expires    []int
	onPreserve PreserveFunc
}

// BeginSnapshot starts a snapshot (the caller holds the lock). Only one
// may run at a time.
func (ks *Keyspace) BeginSnapshot(preserve PreserveFunc) *Snapshot {
	if ks.snap != nil {
		panic("keyspace: snapshot already running")
	}
	ks.gen++
	s := &Snapshot{ks: ks, gen: ks.gen, onPreserve: preserve}
	for _, db := range ks.dbs {
		s.dicts = append(s.dicts, db.dict)
		s.keys = append(s.keys, db.dict.Len())
		s.expires = append(s.expires, db.expires.Len())
	}
	ks.snap = s
	return s
}

// Snapshotting reports whether a snapshot is running.
func (ks *Keyspace) Snapshotting() bool { return ks.snap != nil }

// End finishes the snapshot (the caller holds the lock). After End the
// keyspace no longer preserves entries. A snapshot ended before its walk
// finished leaves entries unstamped; the generation counter makes the next
// snapshot differ from them anyway unless 255 more are abandoned without
// walking, which Finish's callers avoid by walking to the end.
func (s *Snapshot) End() {
	if s.ks.snap == s {
		s.ks.snap = nil
	}
}

// DBs returns the number of databases captured.
func (s *Snapshot) DBs() int { return len(s.dicts) }

// Size returns the key and expiry counts of database i at the start.
func (s *Snapshot) Size(i int) (keys, expires int) { return s.keys[i], s.expires[i] }

// Walk visits, from cursor, at least minVisit entries of database i that
// the snapshot has not written yet, stamping them, and returns the next
// cursor (0 when the database is done). The caller holds the lock.
func (s *Snapshot) Walk(i int, cursor uint64, minVisit int, fn func(key string, e *Entry)) uint64 {
	return s.dicts[i].ScanN(cursor, minVisit, func(k string, e *Entry) {
		if e.gen == s.gen {
			return
		}
		e.gen = s.gen
		fn(k, e)
	})
}

// preserve hands the entry of key in db to the snapshot if the walk has
// not written it yet.
func (s *Snapshot) preserve(db *DB, key string, e *Entry) {
	if e.gen == s.gen {
		return
	}
	for i, d := range s.dicts {
		if d == db.dict {
			e.gen = s.gen
			s.onPreserve(i, key, e)
			return
		}
	}
	// The table was created after the snapshot started (FLUSHDB): its
	// entries are not part of the snapshot.
}

// Preserve must be called, while a snapshot runs, before a command
// changes the value of key in place (the keyspace itself handles
// replacement and deletion).
func (db *DB) Preserve(key []byte) {
	s := db.ks.snap
	if s == nil {
		return
	}
	if e := db.dict.GetBytes(key); e != nil {
		s.preserve(db, string(key), e)
	}
}
