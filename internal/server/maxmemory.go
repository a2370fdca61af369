package server

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// The maxmemory limit and its eviction policies.
//
// Used memory (INFO used_memory, the figure maxmemory is compared with) is
// a hybrid: the Go heap's live bytes as a garbage collection measured
// them (the anchor), plus the change since then in the keyspace's own
// estimate of its entries (keyspace/mem.go: bytes of the entries added
// minus those removed, by any path), plus the change in client memory
// (clientmem.go: query buffers, replies, outboxes, replica streams).
// Garbage never counts, a deleted, expired or evicted entry and a freed
// client buffer lower the figure at once, and a new anchor brings in what
// the estimates miss (table growth, collections growing in place).
// Replicas' stream buffers count in used_memory but not against
// maxmemory (mem_not_counted_for_evict), as in Redis.
//
// A collection's live figure includes whatever was allocated while it
// marked, so an anchor taken from the runtime's own collections, which
// run concurrently with commands, is off by up to the garbage of the
// commands that ran meanwhile (tens of KB to more on a busy small heap).
// Under maxmemory a small heap is therefore anchored only by collections
// the cron runs every anchorMaxAge with the keyspace lock held, when no
// command allocates; a larger heap, or a server without maxmemory, takes
// each completed collection as its anchor, where that error is small
// relative to the heap or matters less. With a limit set, the Go
// runtime's soft memory limit follows it so the collector runs before the
// heap outgrows it.
const (
	anchorMaxAge  = time.Second
	anchorMaxLive = 16 << 20 // a locked collection of this much live heap takes a few ms
)

// evictState is the used-memory anchor and the eviction pool.
type evictState struct {
	gcCycles uint64    // collections completed when the anchor was taken
	anchored bool      // an anchor was taken
	live     int64     // heap live bytes at that collection
	at       time.Time // when the anchor was taken
	dataset  int64     // the keyspace's dataset estimate when the anchor was taken
	clients  int64     // client memory (clientmem.go) when the anchor was taken
	samples  []metrics.Sample
	pool     evictPool // candidates kept between evictions (evict_pool.go)
}

// usedMemory is the memory figure maxmemory is compared with. The
// keyspace lock must be held.
func (s *Server) usedMemory() int64 {
	st := &s.evict
	if !st.anchored {
		s.anchor()
	} else if used := s.sinceAnchor(); s.live.maxmemory.Load() == 0 || used > anchorMaxLive {
		// A collection completed since the anchor: take it again.
		// Entries added between the collection's end and now are in
		// neither figure until the next one; the cron and every command
		// under maxmemory come here, so the gap stays small.
		metrics.Read(st.samples[:1])
		if st.samples[0].Value.Uint64() != st.gcCycles {
			s.anchor()
		}
	}
	return max(s.sinceAnchor(), 0)
}

// sinceAnchor is the anchor moved by the dataset and client accounting.
func (s *Server) sinceAnchor() int64 {
	st := &s.evict
	return st.live + s.ks.DatasetBytes() - st.dataset + s.cmem.total() - st.clients
}

// anchor takes the last collection's live heap as the anchor. The
// keyspace lock must be held.
func (s *Server) anchor() {
	st := &s.evict
	if st.samples == nil {
		st.samples = []metrics.Sample{
			{Name: "/gc/cycles/total:gc-cycles"},
			{Name: "/gc/heap/live:bytes"},
			{Name: "/memory/classes/heap/objects:bytes"},
		}
	}
	metrics.Read(st.samples)
	c, live := st.samples[0].Value.Uint64(), int64(st.samples[1].Value.Uint64())
	if c == 0 {
		live = int64(st.samples[2].Value.Uint64()) // no collection yet
	}
	st.gcCycles, st.anchored, st.live, st.dataset = c, true, live, s.ks.DatasetBytes()
	st.clients = s.cmem.total()
	st.at = time.Now()
}

// collectAnchor runs a collection with the keyspace lock held and anchors
// to it; the caller holds the lock.
func (s *Server) collectAnchor() {
	runtime.GC()
	s.anchor()
}

// reanchorAfterLoad takes a fresh anchor after a full sync loaded a new
// dataset or the master link dropped a big read buffer: that memory may
// have been live at the last collection, and a replica that then only
// applies small writes may not collect again for a long time, leaving
// used_memory inflated. The
// collection runs without the keyspace lock (clients keep being served);
// the caller holds no lock.
func (s *Server) reanchorAfterLoad() {
	runtime.GC()
	s.ks.Lock()
	s.anchor()
	s.ks.Unlock()
}

// flushedAnchor re-anchors after FLUSHDB/FLUSHALL when what is left is a
// small heap: the collection is cheap then (the old tables are garbage,
// and garbage is not marked), and the figure restarts from the truth.
// The caller holds the lock.
func (s *Server) flushedAnchor() {
	if s.usedMemory() <= anchorMaxLive {
		s.collectAnchor()
	}
}

// refreshAnchor runs from the cron without the keyspace lock: under
// maxmemory it re-anchors a small heap whose anchor is older than
// anchorMaxAge by a locked collection.
func (s *Server) refreshAnchor(now time.Time) {
	if s.live.maxmemory.Load() == 0 {
		return
	}
	s.ks.Lock()
	if used := s.usedMemory(); now.Sub(s.evict.at) >= anchorMaxAge && used <= anchorMaxLive {
		s.collectAnchor()
	}
	s.ks.Unlock()
}

// performEvictions frees memory by the configured policy until used memory
// is within maxmemory; it reports false when that is not possible (policy
// noeviction, or nothing left to evict). The keyspace lock must be held.
func (s *Server) performEvictions(now int64) bool {
	limit := int64(s.cfg.Uint("maxmemory"))
	if limit <= 0 {
		return true
	}
	// Replicas' stream buffers are not counted (freeing keys would only
	// grow them with DELs), as Redis's freeMemoryGetNotCountedMemory.
	used := s.usedMemory() - s.cmem.replStream.Load()
	if used <= limit {
		return true
	}
	policy := s.cfg.String("maxmemory-policy")
	if policy == "noeviction" {
		return false
	}
	allKeys := policy[:3] == "all"
	samples := int(s.cfg.Int("maxmemory-samples"))
	random := policy == "allkeys-random" || policy == "volatile-random"
	for used > limit {
		var bestDB *keyspace.DB
		var bestKey string
		if random {
			for i := 0; i < s.ks.Count() && bestDB == nil; i++ {
				db := s.ks.DB(i)
				db.SampleForEviction(1, allKeys, func(k string, _ *keyspace.Entry) {
					if bestDB == nil {
						bestDB, bestKey = db, k
					}
				})
			}
		} else {
			bestDB, bestKey, _ = s.pickEvictionVictim(policy, samples, now)
		}
		if bestDB == nil {
			return false
		}
		before := s.ks.DatasetBytes()
		bestDB.Evict([]byte(bestKey))
		used -= before - s.ks.DatasetBytes()
	}
	return true
}

// applyMemoryLimit derives the Go runtime's soft memory limit from maxmemory.
func applyMemoryLimit(maxmemory uint64) {
	if maxmemory == 0 {
		debug.SetMemoryLimit(-1 >> 1) // math.MaxInt64: no limit
		return
	}
	debug.SetMemoryLimit(int64(max(maxmemory+maxmemory/2, 64<<20)))
}

// rejectsOnOOM says whether cmd is refused while over maxmemory: commands
// flagged denyoom, an EXEC whose transaction holds one, and (as in Redis)
// anything queued into a transaction but DISCARD, QUIT and RESET.
func rejectsOnOOM(c *Client, cmd *Command) bool {
	if cmd.Has(FlagDenyOOM) {
		return true
	}
	if c.multi == nil || cmd.Parent != nil {
		return false
	}
	switch cmd.Name {
	case "exec":
		return c.multi.denyOOM
	case "discard", "quit", "reset":
		return false
	}
	return true
}
