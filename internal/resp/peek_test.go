package resp

import (
	"bytes"
	"testing"
)

// TestPeekKeys: the lookahead reports the second argument of each complete
// multibulk request after the one returned, stops at an incomplete,
// inline or malformed one and at max, and consumes nothing.
func TestPeekKeys(t *testing.T) {
	in := "*2\r\n$3\r\nGET\r\n$1\r\na\r\n" +
		"*3\r\n$3\r\nSET\r\n$2\r\nbb\r\n$1\r\nv\r\n" +
		"*1\r\n$4\r\nPING\r\n" +
		"*2\r\n$4\r\nINCR\r\n$3\r\nccc\r\n" +
		"*2\r\n$3\r\nGET\r\n$5\r\ndd" // incomplete
	r := NewReader(bytes.NewReader([]byte(in)))
	if err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	args, ok, err := r.Next()
	if !ok || err != nil || string(args[1]) != "a" {
		t.Fatalf("first request: %q %v %v", args, ok, err)
	}
	var keys []string
	n := r.PeekKeys(8, func(args [][]byte) {
		if len(args) >= 2 {
			keys = append(keys, string(args[1]))
		}
	})
	if n != 3 || len(keys) != 2 || keys[0] != "bb" || keys[1] != "ccc" {
		t.Fatalf("PeekKeys: %d requests, keys %q", n, keys)
	}
	if n := r.PeekKeys(1, func([][]byte) {}); n != 1 {
		t.Fatalf("PeekKeys(1) looked at %d requests", n)
	}
	// Nothing was consumed: the requests still come out in order.
	for _, want := range []string{"SET", "PING", "INCR"} {
		args, ok, err := r.Next()
		if !ok || err != nil || string(args[0]) != want {
			t.Fatalf("after PeekKeys: %q %v %v, want %s", args, ok, err, want)
		}
	}
	for _, bad := range []string{"PING\r\n", "*2\r\n$3\r\nGET\r\n+x\r\n", "*x\r\n", "*2\r\n$-1\r\n", "*99999999999999999999\r\n"} {
		r := NewReader(bytes.NewReader([]byte("*1\r\n$4\r\nPING\r\n" + bad)))
		if err := r.Fill(); err != nil {
			t.Fatal(err)
		}
		r.Next()
		if n := r.PeekKeys(8, func([][]byte) { t.Errorf("%q: a request reported", bad) }); n != 0 {
			t.Errorf("%q: PeekKeys looked at %d requests", bad, n)
		}
	}
}

// TestShrinkDropsArgumentReferences: once the buffer is given back, the
// reused argument slices no longer point into it (they would keep a big
// request's buffer alive: a replica held 32 MB that way).
func TestShrinkDropsArgumentReferences(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1<<20)
	in := []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n" + string(big) + "\r\n")
	r := NewReader(bytes.NewReader(in))
	r.Authenticated, r.MaxBulk, r.MaxQuery = true, 1<<30, 1<<30
	for {
		if _, ok, err := r.Next(); err != nil {
			t.Fatal(err)
		} else if ok {
			break
		}
		if err := r.Fill(); err != nil {
			t.Fatal(err)
		}
	}
	r.Shrink(1024)
	for i, a := range r.args[:cap(r.args)] {
		if a != nil {
			t.Fatalf("argument slot %d still refers to the old buffer", i)
		}
	}
}
