package keyspace

// SampleForEviction calls fn for up to n keys sampled at random, from every
// key (allKeys) or from the keys with a TTL, as Redis's eviction pool does.
func (db *DB) SampleForEviction(n int, allKeys bool, fn func(key string, e *Entry)) {
	if allKeys {
		db.dict.Sample(n, db.ks.rand, func(k string, e *Entry) bool {
			fn(k, e)
			return true
		})
		return
	}
	db.expires.Sample(n, db.ks.rand, func(k string, _ *struct{}) bool {
		if e := db.dict.Get(k); e != nil {
			fn(k, e)
		}
		return true
	})
}

// Evict removes key to free memory, counting and reporting it ("evicted").
func (db *DB) Evict(key []byte) {
	if db.remove(key) {
		db.ks.Stats.EvictedKeys++
		db.Changed(key, NotifyEvicted, "evicted")
	}
}
