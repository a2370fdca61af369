package keyspace

import "time"

// Active expiry parameters, in the spirit of Redis's activeExpireCycle:
// sample keys with a TTL, delete the dead ones, and keep going while more than
// a tenth of a sample was dead and the time budget lasts.
const (
	expireSample    = 20
	expireStaleStop = 10 // percent of dead keys below which a db is left alone
)

// ActiveExpireCycle reclaims expired keys for at most budget, taking the
// keyspace lock itself in short slices so clients are not stalled. It returns
// the number of keys removed and the time spent holding the lock in slices
// that examined keys (the "expire-cycle" latency event).
func (ks *Keyspace) ActiveExpireCycle(now func() int64, budget time.Duration) (removed int, busy time.Duration) {
	start := time.Now()
	deadline := start.Add(budget)
	ks.mu.Lock()
	enabled := ks.ActiveExpire && !ks.ExpiryPaused()
	n := len(ks.dbs)
	ks.mu.Unlock()
	if !enabled {
		return 0, 0
	}
	var sampled, dead int
	for i := 0; i < n; i++ {
		for {
			ks.mu.Lock()
			if i >= len(ks.dbs) {
				ks.mu.Unlock()
				break
			}
			t0 := time.Now()
			s, d := ks.dbs[i].expireSlice(now())
			if s > 0 {
				busy += time.Since(t0)
			}
			ks.mu.Unlock()
			sampled += s
			dead += d
			removed += d
			if s == 0 || d*100 <= s*expireStaleStop {
				break
			}
			if time.Now().After(deadline) {
				ks.mu.Lock()
				ks.Stats.ExpiredTimeCapReached++
				ks.mu.Unlock()
				return removed, busy
			}
		}
	}
	if sampled > 0 {
		ks.mu.Lock()
		ks.Stats.ExpiredStalePerc = ks.Stats.ExpiredStalePerc*0.95 + float64(dead)/float64(sampled)*0.05
		ks.mu.Unlock()
	}
	return removed, busy
}

// expireSlice examines about expireSample volatile keys from the db's scan
// cursor and deletes the dead ones; it returns (examined, deleted).
func (db *DB) expireSlice(now int64) (int, int) {
	if db.expires.Len() == 0 {
		return 0, 0
	}
	var dead []string
	examined := 0
	start := db.expireCursor
	for examined < expireSample {
		db.expireCursor = db.expires.Scan(db.expireCursor, func(k string, _ *struct{}) {
			examined++
			if e := db.dict.Get(k); e != nil && e.Expire != 0 && e.Expire <= now {
				dead = append(dead, k)
			}
		})
		if db.expireCursor == 0 || db.expireCursor == start {
			break
		}
	}
	for _, k := range dead {
		db.expire([]byte(k))
	}
	return examined, len(dead)
}
