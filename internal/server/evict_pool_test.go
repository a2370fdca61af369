package server

import (
	"fmt"
	"testing"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

func TestEvictPoolKeepsBestCandidates(t *testing.T) {
	var p evictPool
	for i := 0; i < 40; i++ {
		p.insert(evictCandidate{score: uint64((i * 7) % 40), key: fmt.Sprint(i)})
	}
	if len(p.c) != evictPoolSize {
		t.Fatalf("pool holds %d, want %d", len(p.c), evictPoolSize)
	}
	for want := uint64(39); want >= 40-evictPoolSize; want-- {
		c, ok := p.pop()
		if !ok || c.score != want {
			t.Fatalf("pop = %v %v, want score %d", c, ok, want)
		}
	}
	if _, ok := p.pop(); ok {
		t.Fatal("pool not empty")
	}
	// A candidate worse than every entry of a full pool is dropped.
	for i := 0; i < evictPoolSize; i++ {
		p.insert(evictCandidate{score: 100})
	}
	p.insert(evictCandidate{score: 1, key: "low"})
	for _, c := range p.c {
		if c.key == "low" {
			t.Fatal("a worse candidate entered a full pool")
		}
	}
}

// TestLFUVictimsAreTheLeastFrequent reads a few keys often and checks that
// allkeys-lfu and volatile-lfu pick victims among the others (and only
// among keys with a TTL for the volatile policy).
func TestLFUVictimsAreTheLeastFrequent(t *testing.T) {
	for _, policy := range []string{"allkeys-lfu", "volatile-lfu", "allkeys-lru"} {
		t.Run(policy, func(t *testing.T) {
			s := startTestServer(t, "--maxmemory-policy", policy, "--lfu-log-factor", "0")
			now := nowMs()
			s.ks.Lock()
			defer s.ks.Unlock()
			db := s.ks.DB(0)
			for i := 0; i < 200; i++ {
				e := keyspace.Entry{Type: keyspace.TypeString, Str: []byte("v"), Access: s.ks.NewAccess(now)}
				if i%2 == 1 {
					e.Expire = now + 1e6
				}
				db.Set([]byte(fmt.Sprint("k", i)), e)
			}
			hot := map[string]bool{}
			for i := 0; i < 20; i++ {
				k := fmt.Sprint("k", i*10+1) // odd: volatile
				hot[k] = true
				for j := 0; j < 10; j++ {
					db.Lookup([]byte(k), now)
				}
			}
			if policy == "allkeys-lru" {
				// Older accesses for the others: 100 s ago.
				db.Range(func(k string, e *keyspace.Entry) bool {
					if !hot[k] {
						e.Access = keyspace.LRUClock(now - 100000)
					}
					return true
				})
			}
			// Evict half of the cold keys: sampling is approximate, so with
			// few cold keys left a frequent one may be the best sampled.
			cold := 180
			if policy == "volatile-lfu" {
				cold = 80
			}
			for n := 0; n < cold/2; n++ {
				d, k, ok := s.pickEvictionVictim(policy, 5, now)
				if !ok {
					t.Fatal("no victim")
				}
				if hot[k] {
					t.Fatalf("evicted the frequently used key %s after %d evictions", k, n)
				}
				if e := d.Peek([]byte(k)); policy == "volatile-lfu" && e.Expire == 0 {
					t.Fatalf("volatile-lfu evicted %s, which has no TTL", k)
				}
				d.Evict([]byte(k))
			}
		})
	}
}
