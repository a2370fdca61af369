package server

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listField returns a CLIENT LIST field of the client named name ("" when
// no such client is listed).
func listField(t *testing.T, c *testConn, name, field string) string {
	t.Helper()
	for _, line := range strings.Split(c.do("CLIENT", "LIST").String(), "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		m := regexp.MustCompile(" " + field + `=(\S+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no %s in %q", field, line)
		}
		return m[1]
	}
	return ""
}

func infoInt(t *testing.T, c *testConn, field string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(infoValue(c, field), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", field, err)
	}
	return v
}

// waitUntil polls cond for up to 5 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestClientMemoryQueryBuffer checks that a pending request shows in the
// client's tot-mem, in mem_clients_normal and in used_memory at once, and
// leaves them when the client goes.
func TestClientMemoryQueryBuffer(t *testing.T) {
	s := startTestServer(t)
	ctl := dialTest(t, s)
	mustStr(t, ctl.do("CONFIG", "SET", "maxmemory", "1gb"), "OK") // anchored by the cron only
	c := dialTest(t, s)
	mustStr(t, c.do("CLIENT", "SETNAME", "big"), "OK")
	baseUsed, baseClients := usedMemoryOf(t, ctl), infoInt(t, ctl, "mem_clients_normal")
	const n = 2 << 20
	// An incomplete request: the argument's bytes wait in the query buffer.
	if _, err := fmt.Fprintf(c.conn, "*2\r\n$%d\r\n%s", n, strings.Repeat("v", n)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "qbuf", func() bool { return listField(t, ctl, "big", "qbuf") == strconv.Itoa(n) })
	tot, _ := strconv.ParseInt(listField(t, ctl, "big", "tot-mem"), 10, 64)
	if tot < n || tot > 2*n {
		t.Fatalf("tot-mem %d with %d bytes pending (qbuf-free %s)", tot, n, listField(t, ctl, "big", "qbuf-free"))
	}
	// (less the 16 KB buffer the big one replaced)
	if d := infoInt(t, ctl, "mem_clients_normal") - baseClients; d < n-32<<10 {
		t.Fatalf("mem_clients_normal rose by %d", d)
	}
	if d := usedMemoryOf(t, ctl) - baseUsed; d < n-32<<10 {
		t.Fatalf("used_memory rose by %d", d)
	}
	c.conn.Close()
	waitUntil(t, "the client's memory to leave the totals", func() bool {
		return infoInt(t, ctl, "mem_clients_normal") <= baseClients
	})
}

// TestClientEvictionLargest checks maxmemory-clients: the largest clients
// go first and only until the total is within the limit; CLIENT NO-EVICT
// exempts a client; INFO counts the evictions.
func TestClientEvictionLargest(t *testing.T) {
	s := startTestServer(t)
	ctl := dialTest(t, s)
	mustStr(t, ctl.do("CLIENT", "SETNAME", "control"), "OK")
	mustStr(t, ctl.do("CLIENT", "NO-EVICT", "on"), "OK")
	sizes := []int{64 << 10, 512 << 10, 2 << 20}
	var conns []*testConn
	for i, size := range sizes {
		c := dialTest(t, s)
		conns = append(conns, c)
		name := fmt.Sprintf("c%d", i)
		mustStr(t, c.do("CLIENT", "SETNAME", name), "OK")
		if _, err := fmt.Fprintf(c.conn, "*2\r\n$%d\r\n%s", size, strings.Repeat("v", size)); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, name+"'s qbuf", func() bool { return listField(t, ctl, name, "qbuf") == strconv.Itoa(size) })
	}
	// An exempt client as big as the largest one stays.
	exempt := dialTest(t, s)
	mustStr(t, exempt.do("CLIENT", "SETNAME", "exempt"), "OK")
	mustStr(t, exempt.do("CLIENT", "NO-EVICT", "on"), "OK")
	if _, err := fmt.Fprintf(exempt.conn, "*2\r\n$%d\r\n%s", 4<<20, strings.Repeat("v", 4<<20)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "exempt's qbuf", func() bool { return listField(t, ctl, "exempt", "qbuf") == strconv.Itoa(4<<20) })
	mem := func(name string) int64 {
		v, _ := strconv.ParseInt(listField(t, ctl, name, "tot-mem"), 10, 64)
		return v
	}
	m0, m1, m2 := mem("c0"), mem("c1"), mem("c2")
	if !(m0 < m1 && m1 < m2) {
		t.Fatalf("tot-mem of the clients: %d %d %d", m0, m1, m2)
	}
	total := infoInt(t, ctl, "mem_clients_normal")
	// Room for everything but the largest evictable client (with some
	// slack: the control client's reply buffer may grow meanwhile).
	const slack = 64 << 10
	mustStr(t, ctl.do("CONFIG", "SET", "maxmemory-clients", strconv.FormatInt(total-m2+slack, 10)), "OK")
	if listField(t, ctl, "c2", "tot-mem") != "" || listField(t, ctl, "c1", "tot-mem") == "" ||
		listField(t, ctl, "exempt", "tot-mem") == "" {
		t.Fatalf("after the first limit: %s", ctl.do("CLIENT", "LIST").String())
	}
	mustStr(t, ctl.do("CONFIG", "SET", "maxmemory-clients", strconv.FormatInt(total-m2-m1+slack, 10)), "OK")
	if listField(t, ctl, "c1", "tot-mem") != "" || listField(t, ctl, "c0", "tot-mem") == "" {
		t.Fatalf("after the second limit: %s", ctl.do("CLIENT", "LIST").String())
	}
	if n := infoInt(t, ctl, "evicted_clients"); n != 2 {
		t.Fatalf("evicted_clients = %d, want 2", n)
	}
	// The evicted clients' connections are closed.
	for _, c := range conns[1:] {
		if _, err := c.read(); err == nil {
			t.Fatal("an evicted client's connection is still open")
		}
	}
}

// TestClientEvictionOutput checks that replies a client does not read wait
// in its outbox (the connection keeps running its commands), count in its
// memory, and get it evicted past maxmemory-clients.
func TestClientEvictionOutput(t *testing.T) {
	s := startTestServer(t)
	ctl := dialTest(t, s)
	mustStr(t, ctl.do("CLIENT", "NO-EVICT", "on"), "OK")
	mustInt(t, ctl.do("SETRANGE", "k", strconv.Itoa(1<<20), "v"), 1<<20+1)
	c := dialTest(t, s)
	mustStr(t, c.do("CLIENT", "SETNAME", "reader"), "OK")
	for i := 0; i < 30; i++ {
		c.send("GET", "k")
	}
	waitUntil(t, "pending output", func() bool {
		v, _ := strconv.ParseInt(listField(t, ctl, "reader", "tot-mem"), 10, 64)
		return v > 10<<20
	})
	mustStr(t, ctl.do("CONFIG", "SET", "maxmemory-clients", "1mb"), "OK")
	waitUntil(t, "the eviction", func() bool { return listField(t, ctl, "reader", "tot-mem") == "" })
	waitUntil(t, "the totals to drop", func() bool { return infoInt(t, ctl, "mem_clients_normal") < 1<<20 })
}

// TestClientMemoryPubsubCountsForMaxmemory checks that subscribers'
// pending messages count in used_memory, so keys are evicted for them.
func TestClientMemoryPubsubCountsForMaxmemory(t *testing.T) {
	s := startTestServer(t)
	ctl := dialTest(t, s)
	mustStr(t, ctl.do("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"), "OK")
	for i := 0; i < 50; i++ {
		mustInt(t, ctl.do("SETRANGE", strconv.Itoa(i), "100000", "x"), 100001)
	}
	used := usedMemoryOf(t, ctl)
	mustStr(t, ctl.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(used+2<<20, 10)), "OK")
	for i := 0; i < 5; i++ {
		sub := dialTest(t, s)
		sub.do("SUBSCRIBE", "ch") // and never read again
	}
	msg := strings.Repeat("x", 100000)
	for i := 0; i < 400 && infoInt(t, ctl, "evicted_keys") == 0; i++ {
		ctl.do("PUBLISH", "ch", msg)
	}
	if infoInt(t, ctl, "evicted_keys") == 0 {
		t.Fatalf("no key evicted; mem_clients_normal %d", infoInt(t, ctl, "mem_clients_normal"))
	}
}
