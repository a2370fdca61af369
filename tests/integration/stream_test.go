package integration

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestStreamBasics drives the stream commands through go-redis in RESP2
// and RESP3: the client decodes both reply shapes into the same values.
func TestStreamBasics(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("resp", proto), func(t *testing.T) {
			c, _ := newClient(t, proto)
			ctx := ctxT(t)
			for i := 1; i <= 10; i++ {
				id, err := c.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: fmt.Sprintf("%d-1", i), Values: []string{"n", fmt.Sprint(i)}}).Result()
				if err != nil || id != fmt.Sprintf("%d-1", i) {
					t.Fatalf("XADD: %q %v", id, err)
				}
			}
			auto, err := c.XAdd(ctx, &redis.XAddArgs{Stream: "s", Values: map[string]any{"n": "auto"}}).Result()
			if err != nil || !strings.HasSuffix(auto, "-0") {
				t.Fatalf("XADD *: %q %v", auto, err)
			}
			if n := c.XLen(ctx, "s").Val(); n != 11 {
				t.Fatalf("XLEN %d", n)
			}
			msgs, err := c.XRangeN(ctx, "s", "(2-1", "+", 3).Result()
			if err != nil || len(msgs) != 3 || msgs[0].ID != "3-1" || msgs[0].Values["n"] != "3" {
				t.Fatalf("XRANGE: %v %v", msgs, err)
			}
			rev, _ := c.XRevRangeN(ctx, "s", "+", "-", 1).Result()
			if len(rev) != 1 || rev[0].ID != auto {
				t.Fatalf("XREVRANGE: %v", rev)
			}
			if n := c.XTrimMaxLen(ctx, "s", 5).Val(); n != 6 {
				t.Fatalf("XTRIM removed %d", n)
			}
			if n := c.XDel(ctx, "s", "7-1", "1-1").Val(); n != 1 {
				t.Fatalf("XDEL %d", n)
			}
			streams, err := c.XRead(ctx, &redis.XReadArgs{Streams: []string{"s", "0"}, Count: 2}).Result()
			if err != nil || len(streams) != 1 || len(streams[0].Messages) != 2 || streams[0].Messages[0].ID != "8-1" {
				t.Fatalf("XREAD: %v %v", streams, err)
			}
			if typ := c.Type(ctx, "s").Val(); typ != "stream" {
				t.Fatalf("TYPE %q", typ)
			}
			if enc := c.ObjectEncoding(ctx, "s").Val(); enc != "stream" {
				t.Fatalf("OBJECT ENCODING %q", enc)
			}
			if mem := c.MemoryUsage(ctx, "s").Val(); mem <= 0 {
				t.Fatalf("MEMORY USAGE %d", mem)
			}
			info, err := c.XInfoStream(ctx, "s").Result()
			if err != nil || info.Length != 4 || info.LastGeneratedID != auto || info.MaxDeletedEntryID != "7-1" {
				t.Fatalf("XINFO STREAM: %+v %v", info, err)
			}
		})
	}
}

// TestStreamConsumerGroups covers a group's life: reads with ">",
// history, acknowledgements, claims, XINFO and the lag.
func TestStreamConsumerGroups(t *testing.T) {
	c, _ := newClient(t, 3)
	ctx := ctxT(t)
	if err := c.XGroupCreateMkStream(ctx, "q", "workers", "$").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.XGroupCreate(ctx, "q", "workers", "$").Err(); err == nil || !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		t.Fatalf("duplicate group: %v", err)
	}
	for i := 1; i <= 6; i++ {
		c.XAdd(ctx, &redis.XAddArgs{Stream: "q", ID: fmt.Sprintf("%d-0", i), Values: []string{"job", fmt.Sprint(i)}})
	}
	read := func(consumer string, count int64, id string) []redis.XMessage {
		t.Helper()
		res, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: consumer, Streams: []string{"q", id}, Count: count}).Result()
		if err != nil {
			t.Fatalf("XREADGROUP %s: %v", consumer, err)
		}
		return res[0].Messages
	}
	if m := read("alice", 4, ">"); len(m) != 4 || m[3].ID != "4-0" {
		t.Fatalf("alice got %v", m)
	}
	if m := read("bob", 0, ">"); len(m) != 2 || m[0].ID != "5-0" {
		t.Fatalf("bob got %v", m)
	}
	if m := read("alice", 0, "2-0"); len(m) != 2 || m[0].ID != "3-0" {
		t.Fatalf("alice's history after 2-0: %v", m)
	}
	if n := c.XAck(ctx, "q", "workers", "1-0", "2-0", "9-0").Val(); n != 2 {
		t.Fatalf("XACK %d", n)
	}
	sum, err := c.XPending(ctx, "q", "workers").Result()
	if err != nil || sum.Count != 4 || sum.Lower != "3-0" || sum.Higher != "6-0" || sum.Consumers["alice"] != 2 || sum.Consumers["bob"] != 2 {
		t.Fatalf("XPENDING: %+v %v", sum, err)
	}
	ext, err := c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "q", Group: "workers", Start: "-", End: "+", Count: 10, Consumer: "bob"}).Result()
	if err != nil || len(ext) != 2 || ext[0].RetryCount != 1 {
		t.Fatalf("XPENDING bob: %v %v", ext, err)
	}
	claimed, err := c.XClaimJustID(ctx, &redis.XClaimArgs{Stream: "q", Group: "workers", Consumer: "carol", Messages: []string{"5-0"}}).Result()
	if err != nil || len(claimed) != 1 || claimed[0] != "5-0" {
		t.Fatalf("XCLAIM: %v %v", claimed, err)
	}
	msgs, next, err := c.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: "q", Group: "workers", Consumer: "dave", Start: "0", Count: 1}).Result()
	if err != nil || len(msgs) != 1 || msgs[0].ID != "3-0" || next != "4-0" {
		t.Fatalf("XAUTOCLAIM: %v %q %v", msgs, next, err)
	}
	groups, err := c.XInfoGroups(ctx, "q").Result()
	if err != nil || len(groups) != 1 || groups[0].Pending != 4 || groups[0].Consumers != 4 || groups[0].EntriesRead != 6 || groups[0].Lag != 0 {
		t.Fatalf("XINFO GROUPS: %+v %v", groups, err)
	}
	consumers, err := c.XInfoConsumers(ctx, "q", "workers").Result()
	if err != nil || len(consumers) != 4 || consumers[0].Name != "alice" || consumers[0].Pending != 1 {
		t.Fatalf("XINFO CONSUMERS: %+v %v", consumers, err)
	}
	if _, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "nope", Consumer: "x", Streams: []string{"q", ">"}}).Result(); err == nil || !strings.HasPrefix(err.Error(), "NOGROUP") {
		t.Fatalf("unknown group: %v", err)
	}
}

// TestStreamBlockingReaders parks several XREAD and XREADGROUP clients and
// checks who is woken by which XADD.
func TestStreamBlockingReaders(t *testing.T) {
	c, addr := newClient(t, 2)
	ctx := ctxT(t)
	c.XGroupCreateMkStream(ctx, "ev", "g", "$")

	type result struct {
		who  string
		msgs []redis.XMessage
		err  error
	}
	results := make(chan result, 8)
	var wg sync.WaitGroup
	var clients []*redis.Client
	newBC := func() *redis.Client {
		bc := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
		clients = append(clients, bc)
		return bc
	}
	defer func() {
		for _, bc := range clients {
			bc.Close()
		}
	}()
	// Two XREAD $ readers both see the first entry.
	for i := 0; i < 2; i++ {
		bc := newBC()
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, err := bc.XRead(ctx, &redis.XReadArgs{Streams: []string{"ev", "$"}, Block: 0}).Result()
			r := result{who: fmt.Sprint("xread", i), err: err}
			if err == nil {
				r.msgs = res[0].Messages
			}
			results <- r
		}(i)
		waitBlocked(t, c, int64(i+1))
	}
	// Two group consumers: each entry goes to one of them.
	for i := 0; i < 2; i++ {
		bc := newBC()
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, err := bc.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: fmt.Sprint("c", i), Streams: []string{"ev", ">"}, Block: 0}).Result()
			r := result{who: fmt.Sprint("group", i), err: err}
			if err == nil {
				r.msgs = res[0].Messages
			}
			results <- r
		}(i)
		waitBlocked(t, c, int64(3+i))
	}
	c.XAdd(ctx, &redis.XAddArgs{Stream: "ev", ID: "1-0", Values: []string{"a", "1"}})
	got := map[string]string{}
	for i := 0; i < 3; i++ {
		select {
		case r := <-results:
			if r.err != nil || len(r.msgs) != 1 {
				t.Fatalf("%s: %v %v", r.who, r.msgs, r.err)
			}
			got[r.who] = r.msgs[0].ID
		case <-time.After(5 * time.Second):
			t.Fatalf("only %v were served", got)
		}
	}
	if got["xread0"] != "1-0" || got["xread1"] != "1-0" || got["group0"] != "1-0" {
		t.Fatalf("served %v; want both XREADs and the first group consumer", got)
	}
	if n := blockedClients(t, c); n != 1 {
		t.Fatalf("blocked_clients = %d, want the second consumer still parked", n)
	}
	c.XAdd(ctx, &redis.XAddArgs{Stream: "ev", ID: "2-0", Values: []string{"a", "2"}})
	select {
	case r := <-results:
		if r.who != "group1" || r.err != nil || len(r.msgs) != 1 || r.msgs[0].ID != "2-0" {
			t.Fatalf("second entry: %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second consumer never served")
	}

	// Deleting the key fails a parked XREADGROUP, and a timeout answers nil.
	bc := newBC()
	errc := make(chan error, 1)
	go func() {
		_, err := bc.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "z", Streams: []string{"ev", ">"}, Block: 0}).Result()
		errc <- err
	}()
	waitBlocked(t, c, 1)
	c.Del(ctx, "ev")
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "no longer exists") {
			t.Fatalf("deleted key: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("XREADGROUP not unblocked by DEL")
	}
	start := time.Now()
	if _, err := c.XRead(ctx, &redis.XReadArgs{Streams: []string{"none", "$"}, Block: 100 * time.Millisecond}).Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("XREAD timeout: %v", err)
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("XREAD BLOCK 100 returned after %v", d)
	}
	wg.Wait()
}

// TestStreamKeyspaceEvents checks the events stream commands publish.
func TestStreamKeyspaceEvents(t *testing.T) {
	c, addr := newClient(t, 2)
	ctx := ctxT(t)
	c.ConfigSet(ctx, "notify-keyspace-events", "Et")
	sub := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer sub.Close()
	ps := sub.PSubscribe(ctx, "__keyevent@0__:*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	c.XAdd(ctx, &redis.XAddArgs{Stream: "k", ID: "1-0", Values: []string{"a", "1"}})
	c.XAdd(ctx, &redis.XAddArgs{Stream: "k", ID: "2-0", MaxLen: 1, Values: []string{"a", "1"}})
	c.XDel(ctx, "k", "2-0")
	c.XGroupCreate(ctx, "k", "g", "0")
	c.XGroupCreateConsumer(ctx, "k", "g", "c")
	c.XGroupDelConsumer(ctx, "k", "g", "c")
	c.XGroupSetID(ctx, "k", "g", "0")
	c.XGroupDestroy(ctx, "k", "g")
	c.Do(ctx, "XSETID", "k", "5-0")
	c.XTrimMaxLen(ctx, "k", 0)
	want := []string{"xadd", "xadd", "xtrim", "xdel", "xgroup-create", "xgroup-createconsumer",
		"xgroup-delconsumer", "xgroup-setid", "xgroup-destroy", "xsetid"}
	for _, w := range want {
		m, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev := strings.TrimPrefix(m.Channel, "__keyevent@0__:"); ev != w {
			t.Fatalf("event %q, want %q", ev, w)
		}
	}
}
