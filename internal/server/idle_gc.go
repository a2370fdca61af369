package server

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// An idle server collects its garbage and gives free pages back to the OS.
//
// The Go heap holds dead objects until the next collection, and the next
// collection waits for the heap to double (GOGC): after a bulk load, or any
// burst of writes followed by quiet, the garbage of the burst stays in the
// heap and in RSS for as long as the server stays quiet, and INFO's
// used_memory (the heap's object bytes) counts it. Redis frees at once, so
// its used_memory and RSS track the data. One collection after a short idle
// spell gives the same picture at the cost of one GC when nothing else runs.
const (
	// idleGCAfter is how long no command may run before the collection.
	idleGCAfter = 500 * time.Millisecond
	// Possible garbage (object bytes beyond the live heap of the last
	// collection) below idleGCMinGarbage or below 1/idleGCMinShare of the
	// live heap is left alone: a collection of a big heap is not free.
	idleGCMinGarbage = 4 << 20
	idleGCMinShare   = 10
)

// idleGC is the cron's idle-collection state (cron goroutine only).
type idleGC struct {
	commands  int64     // the command counter at the last cron tick
	quietFrom time.Time // when the counter last moved
	done      bool      // collected during this quiet spell
	samples   []metrics.Sample
}

// idleCollect runs from the cron: after idleGCAfter without a command it
// collects once, if the heap holds enough possible garbage to matter.
func (s *Server) idleCollect(now time.Time) {
	st := &s.idleGC
	if n := s.stats.commands.Load(); n != st.commands || st.quietFrom.IsZero() {
		st.commands, st.quietFrom, st.done = n, now, false
		return
	}
	if st.done || now.Sub(st.quietFrom) < idleGCAfter {
		return
	}
	st.done = true
	if st.samples == nil {
		st.samples = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	}
	metrics.Read(st.samples)
	objects, live := st.samples[0].Value.Uint64(), st.samples[1].Value.Uint64()
	if objects < live+idleGCMinGarbage || objects < live+live/idleGCMinShare {
		return
	}
	debug.FreeOSMemory()
}
