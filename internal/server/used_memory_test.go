package server

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func usedMemoryOf(t *testing.T, c *testConn) int64 {
	t.Helper()
	v, err := strconv.ParseInt(infoValue(c, "used_memory"), 10, 64)
	if err != nil {
		t.Fatalf("used_memory: %v", err)
	}
	return v
}

// TestUsedMemoryFollowsDataset checks that used_memory rises as keys are
// added and falls as soon as they are deleted or flushed, without waiting
// for a garbage collection.
func TestUsedMemoryFollowsDataset(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	// Under maxmemory a small heap is anchored by locked collections
	// only, so the figure moves with the dataset alone here.
	mustStr(t, c.do("CONFIG", "SET", "maxmemory", "1gb"), "OK")
	mustStr(t, c.do("FLUSHALL"), "OK")
	base := usedMemoryOf(t, c)
	val := strings.Repeat("v", 1000)
	const n = 1000
	for i := 0; i < n; i++ {
		c.send("SET", fmt.Sprintf("key:%d", i), val)
	}
	for i := 0; i < n; i++ {
		if _, err := c.read(); err != nil {
			t.Fatal(err)
		}
	}
	full := usedMemoryOf(t, c)
	if full-base < n*1000 {
		t.Fatalf("used_memory rose by %d for %d keys of 1000 bytes", full-base, n)
	}
	for i := 0; i < n/2; i++ {
		c.send("DEL", fmt.Sprintf("key:%d", i))
	}
	for i := 0; i < n/2; i++ {
		if _, err := c.read(); err != nil {
			t.Fatal(err)
		}
	}
	half := usedMemoryOf(t, c)
	if drop := full - half; drop < n/2*1000 || drop > n*1000 {
		t.Fatalf("deleting half the keys lowered used_memory by %d (from %d)", drop, full-base)
	}
	mustStr(t, c.do("FLUSHALL"), "OK")
	if after := usedMemoryOf(t, c); after-base > 200<<10 {
		t.Fatalf("after FLUSHALL used_memory is %d above the empty server's", after-base)
	}
}

// TestMaxmemoryEvictionHoldsLimit adds keys past maxmemory while calling
// INFO (whose garbage must not count) and checks that eviction keeps
// used_memory near the limit and that the keys that fit stay.
func TestMaxmemoryEvictionHoldsLimit(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "maxmemory", "1gb"), "OK")
	mustStr(t, c.do("FLUSHALL"), "OK")
	limit := usedMemoryOf(t, c) + 256<<10
	mustStr(t, c.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10), "maxmemory-policy", "allkeys-lru"), "OK")
	val := strings.Repeat("v", 200)
	first := 0 // keys added before used_memory came near the limit
	for i := 0; i < 3000; i++ {
		mustStr(t, c.do("SET", fmt.Sprintf("key:%d", i), val), "OK")
		used := usedMemoryOf(t, c)
		if used > limit+16<<10 {
			t.Fatalf("after %d keys used_memory %d exceeds maxmemory %d", i+1, used, limit)
		}
		if first == 0 && used+4096 > limit {
			first = i + 1
		}
	}
	if first < 256 {
		t.Fatalf("used_memory reached the limit after %d keys of 200 bytes (256KB of room)", first)
	}
	if ev, _ := strconv.Atoi(infoValue(c, "evicted_keys")); ev == 0 {
		t.Fatal("nothing was evicted")
	}
	if n := c.do("DBSIZE").n; n < int64(first)/2 || n >= 3000 {
		t.Fatalf("dbsize %d after eviction (%d keys fitted)", n, first)
	}
}
