package server

import (
	"math"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// evictPoolSize is how many candidates the eviction pool keeps between
// evictions, as Redis's EVPOOL_SIZE.
const evictPoolSize = 16

// evictCandidate is a sampled key and its score: the higher, the better to
// evict (idle time for LRU, 255 minus the counter for LFU, time left to
// live inverted for volatile-ttl).
type evictCandidate struct {
	score uint64
	key   string
	db    int
}

// evictPool keeps the best candidates seen by past samplings, sorted by
// ascending score, so that eviction approximates the exact policy better
// than one sampling would (Redis's eviction pool). Keys in it may have
// been deleted since: they are skipped when picked.
type evictPool struct {
	c []evictCandidate
}

// insert adds a candidate, dropping the worst one when the pool is full;
// a candidate worse than every entry of a full pool is not kept.
func (p *evictPool) insert(c evictCandidate) {
	k := 0
	for k < len(p.c) && p.c[k].score < c.score {
		k++
	}
	if len(p.c) < evictPoolSize {
		p.c = append(p.c, evictCandidate{})
		copy(p.c[k+1:], p.c[k:])
		p.c[k] = c
		return
	}
	if k == 0 {
		return
	}
	copy(p.c[:k-1], p.c[1:k])
	p.c[k-1] = c
}

// pop removes and returns the best candidate.
func (p *evictPool) pop() (evictCandidate, bool) {
	if len(p.c) == 0 {
		return evictCandidate{}, false
	}
	c := p.c[len(p.c)-1]
	p.c[len(p.c)-1] = evictCandidate{}
	p.c = p.c[:len(p.c)-1]
	return c, true
}

// evictionScore ranks a sampled entry under policy at now (ms).
func (s *Server) evictionScore(policy string, e *keyspace.Entry, now int64) uint64 {
	switch policy {
	case "volatile-ttl":
		return math.MaxUint64 - uint64(e.Expire) // the soonest to expire first
	case "allkeys-lfu", "volatile-lfu":
		return 255 - uint64(s.ks.LFUCounter(e.Access, now))
	}
	return uint64(keyspace.LRUIdle(e.Access, now))
}

// pickEvictionVictim chooses the key to evict next under an LRU, LFU or
// volatile-ttl policy: it samples maxmemory-samples keys of every
// database into the pool and takes the best candidate that still exists.
// ok is false when there is no candidate at all.
func (s *Server) pickEvictionVictim(policy string, samples int, now int64) (db *keyspace.DB, key string, ok bool) {
	allKeys := policy[:3] == "all"
	pool := &s.evict.pool
	for {
		total := 0
		for i := 0; i < s.ks.Count(); i++ {
			d := s.ks.DB(i)
			n := d.ExpiresLen()
			if allKeys {
				n = d.Len()
			}
			if n == 0 {
				continue
			}
			total += n
			d.SampleForEviction(samples, allKeys, func(k string, e *keyspace.Entry) {
				pool.insert(evictCandidate{score: s.evictionScore(policy, e, now), key: k, db: i})
			})
		}
		if total == 0 {
			return nil, "", false
		}
		for {
			c, ok := pool.pop()
			if !ok {
				break
			}
			d := s.ks.DB(c.db)
			e := d.Peek([]byte(c.key))
			if e == nil || !allKeys && e.Expire == 0 {
				continue // a ghost: deleted (or made persistent) since sampled
			}
			return d, c.key, true
		}
	}
}
