package integration

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// TestHyperLogLog drives PFADD, PFCOUNT and PFMERGE through go-redis in
// both protocols.
func TestHyperLogLog(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			c, _ := newClient(t, proto)
			ctx := ctxT(t)
			var a, b []any
			for i := 0; i < 10000; i++ {
				a = append(a, fmt.Sprintf("user:%d", i))
				b = append(b, fmt.Sprintf("user:%d", i+5000))
			}
			if n, err := c.PFAdd(ctx, "visitors:mon", a...).Result(); err != nil || n != 1 {
				t.Fatalf("PFADD = %d, %v", n, err)
			}
			if n := c.PFAdd(ctx, "visitors:mon", a[:10]...).Val(); n != 0 {
				t.Fatalf("PFADD of known elements = %d", n)
			}
			c.PFAdd(ctx, "visitors:tue", b...)
			within := func(what string, got, want int64) {
				t.Helper()
				if math.Abs(float64(got-want)) > 0.02*float64(want) {
					t.Errorf("%s = %d, want about %d", what, got, want)
				}
			}
			within("PFCOUNT mon", c.PFCount(ctx, "visitors:mon").Val(), 10000)
			within("PFCOUNT mon tue", c.PFCount(ctx, "visitors:mon", "visitors:tue").Val(), 15000)
			if err := c.PFMerge(ctx, "visitors:week", "visitors:mon", "visitors:tue").Err(); err != nil {
				t.Fatal(err)
			}
			week := c.PFCount(ctx, "visitors:week").Val()
			within("PFCOUNT week", week, 15000)
			if u := c.PFCount(ctx, "visitors:mon", "visitors:tue").Val(); u != week {
				t.Errorf("union on the fly %d, merged %d", u, week)
			}
			// The value is a string: copying it copies the HLL.
			raw := c.Get(ctx, "visitors:week").Val()
			if !strings.HasPrefix(raw, "HYLL\x00") || len(raw) != 12304 {
				t.Fatalf("GET of a dense HLL: %q... (%d bytes)", raw[:5], len(raw))
			}
			c.Set(ctx, "copy", raw, 0)
			if n := c.PFCount(ctx, "copy").Val(); n != week {
				t.Errorf("PFCOUNT of a copy = %d, want %d", n, week)
			}
			c.Set(ctx, "plain", "hello", 0)
			if err := c.PFAdd(ctx, "plain", "x").Err(); err == nil || err.Error() != "WRONGTYPE Key is not a valid HyperLogLog string value." {
				t.Errorf("PFADD on a plain string: %v", err)
			}
			c.PFAdd(ctx, "broken", "a", "b")
			c.Append(ctx, "broken", "junk")
			if err := c.PFCount(ctx, "broken").Err(); err == nil || err.Error() != "INVALIDOBJ Corrupted HLL object detected" {
				t.Errorf("PFCOUNT of a corrupted HLL: %v", err)
			}
		})
	}
}

// TestHyperLogLogNotifications: PFADD and PFMERGE publish "pfadd";
// PFCOUNT, even when it stores the estimate, publishes nothing.
func TestHyperLogLogNotifications(t *testing.T) {
	c, addr := newClient(t, 2)
	ctx := ctxT(t)
	c.ConfigSet(ctx, "notify-keyspace-events", "KEA")
	sc := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer sc.Close()
	sub := sc.PSubscribe(ctx, "__keyevent@0__:*")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	c.PFAdd(ctx, "h", "a")
	c.PFAdd(ctx, "h", "a") // no change: no event
	c.PFCount(ctx, "h")
	c.PFMerge(ctx, "m", "h")
	c.Do(ctx, "PFDEBUG", "TODENSE", "m")
	c.Set(ctx, "end", "1", 0)
	want := []string{"pfadd h", "pfadd m", "set end"}
	for i, w := range want {
		m, err := sub.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimPrefix(m.Channel, "__keyevent@0__:") + " " + m.Payload; got != w {
			t.Fatalf("event %d = %q, want %q", i, got, w)
		}
	}
}

// TestHyperLogLogPropagation: PFADD, PFMERGE, a PFCOUNT that stores the
// estimate and a PFDEBUG that converts the value reach the AOF as
// themselves; replaying it (by Peregrine, and by redis-server) gives the
// same bytes.
func TestHyperLogLogPropagation(t *testing.T) {
	dir := t.TempDir()
	ctx := ctxT(t)
	s := mustAOFServer(t, dir)
	c := clientFor(t, s.addr, 0)
	c.PFAdd(ctx, "h1", "a", "b", "c")
	c.PFAdd(ctx, "h1", "a")   // no change: not propagated
	c.PFCount(ctx, "h1")      // stores the estimate: propagated
	c.PFCount(ctx, "h1")      // cached: not propagated
	c.PFCount(ctx, "h1", "x") // several keys never store: not propagated
	c.PFAdd(ctx, "h2", "c", "d")
	c.PFMerge(ctx, "h3", "h1", "h2")
	c.Do(ctx, "PFDEBUG", "TODENSE", "h2")
	c.Do(ctx, "PFDEBUG", "TODENSE", "h2") // already dense: not propagated
	want := map[string]string{}
	for _, k := range []string{"h1", "h2", "h3"} {
		want[k] = c.Get(ctx, k).Val()
	}
	s.srv.Close()

	aof, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, line := range strings.Split(string(aof), "\r\n") {
		if line = strings.ToUpper(line); strings.HasPrefix(line, "PF") {
			cmds = append(cmds, line)
		}
	}
	if got, exp := strings.Join(cmds, " "), "PFADD PFCOUNT PFADD PFMERGE PFDEBUG"; got != exp {
		t.Errorf("propagated %q, want %q", got, exp)
	}

	check := func(who, addr string) {
		t.Helper()
		rc := clientFor(t, addr, 0)
		for k, v := range want {
			if got := rc.Get(ctx, k).Val(); got != v {
				t.Errorf("%s: %s after replay differs (%d bytes, want %d)", who, k, len(got), len(v))
			}
		}
	}
	s2 := mustAOFServer(t, dir)
	check("peregrine", s2.addr)
	s2.srv.Close()
	requireRedisServer(t)
	ref := testutil.StartReference(t, "--dir", dir, "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
	check("redis", ref.Addr)
}
