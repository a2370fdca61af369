package integration

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// TestPubSubDelivery: several subscribers (channel and pattern, RESP2 and
// RESP3) receive every message of a publisher in order; PUBLISH counts the
// receivers.
func TestPubSubDelivery(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			pub, addr := newClient(t, proto)
			ctx := ctxT(t)
			subOpts := &redis.Options{Addr: addr, Protocol: proto, DisableIdentity: true}
			c1 := redis.NewClient(subOpts)
			defer c1.Close()
			c2 := redis.NewClient(subOpts)
			defer c2.Close()
			ch := c1.Subscribe(ctx, "cable:room1")
			defer ch.Close()
			pat := c2.PSubscribe(ctx, "cable:*")
			defer pat.Close()
			if _, err := ch.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := pat.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			const n = 200
			for i := 0; i < n; i++ {
				got, err := pub.Publish(ctx, "cable:room1", fmt.Sprint(i)).Result()
				if err != nil || got != 2 {
					t.Fatalf("PUBLISH #%d = %d, %v; want 2 receivers", i, got, err)
				}
			}
			for i := 0; i < n; i++ {
				m, err := ch.ReceiveMessage(ctx)
				if err != nil || m.Payload != fmt.Sprint(i) || m.Channel != "cable:room1" {
					t.Fatalf("channel subscriber message %d = %+v, %v", i, m, err)
				}
				pm, err := pat.ReceiveMessage(ctx)
				if err != nil || pm.Payload != fmt.Sprint(i) || pm.Pattern != "cable:*" {
					t.Fatalf("pattern subscriber message %d = %+v, %v", i, pm, err)
				}
			}
			if got := pub.PubSubNumSub(ctx, "cable:room1").Val()["cable:room1"]; got != 1 {
				t.Fatalf("NUMSUB = %d", got)
			}
			if got := pub.PubSubNumPat(ctx).Val(); got != 1 {
				t.Fatalf("NUMPAT = %d", got)
			}
		})
	}
}

// TestKeyspaceNotifications checks the __keyspace@ and __keyevent@ channels,
// class filtering, and expired events for keys nobody reads.
func TestKeyspaceNotifications(t *testing.T) {
	c, addr := newClient(t, 2)
	ctx := ctxT(t)
	if err := c.ConfigSet(ctx, "notify-keyspace-events", "KEA").Err(); err != nil {
		t.Fatal(err)
	}
	sc := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer sc.Close()
	sub := sc.PSubscribe(ctx, "__key*__:*")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "session:1", "x", 0)
	c.Incr(ctx, "rate:1")
	c.PExpire(ctx, "rate:1", 50*time.Millisecond)
	c.Del(ctx, "session:1")
	want := []string{
		"__keyspace@0__:session:1 set", "__keyevent@0__:set session:1",
		"__keyspace@0__:rate:1 incrby", "__keyevent@0__:incrby rate:1",
		"__keyspace@0__:rate:1 expire", "__keyevent@0__:expire rate:1",
		"__keyspace@0__:session:1 del", "__keyevent@0__:del session:1",
		// nobody reads rate:1: active expiry must still report it
		"__keyspace@0__:rate:1 expired", "__keyevent@0__:expired rate:1",
	}
	for i, w := range want {
		m, err := sub.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Channel + " " + m.Payload; got != w {
			t.Fatalf("event %d = %q, want %q", i, got, w)
		}
	}
	// Only the selected classes are published.
	c.ConfigSet(ctx, "notify-keyspace-events", "Eg")
	c.Set(ctx, "a", "1", 0) // string class: not selected
	c.Del(ctx, "a")         // generic: selected
	m, err := sub.ReceiveMessage(ctx)
	if err != nil || m.Channel != "__keyevent@0__:del" || m.Payload != "a" {
		t.Fatalf("filtered event = %+v, %v", m, err)
	}
}

// TestSlowSubscriberIsDisconnected: a subscriber that does not read is cut
// off at client-output-buffer-limit pubsub instead of growing memory.
func TestSlowSubscriberIsDisconnected(t *testing.T) {
	addr := testutil.StartPeregrine(t, "--client-output-buffer-limit", "pubsub 256kb 128kb 60")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("SUBSCRIBE flood\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if _, err := conn.Read(buf); err != nil || !strings.Contains(string(buf), "subscribe") {
		t.Fatalf("subscribe reply %q, %v", buf, err)
	}
	pub := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer pub.Close()
	ctx := ctxT(t)
	payload := strings.Repeat("x", 64<<10)
	receivers := int64(1)
	for i := 0; i < 2000 && receivers > 0; i++ {
		receivers = pub.Publish(ctx, "flood", payload).Val()
	}
	if receivers != 0 {
		t.Fatal("a subscriber that never reads was never disconnected")
	}
}
