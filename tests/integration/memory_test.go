package integration

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestIdleServerDropsGarbage overwrites one key with 1 MB values 80 times
// (80 MB of garbage, 1 MB of data) in a server process of its own, then
// stays quiet: within two seconds INFO's used_memory must come down to
// about the data, as Redis's does at once (idle_gc.go). The process runs
// with GOGC=off so that only the idle collection can free the garbage
// (otherwise whether a collection happens to follow the burst is timing).
func TestIdleServerDropsGarbage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server binary")
	}
	bin := buildPeregrine(t)
	t.Setenv("GOGC", "off")
	_, addr := startProcess(t, bin, t.TempDir())
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	ctx := context.Background()
	value := strings.Repeat("v", 1<<20)
	for i := 0; i < 80; i++ {
		if err := c.Set(ctx, "big", value, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	used := func() int64 {
		info, err := c.Info(ctx, "memory").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		t.Fatal("no used_memory in INFO")
		return 0
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		time.Sleep(700 * time.Millisecond) // quiet: INFO itself is a command
		u := used()
		if u < 12<<20 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("used_memory still %d bytes after the server went idle, for 1 MB of data", u)
		}
	}
}
