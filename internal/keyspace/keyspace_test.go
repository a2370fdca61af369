package keyspace

import (
	"fmt"
	"testing"
	"time"
)

func str(v string) Entry { return Entry{Type: TypeString, Str: []byte(v)} }

func TestLazyExpiryDeletesAndReports(t *testing.T) {
	ks := New(2)
	var events []string
	ks.SetHook(func(db *DB, key []byte, class int, event string) {
		events = append(events, fmt.Sprintf("%d:%s:%s", db.ID, key, event))
	})
	db := ks.DB(0)
	e := str("v")
	e.Expire = 1000
	db.Set([]byte("k"), e)
	if db.ExpiresLen() != 1 {
		t.Fatalf("expires = %d, want 1", db.ExpiresLen())
	}
	if got := db.Lookup([]byte("k"), 999); got == nil {
		t.Fatal("key vanished before its expire time")
	}
	if got := db.LookupRead([]byte("k"), 1000); got != nil {
		t.Fatal("expired key still returned")
	}
	if db.Len() != 0 || db.ExpiresLen() != 0 {
		t.Fatalf("len=%d expires=%d after lazy expiry", db.Len(), db.ExpiresLen())
	}
	if ks.Stats.ExpiredKeys != 1 || ks.Stats.Misses != 1 {
		t.Fatalf("stats = %+v", ks.Stats)
	}
	if len(events) != 2 || events[0] != "0:k:new" || events[1] != "0:k:expired" {
		t.Fatalf("events = %v", events)
	}
}

func TestSetClearsOrKeepsTTLBookkeeping(t *testing.T) {
	ks := New(1)
	db := ks.DB(0)
	e := str("a")
	e.Expire = 5000
	db.Set([]byte("k"), e)
	db.Set([]byte("k"), str("b")) // overwrite without TTL
	if db.ExpiresLen() != 0 {
		t.Fatal("overwrite kept the key in the expires table")
	}
	p := db.Lookup([]byte("k"), 0)
	db.SetExpire([]byte("k"), p, 9000)
	if db.ExpiresLen() != 1 || p.Expire != 9000 {
		t.Fatal("SetExpire not recorded")
	}
	if !db.Persist([]byte("k"), p) || db.ExpiresLen() != 0 || db.Persist([]byte("k"), p) {
		t.Fatal("Persist bookkeeping wrong")
	}
}

func TestActiveExpiryReclaimsUnreadKeys(t *testing.T) {
	ks := New(2)
	now := int64(1_000_000)
	for d := 0; d < 2; d++ {
		for i := 0; i < 5000; i++ {
			e := str("x")
			e.Expire = now - 1
			ks.DB(d).Set([]byte(fmt.Sprintf("dead:%d", i)), e)
		}
		for i := 0; i < 100; i++ {
			e := str("x")
			e.Expire = now + 1_000_000
			ks.DB(d).Set([]byte(fmt.Sprintf("live:%d", i)), e)
		}
		ks.DB(d).Set([]byte("persistent"), str("x"))
	}
	for i := 0; i < 200 && (ks.DB(0).Len() > 101 || ks.DB(1).Len() > 101); i++ {
		ks.ActiveExpireCycle(func() int64 { return now }, 25*time.Millisecond)
	}
	for d := 0; d < 2; d++ {
		if n := ks.DB(d).Len(); n != 101 {
			t.Fatalf("db%d has %d keys after active expiry, want 101", d, n)
		}
	}
	if ks.Stats.ExpiredKeys != 10000 {
		t.Fatalf("expired_keys = %d", ks.Stats.ExpiredKeys)
	}
	ks.ActiveExpire = false
	e := str("x")
	e.Expire = now - 1
	ks.DB(0).Set([]byte("dead"), e)
	ks.ActiveExpireCycle(func() int64 { return now }, 25*time.Millisecond)
	if ks.DB(0).Peek([]byte("dead")) == nil {
		t.Fatal("active expiry ran while disabled")
	}
}

func TestSwapAndFlush(t *testing.T) {
	ks := New(3)
	ks.DB(0).Set([]byte("a"), str("1"))
	ks.DB(1).Set([]byte("b"), str("2"))
	ks.Swap(0, 1)
	if ks.DB(0).Peek([]byte("b")) == nil || ks.DB(1).Peek([]byte("a")) == nil {
		t.Fatal("swap did not exchange contents")
	}
	if n := ks.FlushAll(); n != 2 {
		t.Fatalf("FlushAll removed %d, want 2", n)
	}
}

func TestRandomKeySkipsExpired(t *testing.T) {
	ks := New(1)
	db := ks.DB(0)
	for i := 0; i < 50; i++ {
		e := str("x")
		e.Expire = 10
		db.Set([]byte(fmt.Sprintf("d%d", i)), e)
	}
	db.Set([]byte("alive"), str("x"))
	for i := 0; i < 20; i++ {
		k, ok := db.RandomKey(100)
		if !ok || k != "alive" {
			t.Fatalf("RandomKey = %q, %v", k, ok)
		}
	}
	if _, ok := New(1).DB(0).RandomKey(0); ok {
		t.Fatal("RandomKey on empty db returned a key")
	}
}

func TestParseInt(t *testing.T) {
	good := map[string]int64{"0": 0, "-1": -1, "9223372036854775807": 9223372036854775807, "-9223372036854775808": -9223372036854775808}
	for s, want := range good {
		if n, ok := ParseInt([]byte(s)); !ok || n != want {
			t.Errorf("ParseInt(%q) = %d, %v", s, n, ok)
		}
	}
	for _, s := range []string{"", "+1", "01", "-0", " 1", "1 ", "9223372036854775808", "-9223372036854775809", "1a", "-"} {
		if _, ok := ParseInt([]byte(s)); ok {
			t.Errorf("ParseInt(%q) accepted", s)
		}
	}
	if StringEncoding([]byte("123")) != EncInt || StringEncoding(make([]byte, 44)) != EncEmbstr || StringEncoding(make([]byte, 45)) != EncRaw {
		t.Error("StringEncoding thresholds")
	}
}

func TestExpiryPausedKeepsExpiredKeys(t *testing.T) {
	ks := New(1)
	paused := true
	ks.SetExpiryPaused(func() bool { return paused })
	db := ks.DB(0)
	now := int64(10_000)
	for i := 0; i < 50; i++ {
		e := str("x")
		e.Expire = now - 1
		db.Set([]byte(fmt.Sprintf("k%d", i)), e)
	}
	if db.Lookup([]byte("k1"), now) != nil {
		t.Fatal("expired key visible while expiry is paused")
	}
	if removed, _ := ks.ActiveExpireCycle(func() int64 { return now }, 10*time.Millisecond); removed != 0 {
		t.Fatalf("active expiry removed %d keys while paused", removed)
	}
	if _, ok := db.RandomKey(now); ok {
		t.Fatal("RANDOMKEY returned a dead key")
	}
	if db.Len() != 50 || ks.Stats.ExpiredKeys != 0 {
		t.Fatalf("len=%d expired=%d while paused", db.Len(), ks.Stats.ExpiredKeys)
	}
	paused = false
	if db.Lookup([]byte("k1"), now) != nil || db.Len() != 49 || ks.Stats.ExpiredKeys != 1 {
		t.Fatalf("lazy expiry after the pause: len=%d expired=%d", db.Len(), ks.Stats.ExpiredKeys)
	}
	removed, busy := ks.ActiveExpireCycle(func() int64 { return now }, 25*time.Millisecond)
	if removed != 49 || busy <= 0 {
		t.Fatalf("active expiry after the pause removed %d keys in %v", removed, busy)
	}
}
