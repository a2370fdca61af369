package server

import (
	"strings"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// Access tracking for the LRU and LFU eviction policies: the keyspace
// keeps the per-key fields (keyspace/lfu.go); this file follows the
// configuration and gives the persistence code its view of them.

// applyAccessMode tells the keyspace whether maxmemory-policy is an LFU
// policy, with the current lfu-log-factor and lfu-decay-time. Switching
// converts nothing: the fields are read the other way, as in Redis.
func (s *Server) applyAccessMode() {
	p := s.cfg.String("maxmemory-policy")
	s.ks.SetAccessMode(strings.HasSuffix(p, "-lfu"), s.cfg.Int("lfu-log-factor"), s.cfg.Int("lfu-decay-time"))
}

// registerAccessModeHooks keeps the keyspace's access mode current on
// CONFIG SET (which runs under the keyspace lock).
func (s *Server) registerAccessModeHooks() {
	for _, name := range []string{"maxmemory-policy", "lfu-log-factor", "lfu-decay-time"} {
		s.cfg.OnApply(name, func(string) error {
			s.applyAccessMode()
			return nil
		})
	}
}

// unsharedIntegers reports whether small integers get their own objects
// (maxmemory set with an LRU or LFU policy), which OBJECT REFCOUNT shows.
func (s *Server) unsharedIntegers() bool {
	if s.live.maxmemory.Load() == 0 {
		return false
	}
	p := s.cfg.String("maxmemory-policy")
	return strings.HasSuffix(p, "-lru") || strings.HasSuffix(p, "-lfu")
}

// accessSaver returns what an RDB file records about a key's accesses
// under the current policy, as Redis writes it: the idle time in seconds
// for LRU policies, the decayed counter for LFU ones, nothing otherwise
// (-1).
func (s *Server) accessSaver() func(e *keyspace.Entry, now int64) (idle int64, freq int) {
	p := s.cfg.String("maxmemory-policy")
	ks := s.ks
	switch {
	case strings.HasSuffix(p, "-lru"):
		return func(e *keyspace.Entry, now int64) (int64, int) { return keyspace.LRUIdle(e.Access, now) / 1000, -1 }
	case strings.HasSuffix(p, "-lfu"):
		return func(e *keyspace.Entry, now int64) (int64, int) { return -1, int(ks.LFUCounter(e.Access, now)) }
	}
	return func(*keyspace.Entry, int64) (int64, int) { return -1, -1 }
}
