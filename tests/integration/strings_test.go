package integration

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStringsBothProtocols(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			c, _ := newClient(t, proto)
			ctx := ctxT(t)
			if err := c.Set(ctx, "user:123:profile", `{"name":"John"}`, time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, "user:123:profile").Result(); err != nil || v != `{"name":"John"}` {
				t.Fatalf("GET = %q, %v", v, err)
			}
			if ttl := c.TTL(ctx, "user:123:profile").Val(); ttl < 3599*time.Second || ttl > time.Hour {
				t.Fatalf("TTL = %v", ttl)
			}
			if _, err := c.Get(ctx, "missing").Result(); !errors.Is(err, redis.Nil) {
				t.Fatalf("GET missing: %v, want redis.Nil", err)
			}
			if n := c.Incr(ctx, "counter").Val(); n != 1 {
				t.Fatalf("INCR = %d", n)
			}
			if f := c.IncrByFloat(ctx, "f", 10.5).Val(); f != 10.5 {
				t.Fatalf("INCRBYFLOAT = %v", f)
			}
			if f := c.IncrByFloat(ctx, "f", 0.1).Val(); f != 10.6 {
				t.Fatalf("INCRBYFLOAT = %v", f)
			}
			if err := c.LPush(ctx, "user:123:profile", "x").Err(); err == nil {
				// LPUSH does not exist yet or must be WRONGTYPE; either is an error.
				t.Fatal("LPUSH on a string key succeeded")
			}
			if err := c.MSet(ctx, "a", "1", "b", "2").Err(); err != nil {
				t.Fatal(err)
			}
			vals := c.MGet(ctx, "a", "b", "nope").Val()
			if len(vals) != 3 || vals[0] != "1" || vals[1] != "2" || vals[2] != nil {
				t.Fatalf("MGET = %#v", vals)
			}
		})
	}
}

// TestLockAndRateLimiter drives the seed document's patterns with several
// clients at once: SET NX EX locks and INCR+EXPIRE rate limiting.
func TestLockAndRateLimiter(t *testing.T) {
	c, _ := newClient(t, 2)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ok, err := c.SetNX(ctx, "lock:resource:123", fmt.Sprintf("worker-%d", i), 10*time.Second).Result()
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				winners++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if winners != 1 {
		t.Fatalf("%d clients acquired the lock, want 1", winners)
	}
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := c.Incr(ctx, "rate:user:123:requests").Result()
			if err != nil {
				t.Error(err)
				return
			}
			if n == 1 {
				c.Expire(ctx, "rate:user:123:requests", 60*time.Second)
			}
		}()
	}
	wg.Wait()
	if v := c.Get(ctx, "rate:user:123:requests").Val(); v != "50" {
		t.Fatalf("counter = %s, want 50", v)
	}
	if ttl := c.TTL(ctx, "rate:user:123:requests").Val(); ttl <= 0 {
		t.Fatalf("rate key has no TTL: %v", ttl)
	}
}

// TestActiveExpiry checks keys that are never read again still disappear.
func TestActiveExpiry(t *testing.T) {
	c, _ := newClient(t, 2)
	ctx := ctxT(t)
	pipe := c.Pipeline()
	for i := 0; i < 2000; i++ {
		pipe.Set(ctx, fmt.Sprintf("session:%d", i), "x", 100*time.Millisecond)
	}
	pipe.Set(ctx, "keep", "x", 0)
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c.DBSize(ctx).Val() == 1 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("DBSIZE = %d after 5s, want 1 (active expiry did not reclaim keys)", c.DBSize(ctx).Val())
}

func TestScanReturnsEveryKeyWhileGrowing(t *testing.T) {
	c, _ := newClient(t, 2)
	ctx := ctxT(t)
	for i := 0; i < 1000; i++ {
		c.Set(ctx, fmt.Sprintf("k:%d", i), i, 0)
	}
	seen := map[string]bool{}
	var cursor uint64
	extra := 0
	for {
		keys, next, err := c.Scan(ctx, cursor, "", 50).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			seen[k] = true
		}
		// grow the table between calls
		for j := 0; j < 200; j++ {
			c.Set(ctx, fmt.Sprintf("new:%d", extra), 1, 0)
			extra++
		}
		cursor = next
		if cursor == 0 {
			break
		}
	}
	for i := 0; i < 1000; i++ {
		if !seen[fmt.Sprintf("k:%d", i)] {
			t.Fatalf("SCAN missed k:%d", i)
		}
	}
}
