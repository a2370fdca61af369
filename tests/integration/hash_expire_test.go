package integration

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestHashFieldExpiry exercises Redis 7.4's per-field TTLs with go-redis:
// reply codes, conditions, reads hiding expired fields, and the active
// cycle reclaiming fields (and the key) nobody reads.
func TestHashFieldExpiry(t *testing.T) {
	c, _ := newClient(t, 3)
	ctx := ctxT(t)
	c.HSet(ctx, "session:1", "token", "abc", "user", "42", "csrf", "x")
	if got := c.HExpire(ctx, "session:1", 100*time.Second, "token", "nofield").Val(); len(got) != 2 || got[0] != 1 || got[1] != -2 {
		t.Fatalf("HEXPIRE = %v, want [1 -2]", got)
	}
	if got := c.HExpireWithArgs(ctx, "session:1", 50*time.Second, redis.HExpireArgs{NX: true}, "token").Val(); len(got) != 1 || got[0] != 0 {
		t.Fatalf("HEXPIRE NX on a field with a TTL = %v, want [0]", got)
	}
	if got := c.HTTL(ctx, "session:1", "token", "user", "nofield").Val(); len(got) != 3 || got[0] != 100 || got[1] != -1 || got[2] != -2 {
		t.Fatalf("HTTL = %v", got)
	}
	if got := c.HPersist(ctx, "session:1", "token", "user").Val(); len(got) != 2 || got[0] != 1 || got[1] != -1 {
		t.Fatalf("HPERSIST = %v", got)
	}
	if got := c.HExpire(ctx, "missing", time.Second, "a").Val(); len(got) != 1 || got[0] != -2 {
		t.Fatalf("HEXPIRE on a missing key = %v", got)
	}
	// A time in the past deletes the field at once (reply 2).
	if got := c.HExpireAt(ctx, "session:1", time.Unix(1, 0), "csrf").Val(); len(got) != 1 || got[0] != 2 {
		t.Fatalf("HEXPIREAT in the past = %v", got)
	}
	// Short TTLs: hidden from reads at once, reclaimed without reads.
	c.HPExpire(ctx, "session:1", 50*time.Millisecond, "token", "user")
	c.HSet(ctx, "session:2", "a", "1")
	c.HPExpire(ctx, "session:2", 50*time.Millisecond, "a")
	time.Sleep(120 * time.Millisecond)
	if v := c.HGetAll(ctx, "session:1").Val(); len(v) != 0 {
		t.Fatalf("expired fields still returned: %v", v)
	}
	deadline := time.Now().Add(3 * time.Second)
	for c.Exists(ctx, "session:2").Val() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a hash whose only field expired was never reclaimed by the active cycle")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// HSET clears a field's TTL.
	c.HSet(ctx, "h", "f", "1")
	c.HExpire(ctx, "h", time.Hour, "f")
	c.HSet(ctx, "h", "f", "2")
	if got := c.HTTL(ctx, "h", "f").Val(); len(got) != 1 || got[0] != -1 {
		t.Fatalf("TTL after HSET = %v, want [-1]", got)
	}
}
