package keyspace

import "testing"

// TestDatasetBytesBalance checks that every path in and out of the
// keyspace keeps the dataset estimate balanced: it rises as entries are
// added and is back to zero once they are all gone, whatever removed them.
func TestDatasetBytesBalance(t *testing.T) {
	ks := New(2)
	ks.SetSizer(func(any) int { return 100 })
	db0, db1 := ks.DB(0), ks.DB(1)
	if ks.DatasetBytes() != 0 {
		t.Fatalf("empty keyspace holds %d bytes", ks.DatasetBytes())
	}
	val := make([]byte, 1000)
	db0.Set([]byte("a"), Entry{Type: TypeString, Str: val})
	one := ks.DatasetBytes()
	if one < 1000 {
		t.Fatalf("one 1000-byte value = %d bytes", one)
	}
	// Overwrite with a bigger value, a TTL, a collection, then back.
	db0.Set([]byte("a"), Entry{Type: TypeString, Str: make([]byte, 5000)})
	if got := ks.DatasetBytes(); got != one+4000 {
		t.Fatalf("after growing overwrite: %d, want %d", got, one+4000)
	}
	e := db0.Peek([]byte("a"))
	db0.SetExpire([]byte("a"), e, 1<<40)
	withTTL := ks.DatasetBytes()
	if withTTL <= one+4000 {
		t.Fatal("a TTL costs nothing")
	}
	db0.Persist([]byte("a"), e)
	if got := ks.DatasetBytes(); got != one+4000 {
		t.Fatalf("after PERSIST: %d, want %d", got, one+4000)
	}
	db0.Set([]byte("a"), Entry{Type: TypeHash, Obj: struct{}{}})
	db0.Set([]byte("b"), Entry{Type: TypeString, Str: val, Expire: 5})
	// In-place growth reported by a string command.
	e = db0.Peek([]byte("b"))
	old := cap(e.Str)
	e.Str = append(e.Str, make([]byte, 3000)...)
	db0.Resized(e, old)
	db0.Rename([]byte("a"), []byte("c"), *db0.Peek([]byte("a")))
	ks.Swap(0, 1)
	if db0.DatasetBytes() != 0 || db1.DatasetBytes() == 0 {
		t.Fatalf("SWAPDB: db0 %d, db1 %d", db0.DatasetBytes(), db1.DatasetBytes())
	}
	db1.Lookup([]byte("b"), 10) // lazy expiry
	db1.Delete([]byte("c"))
	if got := ks.DatasetBytes(); got != 0 {
		t.Fatalf("after removing everything: %d bytes", got)
	}
	for i := 0; i < 100; i++ {
		db0.Set([]byte{byte(i)}, Entry{Type: TypeString, Str: val, Expire: 5})
		db1.AddLoaded([]byte{byte(i)}, Entry{Type: TypeString, Str: val}, i%2 == 0)
		db1.SetString([]byte{byte(i), 'n'}, val, Entry{Type: TypeString})
	}
	ks.ActiveExpireCycle(func() int64 { return 10 }, 1<<30)
	db0.Evict([]byte{1})
	if got := db0.DatasetBytes(); got != 0 {
		t.Fatalf("after active expiry: %d bytes", got)
	}
	if ks.FlushAll(); ks.DatasetBytes() != 0 {
		t.Fatalf("after FLUSHALL: %d bytes", ks.DatasetBytes())
	}
}
