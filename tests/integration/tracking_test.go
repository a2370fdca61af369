package integration

import (
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine/internal/testutil"
)

// trackingTranscript drives client-side caching with two connections: a
// RESP3 tracking client that reads keys directly and through scripts, and a
// writer. It returns everything the tracking client received, one reply or
// push per line, so the same transcript can be compared between servers.
func trackingTranscript(t *testing.T, addr string) string {
	t.Helper()
	a := testutil.Dial(t, addr)
	defer a.Close()
	b := testutil.Dial(t, addr)
	defer b.Close()
	var out []string
	do := func(args ...string) { out = append(out, string(a.Do(args...))) }
	// read collects a push the writer's command caused.
	read := func() {
		r, err := a.ReadReply()
		if err != nil {
			t.Fatalf("reading push: %v (transcript so far %q)", err, out)
		}
		out = append(out, string(r))
	}
	write := func(args ...string) {
		if r := string(b.Do(args...)); r != "+OK\r\n" {
			t.Fatalf("%v = %q", args, r)
		}
	}
	a.Do("HELLO", "3") // server fields differ between servers: not compared
	do("CLIENT", "TRACKING", "on")

	// A plain read is tracked: the writer's SET invalidates it.
	do("GET", "k1")
	write("SET", "k1", "v")
	read()

	// A script that only writes tracks nothing.
	do("EVAL", "redis.call('set', 'k3', 'bar')", "2", "k1", "k2")
	write("MSET", "k1", "2", "k2", "2")
	do("PING")

	// A script that reads tracks every declared key.
	do("EVAL", "return redis.call('get', 'k3')", "2", "k1", "k2")
	write("MSET", "k2", "3", "k1", "3")
	read()
	read()

	// EVAL_RO is readonly, yet tracks only when its script reads.
	do("EVAL_RO", "return redis.call('ping')", "2", "k1", "k2")
	write("MSET", "k1", "4", "k2", "4")
	do("PING")
	do("EVAL_RO", "return redis.call('get', 'k1')", "2", "k1", "k2")
	write("MSET", "k2", "5", "k1", "5")
	read()
	read()
	do("PING")
	return strings.Join(out, "\n")
}

// TestTrackingScripts: client tracking of direct reads and of scripts'
// declared keys (only when the script calls a readonly command), checked
// against the expected pushes and against the reference redis-server.
func TestTrackingScripts(t *testing.T) {
	got := trackingTranscript(t, testutil.StartPeregrine(t))
	inv := func(k string) string { return ">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\n" + k + "\r\n" }
	want := strings.Join([]string{
		"+OK\r\n", "_\r\n", inv("k1"),
		"_\r\n", "+PONG\r\n",
		"$3\r\nbar\r\n", inv("k2"), inv("k1"),
		"+PONG\r\n", "+PONG\r\n",
		"$1\r\n4\r\n", inv("k2"), inv("k1"), "+PONG\r\n",
	}, "\n")
	if got != want {
		t.Fatalf("transcript\n%q\nwant\n%q", got, want)
	}
	t.Run("reference", func(t *testing.T) {
		ref := testutil.StartReference(t)
		if refGot := trackingTranscript(t, ref.Addr); refGot != got {
			t.Fatalf("redis-server transcript\n%q\nperegrine\n%q", refGot, got)
		}
	})
}
