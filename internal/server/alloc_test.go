package server

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"runtime"
	"testing"
)

// TestHotCommandsDoNotAllocate pipelines GET, SET (same-size overwrite),
// INCR, SADD and ZADD (existing members) over a real connection and checks
// that the server allocates nothing per command: garbage per command is
// what drives the collector's CPU share under load. The client side of the
// measurement is allocation-free (prebuilt batches, one read buffer); the
// bound leaves room for the cron's occasional allocations.
func TestHotCommandsDoNotAllocate(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts need a normal build (not -race, not -short)")
	}
	s := startTestServer(t)
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 1<<16)
	val := bytes.Repeat([]byte{'x'}, 64)
	const n = 1000
	cases := []struct {
		name  string
		cmd   func(i int) string
		lines int // reply lines per command
	}{
		{"SET", func(i int) string { return encodeCommand("SET", fmt.Sprintf("key:%012d", i), string(val)) }, 1},
		{"GET", func(i int) string { return encodeCommand("GET", fmt.Sprintf("key:%012d", i)) }, 2},
		{"INCR", func(i int) string { return encodeCommand("INCR", fmt.Sprintf("ctr:%012d", i)) }, 1},
		{"SADD", func(i int) string { return encodeCommand("SADD", "myset", fmt.Sprintf("member:%d", i)) }, 1},
		{"ZADD", func(i int) string { return encodeCommand("ZADD", "myzset", fmt.Sprint(i%997), fmt.Sprintf("m:%d", i)) }, 1},
	}
	buf := make([]byte, 1<<16)
	for _, tc := range cases {
		var batch []byte
		for i := 0; i < n; i++ {
			batch = append(batch, tc.cmd(i)...)
		}
		run := func(rounds int) {
			for r := 0; r < rounds; r++ {
				if _, err := conn.Write(batch); err != nil {
					t.Fatal(err)
				}
				for got := 0; got < n*tc.lines; {
					m, err := br.Read(buf)
					if err != nil {
						t.Fatal(err)
					}
					got += bytes.Count(buf[:m], []byte{'\n'})
				}
			}
		}
		run(3) // create the keys and members, grow buffers
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const rounds = 20
		run(rounds)
		runtime.ReadMemStats(&after)
		per := float64(after.Mallocs-before.Mallocs) / (rounds * n)
		if per > 0.05 {
			t.Errorf("%s: %.3f allocations per command, want none", tc.name, per)
		}
	}
}

// encodeCommand encodes a command as a RESP array of bulk strings.
func encodeCommand(args ...string) string {
	out := fmt.Sprintf("*%d\r\n", len(args))
	for _, a := range args {
		out += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
	}
	return out
}
