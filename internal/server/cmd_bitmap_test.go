package server

import (
	"fmt"
	"math"
	"math/big"
	mrand "math/rand"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// bitEvent is one change reported through the keyspace hook.
type bitEvent struct{ key, event string }

// recordChanges wraps the server's change hook to record every event; the
// returned function reads (and clears) the record. Both run under the
// keyspace lock, as commands do.
func recordChanges(s *Server) func() []bitEvent {
	var got []bitEvent
	s.ks.Lock()
	s.ks.SetHook(func(db *keyspace.DB, key []byte, class int, event string) {
		if class != keyspace.NotifyNew { // creation events are tested elsewhere
			got = append(got, bitEvent{string(key), event})
		}
		s.keyChanged(db, key, class, event)
	})
	s.ks.Unlock()
	return func() []bitEvent {
		s.ks.Lock()
		defer s.ks.Unlock()
		out := got
		got = nil
		return out
	}
}

// dirty reads the server's change counter.
func dirty(s *Server) int64 {
	s.ks.Lock()
	defer s.ks.Unlock()
	return s.ks.Dirty
}

// putList stores a non-string value under key, for WRONGTYPE checks.
func putList(s *Server, key string) {
	s.ks.Lock()
	s.ks.DB(0).Set([]byte(key), keyspace.Entry{Type: keyspace.TypeList})
	s.ks.Unlock()
}

func mustEvents(t *testing.T, got []bitEvent, want ...string) {
	t.Helper()
	var g []string
	for _, e := range got {
		g = append(g, e.event+":"+e.key)
	}
	if strings.Join(g, " ") != strings.Join(want, " ") {
		t.Fatalf("events %v, want %v", g, want)
	}
}

func TestSetbitGetbit(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	events := recordChanges(s)

	mustInt(t, c.do("SETBIT", "k", "1", "1"), 0)
	mustStr(t, c.do("GET", "k"), "\x40")
	mustStr(t, c.do("OBJECT", "ENCODING", "k"), "raw")
	mustInt(t, c.do("SETBIT", "k", "1", "1"), 1)
	mustInt(t, c.do("SETBIT", "k", "17", "1"), 0)
	mustStr(t, c.do("GET", "k"), "\x40\x00\x40")
	mustInt(t, c.do("GETBIT", "k", "1"), 1)
	mustInt(t, c.do("GETBIT", "k", "2"), 0)
	mustInt(t, c.do("GETBIT", "k", "17"), 1)
	mustInt(t, c.do("GETBIT", "k", "1000000"), 0)
	mustInt(t, c.do("GETBIT", "nokey", "5"), 0)
	mustInt(t, c.do("SETBIT", "k", "1", "0"), 1)
	mustStr(t, c.do("GET", "k"), "\x00\x00\x40")
	// The key was created, then a bit set again (no change: no event),
	// lengthened, then a bit cleared.
	mustEvents(t, events(), "setbit:k", "setbit:k", "setbit:k")

	// Integer- and embstr-encoded values are read as their text and become raw.
	c.do("SET", "n", "1") // '1' = 0b00110001
	mustStr(t, c.do("OBJECT", "ENCODING", "n"), "int")
	mustInt(t, c.do("GETBIT", "n", "2"), 1)
	mustInt(t, c.do("GETBIT", "n", "7"), 1)
	mustInt(t, c.do("GETBIT", "n", "8"), 0)
	mustInt(t, c.do("SETBIT", "n", "6", "1"), 0)
	mustStr(t, c.do("GET", "n"), "3")
	mustStr(t, c.do("OBJECT", "ENCODING", "n"), "raw")
	c.do("SET", "e", "abc")
	mustInt(t, c.do("SETBIT", "e", "0", "0"), 0) // no change, still unshared
	mustStr(t, c.do("OBJECT", "ENCODING", "e"), "raw")

	// The TTL survives.
	c.do("SET", "t", "x", "EX", "100")
	mustInt(t, c.do("SETBIT", "t", "40", "1"), 0)
	if r := c.do("TTL", "t"); r.n <= 0 {
		t.Fatalf("TTL = %v", r)
	}

	// Errors, in Redis's order: offset, then bit value, then type.
	for _, off := range []string{"-1", "abc", "1.5", "", " 1", "+1", "01", "#1", "4294967296", "9223372036854775808"} {
		mustErr(t, c.do("SETBIT", "k", off, "1"), errBitOffset)
		mustErr(t, c.do("GETBIT", "k", off), errBitOffset)
	}
	for _, v := range []string{"-1", "2", "10", "x", "", "1.0"} {
		mustErr(t, c.do("SETBIT", "k", "0", v), errBitValue)
	}
	mustErr(t, c.do("SETBIT", "k", "x", "x"), errBitOffset)
	putList(s, "list")
	events()
	mustErr(t, c.do("SETBIT", "list", "0", "1"), "WRONGTYPE")
	mustErr(t, c.do("GETBIT", "list", "0"), "WRONGTYPE")
	mustErr(t, c.do("SETBIT", "list", "-1", "1"), errBitOffset)
	mustErr(t, c.do("SETBIT", "list", "0", "2"), errBitValue)
	mustErr(t, c.do("GETBIT", "list", "x"), errBitOffset)
	mustEvents(t, events())
	mustErr(t, c.do("SETBIT", "k", "0"), "ERR wrong number of arguments for 'setbit' command")
	mustErr(t, c.do("GETBIT", "k"), "ERR wrong number of arguments for 'getbit' command")
	mustErr(t, c.do("GETBIT", "k", "1", "2"), "ERR wrong number of arguments for 'getbit' command")
}

func TestSetbitOffsetLimit(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "proto-max-bulk-len", "1048576"), "OK")
	last := strconv.Itoa(1048576*8 - 1)
	mustErr(t, c.do("SETBIT", "k", strconv.Itoa(1048576*8), "1"), errBitOffset)
	mustErr(t, c.do("GETBIT", "k", strconv.Itoa(1048576*8)), errBitOffset)
	mustErr(t, c.do("BITFIELD", "k", "GET", "u8", "#1048576"), errBitOffset)
	mustInt(t, c.do("SETBIT", "k", last, "1"), 0)
	mustInt(t, c.do("STRLEN", "k"), 1048576)
	mustInt(t, c.do("GETBIT", "k", last), 1)
	mustInt(t, c.do("BITCOUNT", "k"), 1)
	mustInt(t, c.do("BITPOS", "k", "1"), 1048576*8-1)
	mustInt(t, c.do("BITPOS", "k", "0", "-1"), (1048576-1)*8) // the last byte is 0x01
	mustInt(t, c.do("BITPOS", "k", "1", "-1", "-1"), 1048576*8-1)
	// A field may start on the last allowed byte and extend past it.
	r := c.do("BITFIELD", "k", "SET", "u16", last, "65535")
	if r.String() != "[32768]" { // the old bit, then zeros past the end
		t.Fatalf("BITFIELD = %v", r)
	}
	mustInt(t, c.do("STRLEN", "k"), 1048578)
}

func TestSetbitDirty(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	step := func(want int64, cmds ...[]string) {
		t.Helper()
		before := dirty(s)
		for _, cmd := range cmds {
			c.do(cmd...)
		}
		if got := dirty(s) - before; got != want {
			t.Fatalf("dirty +%d, want +%d after %v", got, want, cmds)
		}
	}
	step(2, []string{"SETBIT", "a", "0", "0"}, []string{"BITFIELD", "b", "SET", "i5", "0", "0"})
	step(0, []string{"SETBIT", "a", "0", "0"}, []string{"BITFIELD", "b", "SET", "i5", "0", "0"})
	step(4, []string{"SETBIT", "a", "0", "1"}, []string{"SETBIT", "a", "0", "1"}, []string{"SETBIT", "a", "0", "0"},
		[]string{"BITFIELD", "b", "SET", "i5", "0", "1"}, []string{"BITFIELD", "b", "SET", "i5", "0", "1"}, []string{"BITFIELD", "b", "SET", "i5", "0", "0"})
	step(2, []string{"BITFIELD", "c", "INCRBY", "i5", "0", "1"}, []string{"BITFIELD", "c", "INCRBY", "i5", "0", "1"})
	step(2, []string{"SETBIT", "a", "90", "0"}, []string{"BITFIELD", "b", "SET", "i5", "90", "0"})
	// Every changing BITFIELD operation counts.
	step(3, []string{"BITFIELD", "b", "SET", "u8", "0", "1", "SET", "u8", "8", "1", "SET", "u8", "16", "1", "SET", "u8", "0", "1"})
	// A failed write changes nothing, though it creates the key.
	step(0, []string{"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "10"})
	mustStr(t, c.do("GET", "f"), "\x00")
}

// bitsOf returns the bits of p, most significant first, as 0/1 bytes.
func bitsOf(p []byte) []byte {
	out := make([]byte, 0, 8*len(p))
	for _, c := range p {
		for i := 7; i >= 0; i-- {
			out = append(out, c>>i&1)
		}
	}
	return out
}

func TestBitHelpersAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 3000; iter++ {
		n := rng.IntN(70) + 1
		p := make([]byte, n)
		for i := range p {
			switch rng.IntN(4) {
			case 0:
				p[i] = 0
			case 1:
				p[i] = 0xff
			default:
				p[i] = byte(rng.Uint32())
			}
		}
		bs := bitsOf(p)
		lo := rng.Int64N(int64(len(bs)))
		hi := lo + rng.Int64N(int64(len(bs))-lo)
		var count int64
		first := [2]int64{-1, -1}
		for i := lo; i <= hi; i++ {
			count += int64(bs[i])
			if first[bs[i]] < 0 {
				first[bs[i]] = i
			}
		}
		if got := countBits(p, lo, hi); got != count {
			t.Fatalf("countBits(%x, %d, %d) = %d, want %d", p, lo, hi, got, count)
		}
		if got := popcount(p); got != countBits(p, 0, int64(len(bs))-1) {
			t.Fatalf("popcount(%x) = %d", p, got)
		}
		for bit := 0; bit < 2; bit++ {
			if got := firstBit(p, lo, hi, bit == 1); got != first[bit] {
				t.Fatalf("firstBit(%x, %d, %d, %d) = %d, want %d", p, lo, hi, bit, got, first[bit])
			}
		}

		// Fields: read and write against the bit array.
		width := rng.IntN(64) + 1
		off := uint64(rng.IntN(8 * n))
		var want uint64
		for j := 0; j < width; j++ {
			want <<= 1
			if k := off + uint64(j); k < uint64(len(bs)) {
				want |= uint64(bs[k])
			}
		}
		if got := getField(p, off, width); got != want {
			t.Fatalf("getField(%x, %d, %d) = %x, want %x", p, off, width, got, want)
		}
		v := rng.Uint64()
		q := append(append([]byte(nil), p...), make([]byte, 9)...)
		setField(q, off, width, v)
		qb := bitsOf(q)
		for k := range qb {
			exp := byte(0)
			switch {
			case uint64(k) >= off && uint64(k) < off+uint64(width):
				exp = byte(v >> (uint64(width) - 1 - (uint64(k) - off)) & 1)
			case k < len(bs):
				exp = bs[k]
			}
			if qb[k] != exp {
				t.Fatalf("setField(%x, %d, %d, %x): bit %d = %d", p, off, width, v, k, qb[k])
			}
		}
	}
}

func TestBitcount(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	c.do("SET", "s", "foobar")
	for _, tc := range []struct {
		args []string
		want int64
	}{
		{nil, 26},
		{[]string{"0", "-1"}, 26},
		{[]string{"1", "-2"}, 18},
		{[]string{"-2", "1"}, 0},
		{[]string{"0", "1000"}, 26},
		{[]string{"4", "10"}, 7},
		{[]string{"-6", "-7"}, 0},
		{[]string{"-6", "-7", "nonsense"}, 0}, // answered before the unit is checked
		{[]string{"0", "-1", "bit"}, 26},
		{[]string{"10", "14", "BIT"}, 4},
		{[]string{"3", "29", "bit"}, 16},
		{[]string{"10", "-34", "bit"}, 4},
		{[]string{"-2", "1", "bit"}, 0},
		{[]string{"32", "87", "bit"}, 7},
		{[]string{"0", "4294967296"}, 26},
		{[]string{"0", "0", "byte"}, 4},
		{[]string{"-9223372036854775808", "9223372036854775807", "bit"}, 26},
	} {
		if r := c.do(append([]string{"BITCOUNT", "s"}, tc.args...)...); r.kind != ':' || r.n != tc.want {
			t.Fatalf("BITCOUNT s %v = %v, want %d", tc.args, r, tc.want)
		}
	}
	c.do("SET", "n", "123")
	mustInt(t, c.do("BITCOUNT", "n"), 10)
	c.do("SET", "empty", "")
	mustInt(t, c.do("BITCOUNT", "empty"), 0)
	mustInt(t, c.do("BITCOUNT", "empty", "0", "-1", "bit"), 0)

	// A missing key answers 0 before its arguments are looked at.
	mustInt(t, c.do("BITCOUNT", "nokey"), 0)
	mustInt(t, c.do("BITCOUNT", "nokey", "0"), 0)
	mustInt(t, c.do("BITCOUNT", "nokey", "a", "b", "c", "d"), 0)
	mustErr(t, c.do("BITCOUNT", "s", "0"), errSyntax)
	mustErr(t, c.do("BITCOUNT", "s", "0", "1", "hello"), errSyntax)
	mustErr(t, c.do("BITCOUNT", "s", "0", "1", "bit", "x"), errSyntax)
	mustErr(t, c.do("BITCOUNT", "s", "a", "1"), errNotInt)
	mustErr(t, c.do("BITCOUNT", "s", "0", "1.5"), errNotInt)
	mustErr(t, c.do("BITCOUNT", "s", "a", "1", "bogus"), errNotInt)
	putList(s, "list")
	mustErr(t, c.do("BITCOUNT", "list"), "WRONGTYPE")
	mustErr(t, c.do("BITCOUNT", "list", "x"), "WRONGTYPE")
	mustErr(t, c.do("BITCOUNT"), "ERR wrong number of arguments for 'bitcount' command")
}

func TestBitpos(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	check := func(want int64, args ...string) {
		t.Helper()
		mustInt(t, c.do(append([]string{"BITPOS"}, args...)...), want)
	}
	c.do("SET", "s", "\xff\xf0\x00")
	check(12, "s", "0")
	check(12, "s", "0", "0", "-1", "bit")
	check(12, "s", "0", "1")
	check(0, "s", "1")
	check(-1, "s", "1", "2")
	c.do("SET", "s", "\x00\xff\x00")
	check(16, "s", "0", "1", "-1")
	check(16, "s", "0", "2", "200")
	check(-1, "s", "0", "1", "1")
	check(-1, "s", "0", "8", "8", "bit")
	check(8, "s", "1", "0", "-1")
	check(-1, "s", "1", "2", "-1")
	check(8, "s", "1", "8", "8", "BIT")
	check(9, "s", "1", "9", "15", "bit")
	check(-1, "s", "1", "-1", "-2")
	// Without an end a run of ones is followed by zero padding.
	c.do("SET", "f", "\xff\xff\xff")
	check(24, "f", "0")
	check(24, "f", "0", "0")
	check(-1, "f", "0", "0", "-1")
	check(-1, "f", "0", "0", "-1", "bit")
	check(-1, "f", "0", "3") // start past the end
	c.do("SET", "empty", "")
	check(-1, "empty", "0")
	check(-1, "empty", "1")
	check(0, "nokey", "0")
	check(-1, "nokey", "1")
	check(0, "nokey", "0", "0", "-1", "bit")
	check(-1, "nokey", "1", "a", "b", "c", "d") // answered before the range is parsed
	// Long runs cross the word-at-a-time path.
	c.do("SET", "z", strings.Repeat("\x00", 37)+"\x10")
	check(37*8+3, "z", "1")
	check(37*8+3, "z", "1", "3")
	check(37*8+3, "z", "1", "17", "-1", "bit")
	check(-1, "z", "1", "0", "-2")
	check(0, "z", "0")

	mustErr(t, c.do("BITPOS", "s", "2"), errBitposBit)
	mustErr(t, c.do("BITPOS", "s", "-1"), errBitposBit)
	mustErr(t, c.do("BITPOS", "nokey", "2"), errBitposBit)
	mustErr(t, c.do("BITPOS", "s", "x"), errNotInt)
	mustErr(t, c.do("BITPOS", "s", "1", "x"), errNotInt)
	mustErr(t, c.do("BITPOS", "s", "1", "0", "x"), errNotInt)
	mustErr(t, c.do("BITPOS", "s", "1", "0", "1", "hello"), errSyntax)
	mustErr(t, c.do("BITPOS", "s", "1", "0", "x", "hello"), errSyntax) // unit before end
	mustErr(t, c.do("BITPOS", "s", "1", "0", "1", "bit", "x"), errSyntax)
	putList(s, "list")
	mustErr(t, c.do("BITPOS", "list", "1"), "WRONGTYPE")
	mustErr(t, c.do("BITPOS", "list", "2"), errBitposBit)
	mustErr(t, c.do("BITPOS", "s"), "ERR wrong number of arguments for 'bitpos' command")
}

// naiveBitop computes BITOP over zero-padded byte strings.
func naiveBitop(op string, srcs ...[]byte) []byte {
	n := 0
	for _, s := range srcs {
		n = max(n, len(s))
	}
	at := func(s []byte, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	out := make([]byte, n)
	for i := range out {
		v := at(srcs[0], i)
		for _, s := range srcs[1:] {
			switch op {
			case "and":
				v &= at(s, i)
			case "or":
				v |= at(s, i)
			case "xor":
				v ^= at(s, i)
			}
		}
		if op == "not" {
			v = ^v
		}
		out[i] = v
	}
	return out
}

func TestBitop(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	events := recordChanges(s)

	c.do("SET", "a", "\x01\x02\xff\xff")
	c.do("SET", "b", "\x01\x02\xff")
	mustInt(t, c.do("BITOP", "AND", "r", "a", "b"), 4)
	mustStr(t, c.do("GET", "r"), "\x01\x02\xff\x00")
	mustStr(t, c.do("OBJECT", "ENCODING", "r"), "raw")
	mustInt(t, c.do("BITOP", "or", "r", "a", "b"), 4)
	mustStr(t, c.do("GET", "r"), "\x01\x02\xff\xff")
	mustInt(t, c.do("BITOP", "Xor", "r", "a", "b"), 4)
	mustStr(t, c.do("GET", "r"), "\x00\x00\x00\xff")
	mustInt(t, c.do("BITOP", "AND", "r", "nokey", "a"), 4)
	mustStr(t, c.do("GET", "r"), "\x00\x00\x00\x00")
	c.do("SET", "i1", "1")
	c.do("SET", "i2", "2")
	mustInt(t, c.do("BITOP", "XOR", "r", "i1", "i2", "i1"), 1)
	mustStr(t, c.do("GET", "r"), "2")
	mustInt(t, c.do("BITOP", "NOT", "a", "a"), 4)
	mustStr(t, c.do("GET", "a"), "\xfe\xfd\x00\x00")
	events()

	// The destination loses its TTL; an empty result deletes it.
	c.do("SET", "d", "x", "EX", "100")
	mustInt(t, c.do("BITOP", "OR", "d", "b"), 3)
	mustInt(t, c.do("TTL", "d"), -1)
	mustInt(t, c.do("BITOP", "OR", "d", "nokey", "nokey2"), 0)
	mustInt(t, c.do("EXISTS", "d"), 0)
	mustInt(t, c.do("BITOP", "OR", "d", "nokey"), 0) // nothing to delete, no event
	c.do("SET", "empty", "")
	c.do("SET", "d", "x")
	events()
	mustInt(t, c.do("BITOP", "NOT", "d", "empty"), 0)
	mustInt(t, c.do("EXISTS", "d"), 0)
	mustEvents(t, events(), "del:d")
	c.do("BITOP", "OR", "d", "b")
	mustEvents(t, events(), "set:d")

	// Random inputs against the byte-by-byte model, across word boundaries.
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 200; iter++ {
		op := []string{"and", "or", "xor", "not"}[iter%4]
		nsrc := 1
		if op != "not" {
			nsrc = rng.IntN(5) + 1
		}
		args := []string{"BITOP", op, "dst"}
		var srcs [][]byte
		for j := 0; j < nsrc; j++ {
			v := make([]byte, rng.IntN(80))
			for i := range v {
				v[i] = byte(rng.Uint32())
			}
			key := fmt.Sprintf("src%d", j)
			c.do("SET", key, string(v))
			srcs = append(srcs, v)
			args = append(args, key)
		}
		want := naiveBitop(op, srcs...)
		mustInt(t, c.do(args...), int64(len(want)))
		if len(want) == 0 {
			mustInt(t, c.do("EXISTS", "dst"), 0)
		} else if r := c.do("GET", "dst"); r.str != string(want) {
			t.Fatalf("%v = %x, want %x", args, r.str, want)
		}
	}

	putList(s, "list")
	events()
	mustErr(t, c.do("BITOP", "FOO", "d", "a"), errSyntax)
	mustErr(t, c.do("BITOP", "FOO", "d", "list"), errSyntax)
	mustErr(t, c.do("BITOP", "NOT", "d", "a", "b"), errBitopNot)
	mustErr(t, c.do("BITOP", "XOR", "d", "a", "list"), "WRONGTYPE")
	mustErr(t, c.do("BITOP", "NOT", "d", "list"), "WRONGTYPE")
	mustErr(t, c.do("BITOP", "AND", "d"), "ERR wrong number of arguments for 'bitop' command")
	mustEvents(t, events())
}

func TestBitfield(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	events := recordChanges(s)
	check := func(want string, args ...string) {
		t.Helper()
		if r := c.do(args...); r.kind == '-' || r.String() != want {
			t.Fatalf("%v = %v, want %s", args, r, want)
		}
	}
	check("[0]", "BITFIELD", "k", "SET", "i8", "0", "-100")
	check("[-100]", "BITFIELD", "k", "SET", "i8", "0", "101")
	check("[101]", "BITFIELD", "k", "GET", "i8", "0")
	check("[101 -1 100]", "BITFIELD", "k", "SET", "i8", "0", "255", "SET", "i8", "0", "100", "GET", "i8", "0")
	check("[]", "BITFIELD", "k")
	check("[]", "BITFIELD_RO", "k")
	check("[]", "BITFIELD", "nokey")
	mustInt(t, c.do("EXISTS", "nokey"), 0)
	c.do("DEL", "k")
	events()
	check("[0 99 99]", "BITFIELD", "k", "SET", "u8", "0", "255", "INCRBY", "u8", "0", "100", "GET", "u8", "0")
	mustEvents(t, events(), "setbit:k")
	c.do("BITFIELD", "k", "SET", "u8", "#0", "65", "SET", "u8", "#1", "66", "SET", "u8", "#2", "67")
	mustStr(t, c.do("GET", "k"), "ABC")
	mustStr(t, c.do("OBJECT", "ENCODING", "k"), "raw")
	check("[66 2 2 17152 4702394628207280128 4702394628207280128]", "BITFIELD", "k", "GET", "u8", "#1", "GET", "u4", "#3", "GET", "i4", "#3", "GET", "u16", "#1", "GET", "i64", "0", "GET", "u63", "1")
	check("[66 2 17152]", "BITFIELD_RO", "k", "get", "u8", "#1", "Get", "i4", "#3", "GET", "i16", "#1")
	check("[0 0 60]", "BITFIELD", "m", "SET", "i8", "0", "10", "SET", "i8", "64", "10", "INCRBY", "i8", "10", "99900")
	c.do("SET", "n", "1")
	check("[0]", "BITFIELD", "n", "GET", "u1", "0")
	check("[49]", "BITFIELD_RO", "n", "GET", "u8", "0")
	mustStr(t, c.do("OBJECT", "ENCODING", "n"), "int")
	check("[0]", "BITFIELD", "n", "SET", "u1", "0", "0")
	mustStr(t, c.do("OBJECT", "ENCODING", "n"), "raw")

	// Overflow behaviours.
	c.do("DEL", "o")
	c.do("BITFIELD", "o", "SET", "u8", "#0", "100")
	check("[101 101]", "BITFIELD", "o", "OVERFLOW", "WRAP", "INCRBY", "u8", "#0", "257", "GET", "u8", "#0")
	check("[255 0]", "BITFIELD", "o", "OVERFLOW", "SAT", "INCRBY", "u8", "#0", "257", "INCRBY", "u8", "#0", "-300")
	check("[(nil) 0 (nil)]", "BITFIELD", "o", "OVERFLOW", "FAIL", "INCRBY", "u8", "#0", "-1", "GET", "u8", "#0", "SET", "u8", "#0", "256")
	check("[0 255 -1 127]", "BITFIELD", "o", "OVERFLOW", "SAT", "SET", "u8", "#0", "256", "SET", "u8", "#0", "-1", "SET", "i8", "#0", "128", "SET", "i8", "#0", "-129")
	// Values far below a narrow signed field saturate high, as in Redis.
	check("[-128 127]", "BITFIELD", "o", "OVERFLOW", "SAT", "SET", "i8", "#0", "-9223372036854775808", "SET", "i8", "#0", "0")
	check("[0 -9223372036854775808 9223372036854775807]", "BITFIELD", "o", "OVERFLOW", "WRAP", "SET", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "1", "INCRBY", "i64", "0", "-1")
	check("[9223372036854775807 (nil) (nil)]", "BITFIELD", "o", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "1", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "1", "INCRBY", "i64", "0", "1")
	check("[3 3 (nil)]", "BITFIELD", "o", "OVERFLOW", "WRAP", "INCRBY", "u2", "100", "7", "OVERFLOW", "SAT", "INCRBY", "u2", "100", "7", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "7")

	// FAIL still creates the key (zero-filled) but reports no change.
	events()
	check("[(nil)]", "BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "10")
	mustStr(t, c.do("GET", "f"), "\x00")
	mustEvents(t, events())

	// RESP3 nulls.
	c.do("HELLO", "3")
	if r := c.do("BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "10"); len(r.elems) != 1 || r.elems[0].kind != '_' {
		t.Fatalf("RESP3 FAIL reply = %#v", r)
	}
	c.do("HELLO", "2")

	// Errors.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"GET"}, errSyntax},
		{[]string{"GET", "u8"}, errSyntax},
		{[]string{"SET", "u8", "0"}, errSyntax},
		{[]string{"INCRBY", "u8", "0"}, errSyntax},
		{[]string{"OVERFLOW"}, errSyntax},
		{[]string{"FOO", "u8", "0"}, errSyntax},
		{[]string{"OVERFLOW", "foo", "GET", "u8", "0"}, errBitfieldOflow},
		{[]string{"GET", "u64", "0"}, errBitfieldType},
		{[]string{"GET", "i65", "0"}, errBitfieldType},
		{[]string{"GET", "i0", "0"}, errBitfieldType},
		{[]string{"GET", "I8", "0"}, errBitfieldType},
		{[]string{"GET", "i", "0"}, errBitfieldType},
		{[]string{"GET", "", "0"}, errBitfieldType},
		{[]string{"GET", "i08", "0"}, errBitfieldType},
		{[]string{"GET", "u8", "-1"}, errBitOffset},
		{[]string{"GET", "u8", "#-1"}, errBitOffset},
		{[]string{"GET", "u8", "#"}, errBitOffset},
		{[]string{"GET", "u8", "abc"}, errBitOffset},
		{[]string{"GET", "u8", "4294967296"}, errBitOffset},
		{[]string{"GET", "u8", "#536870912"}, errBitOffset},
		{[]string{"SET", "u8", "0", "abc"}, errNotInt},
		{[]string{"INCRBY", "u8", "0", "9223372036854775808"}, errNotInt},
		{[]string{"SET", "u8", "0", "1", "GET", "u64", "0"}, errBitfieldType},
		{[]string{"GET", "u8", "0", "GET"}, errSyntax},
	} {
		mustErr(t, c.do(append([]string{"BITFIELD", "k"}, tc.args...)...), tc.want)
		mustErr(t, c.do(append([]string{"BITFIELD_RO", "k"}, tc.args...)...), tc.want)
	}
	mustErr(t, c.do("BITFIELD_RO", "k", "SET", "u8", "0", "100", "GET", "u8", "0"), errBitfieldRO)
	mustErr(t, c.do("BITFIELD_RO", "k", "GET", "u8", "0", "INCRBY", "u8", "0", "1"), errBitfieldRO)
	putList(s, "list")
	events()
	mustErr(t, c.do("BITFIELD", "list", "GET", "u8", "0"), "WRONGTYPE")
	mustErr(t, c.do("BITFIELD", "list", "SET", "u8", "0", "1"), "WRONGTYPE")
	mustErr(t, c.do("BITFIELD", "list"), "WRONGTYPE")
	mustErr(t, c.do("BITFIELD_RO", "list", "GET", "u8", "0"), "WRONGTYPE")
	mustErr(t, c.do("BITFIELD_RO", "list", "SET", "u8", "0", "1"), errBitfieldRO)
	mustErr(t, c.do("BITFIELD", "list", "GET", "u64", "0"), errBitfieldType)
	mustEvents(t, events())
	mustErr(t, c.do("BITFIELD"), "ERR wrong number of arguments for 'bitfield' command")
	mustErr(t, c.do("BITFIELD_RO"), "ERR wrong number of arguments for 'bitfield_ro' command")
}

// TestBitfieldOverflowModel checks SET/INCRBY results under every overflow
// mode against exact arithmetic, for values inside and around each type's
// range (as bitfield.tcl's fuzzers do).
func TestBitfieldOverflowModel(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	rng := rand.New(rand.NewPCG(5, 6))
	brng := mrand.New(bigRand{rng})
	clamp := func(v *big.Int) *big.Int {
		lo, hi := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
		if v.Cmp(lo) < 0 {
			return lo
		}
		if v.Cmp(hi) > 0 {
			return hi
		}
		return v
	}
	for iter := 0; iter < 600; iter++ {
		width := rng.IntN(64) + 1
		signed := width == 64 || rng.IntN(2) == 1
		rangeSize := new(big.Int).Lsh(big.NewInt(1), uint(width))
		min := big.NewInt(0)
		typ := "u" + strconv.Itoa(width)
		if signed {
			min = new(big.Int).Neg(new(big.Int).Rsh(rangeSize, 1))
			typ = "i" + strconv.Itoa(width)
		}
		max := new(big.Int).Sub(new(big.Int).Add(min, rangeSize), big.NewInt(1))
		pick := func() *big.Int { // within [2*min, 2*min + 2*range)
			r := new(big.Int).Rand(brng, new(big.Int).Lsh(rangeSize, 1))
			return clamp(r.Add(r, new(big.Int).Lsh(min, 1)))
		}
		// Only in-range starting values: an out-of-range SET behaves
		// specially under SAT (checked in TestBitfield).
		value := clamp(new(big.Int).Add(min, new(big.Int).Rand(brng, rangeSize)))
		incr := pick()
		sum := new(big.Int).Add(value, incr)
		overflow := sum.Cmp(max) > 0 || sum.Cmp(min) < 0
		wrapped := new(big.Int).Mod(new(big.Int).Sub(sum, min), rangeSize)
		wrapped.Add(wrapped, min)
		sat := sum
		if sum.Cmp(max) > 0 {
			sat = max
		} else if sum.Cmp(min) < 0 {
			sat = min
		}
		c.do("DEL", "bf")
		c.do("BITFIELD", "bf", "SET", typ, "0", value.String())
		for _, mode := range []string{"WRAP", "SAT", "FAIL"} {
			c.do("BITFIELD", "bf", "OVERFLOW", "WRAP", "SET", typ, "0", value.String())
			r := c.do("BITFIELD", "bf", "OVERFLOW", mode, "INCRBY", typ, "0", incr.String(), "GET", typ, "0")
			var want string
			switch {
			case mode == "WRAP":
				want = fmt.Sprintf("[%s %s]", wrapped, wrapped)
			case mode == "SAT":
				want = fmt.Sprintf("[%s %s]", sat, sat)
			case overflow:
				want = fmt.Sprintf("[(nil) %s]", value)
			default:
				want = fmt.Sprintf("[%s %s]", sum, sum)
			}
			if r.String() != want {
				t.Fatalf("%s %s+%s OVERFLOW %s = %v, want %s", typ, value, incr, mode, r, want)
			}
		}
		// SET of an arbitrary value under FAIL reports exactly the out-of-range ones.
		v := pick()
		r := c.do("BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", typ, "0", v.String())
		if out := v.Cmp(max) > 0 || v.Cmp(min) < 0; out != r.elems[0].null {
			t.Fatalf("%s SET %s under FAIL = %v", typ, v, r)
		}
	}
}

// bigRand adapts math/rand/v2 as the math/rand source big.Int.Rand needs.
type bigRand struct{ r *rand.Rand }

func (b bigRand) Int63() int64 { return b.r.Int64() }
func (b bigRand) Seed(int64)   {}
