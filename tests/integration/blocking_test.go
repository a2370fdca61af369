package integration

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestBlockingFairness: clients blocked on one key are served first come,
// first served, one element each.
func TestBlockingFairness(t *testing.T) {
	c, addr := newClient(t, 2)
	ctx := ctxT(t)
	const n = 5
	results := make([]chan string, n)
	for i := 0; i < n; i++ {
		results[i] = make(chan string, 1)
		bc := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
		defer bc.Close()
		go func(i int) {
			v, err := bc.BLPop(ctx, 0, "jobs").Result()
			if err != nil {
				results[i] <- "error: " + err.Error()
				return
			}
			results[i] <- v[1]
		}(i)
		waitBlocked(t, c, int64(i+1))
	}
	for i := 0; i < n; i++ {
		c.RPush(ctx, "jobs", i)
	}
	for i := 0; i < n; i++ {
		select {
		case got := <-results[i]:
			if want := string(rune('0' + i)); got != want {
				t.Fatalf("client %d got %q, want %q (FIFO order)", i, got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("client %d was never served", i)
		}
	}
	if got := blockedClients(t, c); got != 0 {
		t.Fatalf("blocked_clients = %d after serving everyone", got)
	}
}

// TestBlockingTimeoutsAndDisconnect covers float timeouts, a client that
// disconnects while blocked (it must not swallow a push), a key deleted or
// given another type while clients wait, and BLMOVE.
func TestBlockingTimeoutsAndDisconnect(t *testing.T) {
	c, addr := newClient(t, 3)
	ctx := ctxT(t)

	start := time.Now()
	if _, err := c.BRPop(ctx, 150*time.Millisecond, "none").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("BRPOP timeout: %v", err)
	}
	if d := time.Since(start); d < 140*time.Millisecond || d > 2*time.Second {
		t.Fatalf("BRPOP 0.15 s timeout took %v", d)
	}

	// A blocked client that goes away must not receive the element.
	gone := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true, MaxRetries: -1})
	go func() { _, _ = gone.BLPop(ctx, 0, "q").Result() }()
	waitBlocked(t, c, 1)
	gone.Close()
	deadline := time.Now().Add(5 * time.Second)
	for blockedClients(t, c) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("disconnected client still counted as blocked")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Retyping the key does not wake the waiter (Redis 7.0); a later push does.
	waiter := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer waiter.Close()
	got := make(chan []string, 1)
	go func() {
		v, _ := waiter.BLPop(ctx, 0, "q").Result()
		got <- v
	}()
	waitBlocked(t, c, 1)
	c.Set(ctx, "q", "not a list", 0)
	time.Sleep(50 * time.Millisecond)
	if blockedClients(t, c) != 1 {
		t.Fatal("a string written to the key unblocked the client")
	}
	c.Del(ctx, "q")
	c.LPush(ctx, "q", "job")
	select {
	case v := <-got:
		if len(v) != 2 || v[0] != "q" || v[1] != "job" {
			t.Fatalf("BLPOP = %v", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter never served")
	}
	if n := c.Exists(ctx, "q").Val(); n != 0 {
		t.Fatal("the served element was not removed")
	}

	// BLMOVE moves into a list another client waits on.
	mover := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer mover.Close()
	final := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer final.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	var moved, popped string
	go func() { defer wg.Done(); moved, _ = mover.BLMove(ctx, "in", "out", "LEFT", "RIGHT", 0).Result() }()
	waitBlocked(t, c, 1)
	go func() {
		defer wg.Done()
		v, _ := final.BRPop(ctx, 0, "out").Result()
		if len(v) == 2 {
			popped = v[1]
		}
	}()
	waitBlocked(t, c, 2)
	c.RPush(ctx, "in", "x")
	wg.Wait()
	if moved != "x" || popped != "x" {
		t.Fatalf("chain: BLMOVE got %q, BRPOP got %q", moved, popped)
	}

	// CLIENT UNBLOCK with ERROR.
	victim := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer victim.Close()
	id := victim.ClientID(ctx).Val()
	errc := make(chan error, 1)
	go func() { _, err := victim.BLPop(ctx, 0, "never").Result(); errc <- err }()
	waitBlocked(t, c, 1)
	if n := c.ClientUnblockWithError(ctx, id).Val(); n != 1 {
		t.Fatalf("CLIENT UNBLOCK = %d", n)
	}
	if err := <-errc; err == nil || err.Error() != "UNBLOCKED client unblocked via CLIENT UNBLOCK" {
		t.Fatalf("unblocked client got %v", err)
	}
}

func blockedClients(t *testing.T, c *redis.Client) int64 {
	t.Helper()
	info := c.InfoMap(ctxT(t), "clients").Val()
	var n int64
	if v, ok := info["Clients"]["blocked_clients"]; ok {
		for _, ch := range v {
			n = n*10 + int64(ch-'0')
		}
	}
	return n
}

func waitBlocked(t *testing.T, c *redis.Client, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for blockedClients(t, c) != want {
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients never reached %d (now %d)", want, blockedClients(t, c))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
