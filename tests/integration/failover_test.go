package integration

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// replInfo reads one field of INFO replication.
func replInfo(ctx context.Context, c *redis.Client, field string) string {
	return infoField(c.Info(ctx, "replication").Val(), field)
}

// roleOf is the first element of ROLE.
func roleOf(ctx context.Context, c *redis.Client) string {
	r, _ := c.Do(ctx, "ROLE").Slice()
	if len(r) == 0 {
		return ""
	}
	s, _ := r[0].(string)
	return s
}

// TestFailoverSwapsRoles runs FAILOVER TO between Peregrine servers: the
// master hands over to its caught-up replica with a partial resync, the
// roles swap, a write held by the failover's pause is refused as on a
// replica, data flows from the new master to the old one and on to the
// old master's other replica, and FAILOVER without a target swaps back.
func TestFailoverSwapsRoles(t *testing.T) {
	ctx := ctxT(t)
	aAddr := testutil.StartPeregrine(t)
	_, aPort, _ := net.SplitHostPort(aAddr)
	bAddr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", aPort)
	_, bPort, _ := net.SplitHostPort(bAddr)
	cAddr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", aPort)
	a := redis.NewClient(&redis.Options{Addr: aAddr})
	b := redis.NewClient(&redis.Options{Addr: bAddr})
	c := redis.NewClient(&redis.Options{Addr: cAddr})
	for _, cl := range []*redis.Client{a, b, c} {
		defer cl.Close()
	}
	for _, r := range []*redis.Client{b, c} {
		waitFor(t, func() bool { return replInfo(ctx, r, "master_link_status") == "up" })
	}
	for i := 0; i < 50; i++ {
		a.Set(ctx, "k"+strconv.Itoa(i), i, 0)
	}
	fullBefore, _ := strconv.Atoi(infoField(b.Info(ctx, "stats").Val(), "sync_full"))

	// The replica side refuses a handshake that is not from its master.
	if err := b.Do(ctx, "FAILOVER").Err(); err == nil || err.Error() != "ERR FAILOVER is not valid when server is a replica." {
		t.Errorf("FAILOVER on a replica: %v", err)
	}
	if err := b.Do(ctx, "PSYNC", "0123456789012345678901234567890123456789", "1", "FAILOVER").Err(); err == nil ||
		err.Error() != "ERR PSYNC FAILOVER replid must match my replid." {
		t.Errorf("PSYNC FAILOVER with another replid: %v", err)
	}

	if err := a.Do(ctx, "FAILOVER", "TO", "127.0.0.1", bPort).Err(); err != nil {
		t.Fatalf("FAILOVER TO: %v", err)
	}
	// Sent after FAILOVER answered: it is held by the pause or finds a
	// replica, and either way must not be applied on the old master.
	if err := a.Set(ctx, "held", "x", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "READONLY") {
		t.Errorf("write during the failover: %v, want READONLY", err)
	}
	waitFor(t, func() bool { return replInfo(ctx, a, "master_failover_state") == "no-failover" })
	if got := roleOf(ctx, a); got != "slave" {
		t.Fatalf("old master's ROLE = %q", got)
	}
	if got := roleOf(ctx, b); got != "master" {
		t.Fatalf("target's ROLE = %q", got)
	}
	if got := replInfo(ctx, a, "master_port"); got != bPort {
		t.Errorf("old master replicates from port %s, want %s", got, bPort)
	}
	waitFor(t, func() bool { return replInfo(ctx, a, "master_link_status") == "up" })
	stats := b.Info(ctx, "stats").Val()
	if got := infoField(stats, "sync_partial_ok"); got != "1" {
		t.Errorf("new master sync_partial_ok = %s, want 1 (the old master continued)", got)
	}
	if got, _ := strconv.Atoi(infoField(stats, "sync_full")); got != fullBefore {
		t.Errorf("new master sync_full went %d -> %d", fullBefore, got)
	}
	if got := a.Exists(ctx, "held").Val(); got != 0 {
		t.Errorf("the held write was applied on the old master")
	}

	// Data flows from the new master through the old one to its replica.
	if err := b.Set(ctx, "after", "1", 0).Err(); err != nil {
		t.Fatalf("write on the new master: %v", err)
	}
	waitFor(t, func() bool { return a.Get(ctx, "after").Val() == "1" && c.Get(ctx, "after").Val() == "1" })
	waitFor(t, func() bool {
		d := b.Do(ctx, "DEBUG", "DIGEST").Val()
		return d == a.Do(ctx, "DEBUG", "DIGEST").Val() && d == c.Do(ctx, "DEBUG", "DIGEST").Val()
	})

	// And back, to whichever replica is caught up (the old master is
	// the new master's only direct replica).
	if err := b.Do(ctx, "FAILOVER").Err(); err != nil {
		t.Fatalf("FAILOVER back: %v", err)
	}
	waitFor(t, func() bool { return replInfo(ctx, b, "master_failover_state") == "no-failover" })
	if ra, rb := roleOf(ctx, a), roleOf(ctx, b); ra != "master" || rb != "slave" {
		t.Fatalf("after failing back: ROLE a=%q b=%q", ra, rb)
	}
	if err := a.Set(ctx, "back", "1", 0).Err(); err != nil {
		t.Fatalf("write after failing back: %v", err)
	}
	waitFor(t, func() bool { return b.Get(ctx, "back").Val() == "1" && c.Get(ctx, "back").Val() == "1" })
}

// TestFailoverWaitAbortTimeout uses a replica that never acknowledges
// (a raw SYNC connection), so the failover stays waiting: writes wait,
// reads do not, CLIENT UNPAUSE does not end the failover's pause, ABORT
// and the TIMEOUT end it, and the server stays a master.
func TestFailoverWaitAbortTimeout(t *testing.T) {
	ctx := ctxT(t)
	addr := testutil.StartPeregrine(t)
	m := redis.NewClient(&redis.Options{Addr: addr})
	defer m.Close()
	m.Set(ctx, "k", "v", 0)
	_ = attachReplStream(t, addr)
	waitFor(t, func() bool { return replInfo(ctx, m, "connected_slaves") == "1" })

	if err := m.Do(ctx, "FAILOVER", "TO", "127.0.0.1", "1").Err(); err == nil || err.Error() != "ERR FAILOVER target HOST and PORT is not a replica." {
		t.Errorf("FAILOVER to an unknown replica: %v", err)
	}
	if err := m.Do(ctx, "FAILOVER", "TIMEOUT", "60000").Err(); err != nil {
		t.Fatalf("FAILOVER: %v", err)
	}
	if got := replInfo(ctx, m, "master_failover_state"); got != "waiting-for-sync" {
		t.Fatalf("master_failover_state = %q", got)
	}
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"FAILOVER"}, "ERR FAILOVER already in progress."},
		{[]any{"REPLICAOF", "127.0.0.1", "1"}, "ERR REPLICAOF not allowed while failing over."},
	} {
		if err := m.Do(ctx, tc.args...).Err(); err == nil || err.Error() != tc.want {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if got := m.Get(ctx, "k").Val(); got != "v" {
		t.Errorf("GET during the failover = %q", got)
	}
	m.Do(ctx, "CLIENT", "UNPAUSE") // CLIENT UNPAUSE ends only a client pause

	w := redis.NewClient(&redis.Options{Addr: addr})
	defer w.Close()
	done := make(chan error, 1)
	go func() { done <- w.Set(context.Background(), "k", "w", 0).Err() }()
	select {
	case err := <-done:
		t.Fatalf("a write ran during the failover: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := m.Do(ctx, "FAILOVER", "ABORT").Err(); err != nil {
		t.Fatalf("FAILOVER ABORT: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("held write after ABORT: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the held write did not run after ABORT")
	}
	if got := replInfo(ctx, m, "master_failover_state"); got != "no-failover" {
		t.Errorf("after ABORT: master_failover_state = %q", got)
	}

	// A timeout without FORCE gives up and stays master.
	start := time.Now()
	if err := m.Do(ctx, "FAILOVER", "TIMEOUT", "200").Err(); err != nil {
		t.Fatalf("FAILOVER TIMEOUT 200: %v", err)
	}
	waitFor(t, func() bool { return replInfo(ctx, m, "master_failover_state") == "no-failover" })
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("the failover ended after %v, before its timeout", d)
	}
	if got := roleOf(ctx, m); got != "master" {
		t.Errorf("ROLE after the timeout = %q", got)
	}
	if err := m.Set(ctx, "k", "after", 0).Err(); err != nil {
		t.Errorf("write after the timeout: %v", err)
	}
}
