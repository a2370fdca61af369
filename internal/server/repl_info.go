package server

import (
	"fmt"
	"strconv"
	"time"

	"github.com/peregrinedb/peregrine/internal/rdb"
)

// Replication info in RDB files, as Redis 7 keeps it: a snapshot records
// the replication ID, offset and stream database (aux fields repl-id,
// repl-offset, repl-stream-db), so that after a restart a master can
// still serve its replicas' PSYNC from that point (the ID becomes its
// secondary ID) and a replica can ask its master for a partial resync
// instead of a full one.

// writeReplInfo writes the replication aux fields when the server has a
// replication history (a master with a backlog, or a replica). The
// keyspace lock is held.
func (s *Server) writeReplInfo(w *rdb.Writer) {
	if s.repl.backlog == nil {
		return
	}
	db := max(s.repl.selDB, 0)
	if l := s.repl.link; l != nil && !s.isMaster() {
		if c := l.client; c != nil {
			db = c.db
		}
	}
	id, _ := s.replIDs()
	w.AuxInt("repl-stream-db", int64(db))
	w.Aux("repl-id", id)
	w.AuxInt("repl-offset", s.repl.offset)
}

// replInfo collects the replication aux fields of a file being loaded.
type replInfo struct {
	id       string
	offset   int64
	streamDB int64
	seenDB   bool
	seenOff  bool
	feeding  bool // a master streaming expired keys' DELs into its backlog
	// roleKnown and master cache startsAsMaster for the keys of one load.
	roleKnown, master bool
}

// aux records one aux field.
func (ri *replInfo) aux(name string, value []byte) {
	switch name {
	case "repl-id":
		if len(value) == 40 {
			ri.id = string(value)
		}
	case "repl-offset":
		ri.offset, ri.seenOff = parseAuxInt(value)
	case "repl-stream-db":
		ri.streamDB, ri.seenDB = parseAuxInt(value)
	}
}

func parseAuxInt(b []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// valid reports whether the file recorded a usable replication position.
func (ri *replInfo) valid() bool {
	return ri.id != "" && ri.seenOff && ri.offset != -1 && ri.seenDB && ri.streamDB != -1
}

// feedLoadExpired streams the DEL of a key that expired while the file
// waited, for a master restoring its replication position: replicas that
// resume from the file's offset must drop the key too. The backlog is
// created at the first such key (aux fields come before the keys).
func (s *Server) feedLoadExpired(ri *replInfo, db int, key []byte) {
	if !ri.valid() {
		return
	}
	if !ri.roleKnown {
		ri.roleKnown, ri.master = true, s.startsAsMaster()
	}
	if !ri.master {
		return
	}
	if !ri.feeding {
		ri.feeding = true
		s.repl.backlog = newReplBacklog(s.cfg.Int("repl-backlog-size"))
		s.repl.selDB = -1
	}
	del := []byte("DEL")
	if s.cfg.Bool("lazyfree-lazy-expire") {
		del = []byte("UNLINK")
	}
	s.replFeed(appendPropCommand(nil, &s.repl.selDB, db, [][]byte{del, append([]byte(nil), key...)}))
}

// startsAsMaster reports whether the server starts without replicaof.
func (s *Server) startsAsMaster() bool {
	_, _, replica := s.cfg.ReplicaOf()
	return !replica && s.isMaster()
}

// restoreReplInfo takes over the replication position of the file loaded
// at start-up (Redis's loadDataFromDisk). Keyspace lock held.
func (s *Server) restoreReplInfo(ri *replInfo) {
	if !ri.valid() {
		if ri.feeding {
			s.repl.backlog = nil
			s.repl.offset = 0
		}
		return
	}
	if s.repl.backlog == nil {
		s.repl.backlog = newReplBacklog(s.cfg.Int("repl-backlog-size"))
		s.repl.selDB = -1
	}
	s.info.mu.Lock()
	if s.startsAsMaster() {
		// The file's ID becomes the secondary ID: replicas of the previous
		// run continue from its offset; the DELs fed above follow it.
		if s.info.replID == "" {
			s.info.replID = newReplID()
		}
		s.info.replID2 = ri.id
		s.repl.secondOff = ri.offset + 1
		s.repl.offset += ri.offset
		s.repl.noReplicas = time.Now()
	} else {
		// A replica resumes as its master's replica at that offset.
		s.info.replID = ri.id
		s.info.replID2 = "0000000000000000000000000000000000000000"
		s.repl.secondOff = -1
		s.repl.offset = ri.offset
		s.repl.streamDB = int(ri.streamDB)
	}
	s.info.mu.Unlock()
	s.log.Info(fmt.Sprintf("Restored replication ID %s and offset %d from the RDB file", ri.id, ri.offset))
}
