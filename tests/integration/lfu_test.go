package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine"
	"github.com/redis/go-redis/v9"
)

// lfuServer runs an in-process Peregrine with the given extra directives.
func lfuServer(t *testing.T, extra ...string) *redis.Client {
	t.Helper()
	args := append([]string{"--port", "0", "--bind", "127.0.0.1", "--save", "", "--dir", t.TempDir(),
		"--enable-debug-command", "yes"}, extra...)
	srv, err := peregrine.New(peregrine.Options{Args: args})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		srv.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return clientFor(t, srv.Addr(), 0)
}

// TestLFUCountersThroughClient counts accesses with lfu-log-factor 0 (every
// access adds one), and checks that the counters survive DEBUG RELOAD
// (the RDB FREQ opcode) and RESTORE ... FREQ, and that switching to an LRU
// policy keeps idle times through a reload (the IDLE opcode).
func TestLFUCountersThroughClient(t *testing.T) {
	ctx := context.Background()
	c := lfuServer(t, "--maxmemory-policy", "allkeys-lfu", "--lfu-log-factor", "0")
	freq := func(key string) int64 {
		t.Helper()
		n, err := c.ObjectFreq(ctx, key).Result()
		if err != nil {
			t.Fatalf("OBJECT FREQ %s: %v", key, err)
		}
		return n
	}
	if err := c.Set(ctx, "hot", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "cold", "v", 0)
	if got := freq("cold"); got != 5 {
		t.Fatalf("new key counter = %d, want LFU_INIT_VAL 5", got)
	}
	for i := 0; i < 20; i++ {
		if err := c.Get(ctx, "hot").Err(); err != nil {
			t.Fatal(err)
		}
	}
	if got := freq("hot"); got != 25 {
		t.Fatalf("counter after 20 reads = %d, want 25", got)
	}
	if _, err := c.ObjectIdleTime(ctx, "hot").Result(); err == nil || !strings.Contains(err.Error(), "An LFU maxmemory policy is selected") {
		t.Fatalf("OBJECT IDLETIME under LFU: %v", err)
	}
	payload, err := c.Dump(ctx, "cold").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "RESTORE", "restored", 0, payload, "FREQ", 200).Err(); err != nil {
		t.Fatal(err)
	}
	if got := freq("restored"); got != 200 {
		t.Fatalf("RESTORE FREQ 200 gave %d", got)
	}
	if err := c.Do(ctx, "DEBUG", "RELOAD").Err(); err != nil {
		t.Fatal(err)
	}
	// DUMP read "cold" once.
	for key, want := range map[string]int64{"hot": 25, "cold": 6, "restored": 200} {
		if got := freq(key); got != want {
			t.Fatalf("after DEBUG RELOAD, %s counter = %d, want %d", key, got, want)
		}
	}

	c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru")
	if err := c.Do(ctx, "RESTORE", "idle", 0, payload, "IDLETIME", 5000).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "DEBUG", "RELOAD").Err(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.ObjectIdleTime(ctx, "idle").Result()
	if err != nil {
		t.Fatal(err)
	}
	if s := idle.Seconds(); s < 5000 || s > 5010 {
		t.Fatalf("idle time after reload = %v, want about 5000 s", s)
	}
	if _, err := c.ObjectFreq(ctx, "hot").Result(); err == nil {
		t.Fatal("OBJECT FREQ under an LRU policy did not fail")
	}
}
