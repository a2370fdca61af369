package server

import (
	"runtime/debug"
	"runtime/metrics"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// The maxmemory limit and its eviction policies. Used memory is the Go
// heap's live objects, minus what eviction has freed since the last GC
// cycle (the heap figure only drops when the collector runs; counting the
// evicted entries' sizes keeps eviction from overshooting meanwhile). With
// a limit set, the Go runtime's soft memory limit follows it so the
// collector runs before the heap outgrows it.

// evictState tracks memory freed by eviction since the last GC cycle.
type evictState struct {
	gcCycles uint64
	freed    int64
	samples  []metrics.Sample
	pool     evictPool // candidates kept between evictions (evict_pool.go)
}

// usedMemory is the memory figure maxmemory is compared with.
func (s *Server) usedMemory() int64 {
	st := &s.evict
	if st.samples == nil {
		st.samples = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	}
	metrics.Read(st.samples)
	used := int64(st.samples[0].Value.Uint64())
	if c := st.samples[1].Value.Uint64(); c != st.gcCycles {
		st.gcCycles, st.freed = c, 0
	}
	return max(used-st.freed, 0)
}

// performEvictions frees memory by the configured policy until used memory
// is within maxmemory; it reports false when that is not possible (policy
// noeviction, or nothing left to evict). The keyspace lock must be held.
func (s *Server) performEvictions(now int64) bool {
	limit := int64(s.cfg.Uint("maxmemory"))
	if limit <= 0 {
		return true
	}
	used := s.usedMemory()
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
		key := []byte(bestKey)
		e := bestDB.Peek(key)
		size := int64(entryMemory(key, e, 5))
		bestDB.Evict(key)
		s.evict.freed += size
		used -= size
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
