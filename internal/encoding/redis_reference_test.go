package encoding_test

// Differential tests against a real redis-server 7.0.15: objects are created
// with ordinary commands, fetched with DUMP, and the listpacks and intsets in
// the payloads are decoded with this package and rebuilt byte for byte. The
// other direction is covered too: payloads built with this package are
// loaded with RESTORE by a server that deep-sanitizes dump payloads.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine/internal/encoding"
	"github.com/peregrinedb/peregrine/internal/testutil"
)

// RDB object types that appear in the DUMP payloads used here.
const (
	rdbTypeString     = 0
	rdbTypeSetIntset  = 11
	rdbTypeHashLP     = 16
	rdbTypeZsetLP     = 17
	rdbTypeQuicklist2 = 18
	rdbVersion        = 10 // written by redis 7.0

	quicklistNodePacked = 2
)

// refValues are the strings stored in the reference server: integers at
// every listpack integer-width boundary, texts that look like integers but
// are not canonical, and strings at every string-width and back-length
// boundary.
func refValues() []string {
	vals := []string{
		"0", "-1", "12", "127", "128", "4095", "4096", "-4096", "-4097",
		"32767", "32768", "-32768", "-32769", "8388607", "8388608", "-8388608",
		"2147483647", "2147483648", "-2147483648", "-2147483649",
		"9223372036854775807", "-9223372036854775808",
		"007", "+5", "-0", " 1", "1 ", "00", "1.5",
		"123456789012345678901", "-12345678901234567890", "9223372036854775808",
		"", "a", "hello", "field:with:colons",
	}
	for _, n := range []int{62, 63, 64, 125, 126, 127, 4093, 4094, 4095, 4096, 16378, 16379} {
		vals = append(vals, strings.Repeat(string(rune('A'+n%26)), n))
	}
	return vals
}

// refServer wraps a reference connection with helpers that fail the test on
// error replies.
type refServer struct {
	t *testing.T
	c *testutil.RawConn
}

func startRefServer(t *testing.T) *refServer {
	t.Helper()
	ref := testutil.StartReference(t, "--sanitize-dump-payload", "yes")
	t.Logf("reference redis-server pid %d on %s", ref.PID(), ref.Addr)
	r := &refServer{t: t, c: testutil.Dial(t, ref.Addr)}
	for _, kv := range [][2]string{
		{"hash-max-listpack-entries", "1000"},
		{"hash-max-listpack-value", "20000"},
		{"zset-max-listpack-entries", "1000"},
		{"zset-max-listpack-value", "20000"},
		{"set-max-intset-entries", "1000"},
	} {
		r.do("CONFIG", "SET", kv[0], kv[1])
	}
	return r
}

func (r *refServer) do(args ...string) testutil.Value {
	r.t.Helper()
	v, err := testutil.ParseReply(r.c.Do(args...))
	if err != nil {
		r.t.Fatalf("%s: %v", args[0], err)
	}
	if v.Type == '-' {
		r.t.Fatalf("%s %s: %s", args[0], testutil.Escape([]byte(strings.Join(args[1:], " ")), 80), v.Str)
	}
	return v
}

// dump returns the object type and body of DUMP key, after checking the
// version and the CRC64 footer.
func (r *refServer) dump(key string) (byte, []byte) {
	r.t.Helper()
	v := r.do("DUMP", key)
	p := []byte(v.Str)
	if len(p) < 11 {
		r.t.Fatalf("DUMP %s: %d-byte payload", key, len(p))
	}
	body, footer := p[:len(p)-8], p[len(p)-8:]
	if got, want := encoding.CRC64(0, body), binary.LittleEndian.Uint64(footer); got != want {
		r.t.Fatalf("DUMP %s: CRC64 = %#x, footer says %#x", key, got, want)
	}
	if ver := binary.LittleEndian.Uint16(body[len(body)-2:]); ver != rdbVersion {
		r.t.Fatalf("DUMP %s: RDB version %d, want %d", key, ver, rdbVersion)
	}
	return p[0], body[1 : len(body)-2]
}

// restore loads a payload built by this package (type byte and object body)
// into key with RESTORE.
func (r *refServer) restore(key string, typ byte, obj []byte) {
	r.t.Helper()
	p := append([]byte{typ}, obj...)
	p = binary.LittleEndian.AppendUint16(p, rdbVersion)
	p = binary.LittleEndian.AppendUint64(p, encoding.CRC64(0, p))
	r.do("RESTORE", key, "0", string(p), "REPLACE")
}

// readRDBLen decodes an RDB length; special reports the 11xxxxxx form
// (integer or LZF string), whose low 6 bits are returned.
func readRDBLen(t *testing.T, b []byte) (n uint64, special bool, rest []byte) {
	t.Helper()
	if len(b) == 0 {
		t.Fatal("RDB length: no bytes")
	}
	switch b[0] >> 6 {
	case 0:
		return uint64(b[0] & 0x3f), false, b[1:]
	case 1:
		return uint64(b[0]&0x3f)<<8 | uint64(b[1]), false, b[2:]
	case 3:
		return uint64(b[0] & 0x3f), true, b[1:]
	}
	switch b[0] {
	case 0x80:
		return uint64(binary.BigEndian.Uint32(b[1:])), false, b[5:]
	case 0x81:
		return binary.BigEndian.Uint64(b[1:]), false, b[9:]
	}
	t.Fatalf("RDB length: bad first byte %#x", b[0])
	return 0, false, nil
}

// readRDBString decodes an RDB string (plain or LZF-compressed) and reports
// whether it was compressed.
func readRDBString(t *testing.T, b []byte) (s []byte, compressed bool, rest []byte) {
	t.Helper()
	n, special, b := readRDBLen(t, b)
	if !special {
		return b[:n], false, b[n:]
	}
	if n != 3 {
		t.Fatalf("RDB string: integer encoding %d where a blob was expected", n)
	}
	clen, _, b := readRDBLen(t, b)
	ulen, _, b := readRDBLen(t, b)
	out, err := encoding.LZFDecompress(b[:clen], int(ulen))
	if err != nil {
		t.Fatalf("RDB string: %v", err)
	}
	return out, true, b[clen:]
}

func appendRDBLen(b []byte, n int) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, 0x40|byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0x80), uint32(n))
}

func appendRDBString(b, s []byte) []byte {
	return append(appendRDBLen(b, len(s)), s...)
}

// entryText renders a decoded listpack entry as the string Redis returns
// for it, and checks the integer/string choice against ParseInt64Strict.
func entryText(t *testing.T, s []byte, n int64, isInt bool) string {
	t.Helper()
	if isInt {
		return strconv.FormatInt(n, 10)
	}
	return string(s)
}

// checkListpack decodes lp, compares its entries with want (texts in
// order), checks that every entry is an integer exactly when Redis's rule
// says so, and rebuilds it with ListpackBuilder, both from want and from
// the decoded entries, expecting Redis's bytes.
func checkListpack(t *testing.T, what string, lp []byte, want []string, intScores map[int]bool) {
	t.Helper()
	var got []string
	fromDecoded := encoding.NewListpackBuilder(len(lp))
	err := encoding.ListpackEach(lp, func(s []byte, n int64, isInt bool) error {
		i := len(got)
		got = append(got, entryText(t, s, n, isInt))
		if isInt {
			fromDecoded.AppendInt(n)
		} else {
			if _, looksInt := encoding.ParseInt64Strict(s); looksInt {
				return fmt.Errorf("entry %d: Redis stored %q as a string, ParseInt64Strict accepts it", i, s)
			}
			fromDecoded.Append(s)
		}
		if i < len(want) {
			if _, wantInt := encoding.ParseInt64Strict([]byte(want[i])); wantInt != isInt {
				return fmt.Errorf("entry %d (%s): Redis stored it as integer = %v, ParseInt64Strict says %v", i, testutil.Escape([]byte(want[i]), 30), isInt, wantInt)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: ListpackEach: %v", what, err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: decoded %d entries, want %d:\n got %.300q\nwant %.300q", what, len(got), len(want), got, want)
	}
	if n, err := encoding.ListpackLen(lp); err != nil || n != len(want) {
		t.Fatalf("%s: ListpackLen = %d, %v; want %d", what, n, err, len(want))
	}
	fromWant := encoding.NewListpackBuilder(0)
	for i, w := range want {
		if intScores[i] {
			v, _ := strconv.ParseInt(w, 10, 64)
			fromWant.AppendInt(v)
		} else {
			fromWant.Append([]byte(w))
		}
	}
	if b := fromWant.Bytes(); !bytes.Equal(b, lp) {
		t.Fatalf("%s: builder bytes differ from Redis's:\n got % .200x\nwant % .200x", what, b, lp)
	}
	if b := fromDecoded.Bytes(); !bytes.Equal(b, lp) {
		t.Fatalf("%s: rebuilding from decoded entries differs from Redis's bytes", what)
	}
}

func TestRedisReferenceListpackHash(t *testing.T) {
	r := startRefServer(t)
	vals := refValues()
	// Fields are the values in order, each mapped to the values read
	// backwards, so every text appears both as a field and as a value.
	args := []string{"HSET", "h"}
	var want []string
	for i, f := range vals {
		v := vals[len(vals)-1-i]
		args = append(args, f, v)
		want = append(want, f, v)
	}
	r.do(args...)
	if enc := r.do("OBJECT", "ENCODING", "h").Str; enc != "listpack" {
		t.Fatalf("hash encoding is %q, want listpack", enc)
	}
	typ, obj := r.dump("h")
	if typ != rdbTypeHashLP {
		t.Fatalf("DUMP type %d, want %d", typ, rdbTypeHashLP)
	}
	lp, compressed, rest := readRDBString(t, obj)
	if len(rest) != 0 {
		t.Fatalf("%d bytes after the listpack", len(rest))
	}
	if !compressed {
		t.Log("note: the hash listpack was not LZF-compressed")
	}
	checkListpack(t, "hash", lp, want, nil)

	// Small hashes of one kind each, so that a failure is easy to read.
	for i, pair := range [][2]string{{"n", "1"}, {"neg", "-4096"}, {"big", "-9223372036854775808"}, {"s", "007"}} {
		key := "h" + strconv.Itoa(i)
		r.do("HSET", key, pair[0], pair[1])
		_, obj := r.dump(key)
		lp, _, _ := readRDBString(t, obj)
		checkListpack(t, key, lp, pair[:], nil)
	}
}

func TestRedisReferenceListpackZset(t *testing.T) {
	r := startRefServer(t)
	vals := refValues()
	// Scores ascend with the insertion index, so the listpack order is the
	// insertion order; every third score is fractional.
	args := []string{"ZADD", "z"}
	var want []string
	intScores := map[int]bool{}
	for i, m := range vals {
		score := float64(i*1000 - 20000)
		if i%3 == 1 {
			score += 0.5
		}
		text := strconv.FormatFloat(score, 'f', -1, 64)
		args = append(args, text, m)
		want = append(want, m, text)
		if score == math.Trunc(score) {
			intScores[len(want)-1] = true
		}
	}
	r.do(args...)
	if enc := r.do("OBJECT", "ENCODING", "z").Str; enc != "listpack" {
		t.Fatalf("zset encoding is %q, want listpack", enc)
	}
	typ, obj := r.dump("z")
	if typ != rdbTypeZsetLP {
		t.Fatalf("DUMP type %d, want %d", typ, rdbTypeZsetLP)
	}
	lp, _, _ := readRDBString(t, obj)
	checkListpack(t, "zset", lp, want, intScores)
}

func TestRedisReferenceQuicklist(t *testing.T) {
	r := startRefServer(t)
	vals := refValues()
	// Enough elements for several quicklist nodes (8 KB each by default).
	var want []string
	for range 3 {
		want = append(want, vals...)
	}
	r.do(append([]string{"RPUSH", "l"}, want...)...)
	typ, obj := r.dump("l")
	if typ != rdbTypeQuicklist2 {
		t.Fatalf("DUMP type %d, want %d", typ, rdbTypeQuicklist2)
	}
	nodes, _, obj := readRDBLen(t, obj)
	if nodes < 2 {
		t.Fatalf("expected several quicklist nodes, got %d", nodes)
	}
	next := 0
	for i := range nodes {
		var container uint64
		container, _, obj = readRDBLen(t, obj)
		if container != quicklistNodePacked {
			t.Fatalf("node %d: container %d, want packed", i, container)
		}
		var lp []byte
		lp, _, obj = readRDBString(t, obj)
		n, err := encoding.ListpackLen(lp)
		if err != nil || next+n > len(want) {
			t.Fatalf("node %d: ListpackLen = %d, %v", i, n, err)
		}
		checkListpack(t, fmt.Sprintf("node %d", i), lp, want[next:next+n], nil)
		next += n
	}
	if next != len(want) || len(obj) != 0 {
		t.Fatalf("nodes hold %d of %d elements, %d bytes left", next, len(want), len(obj))
	}
}

func TestRedisReferenceIntset(t *testing.T) {
	r := startRefServer(t)
	sets := map[string][]int64{
		"narrow": {0, -1, 12, 127, 128, 4095, 4096, -4096, 32767, -32768},
		"wide32": {1, 70000, -70000, math.MaxInt32, math.MinInt32},
		"wide64": {0, 1 << 31, -1 << 63, math.MaxInt64, -5},
		"single": {42},
	}
	for key, members := range sets {
		args := []string{"SADD", key}
		for _, m := range members {
			args = append(args, strconv.FormatInt(m, 10))
		}
		r.do(args...)
		if enc := r.do("OBJECT", "ENCODING", key).Str; enc != "intset" {
			t.Fatalf("%s: encoding %q, want intset", key, enc)
		}
		typ, obj := r.dump(key)
		if typ != rdbTypeSetIntset {
			t.Fatalf("%s: DUMP type %d, want %d", key, typ, rdbTypeSetIntset)
		}
		is, _, _ := readRDBString(t, obj)
		sorted := slices.Sorted(slices.Values(members))
		if got := encoding.IntsetEncode(sorted); !bytes.Equal(got, is) {
			t.Fatalf("%s: IntsetEncode = % x, Redis has % x", key, got, is)
		}
		var got []int64
		if err := encoding.IntsetEach(is, func(v int64) error { got = append(got, v); return nil }); err != nil {
			t.Fatalf("%s: IntsetEach: %v", key, err)
		}
		if !slices.Equal(got, sorted) {
			t.Fatalf("%s: IntsetEach = %v, want %v", key, got, sorted)
		}
	}
}

// TestRedisReferenceRestore loads payloads built entirely by this package:
// LZF-compressed strings, a hash listpack, a quicklist and an intset. The
// server runs with sanitize-dump-payload yes, so it deep-validates them.
func TestRedisReferenceRestore(t *testing.T) {
	r := startRefServer(t)
	texts := map[string]string{
		"text":    strings.Repeat("the quick brown fox jumps over the lazy dog; ", 40),
		"zeros":   strings.Repeat("\x00", 70000),
		"pattern": strings.Repeat("abcab", 2000) + "tail",
	}
	for key, text := range texts {
		c := encoding.LZFCompress([]byte(text), len(text)-4)
		if c == nil {
			t.Fatalf("%s: did not compress", key)
		}
		obj := appendRDBLen([]byte{0xc3}, len(c))
		obj = appendRDBLen(obj, len(text))
		obj = append(obj, c...)
		r.restore(key, rdbTypeString, obj)
		if got := r.do("GET", key).Str; got != text {
			t.Fatalf("%s: GET after RESTORE returned %d bytes, want %d", key, len(got), len(text))
		}
	}

	vals := refValues()
	b := encoding.NewListpackBuilder(0)
	var want []string
	for i, f := range vals {
		b.Append([]byte(f))
		b.Append([]byte(vals[len(vals)-1-i]))
		want = append(want, f, vals[len(vals)-1-i])
	}
	lp := b.Bytes()
	r.restore("h", rdbTypeHashLP, appendRDBString(nil, lp))
	for i := 0; i < len(want); i += 2 {
		if got := r.do("HGET", "h", want[i]); got.Str != want[i+1] {
			t.Fatalf("HGET h %.30q = %.30q, want %.30q", want[i], got.Str, want[i+1])
		}
	}

	ql := appendRDBLen(nil, 2)
	for _, half := range [][]string{vals[:len(vals)/2], vals[len(vals)/2:]} {
		b.Reset()
		for _, v := range half {
			b.Append([]byte(v))
		}
		ql = appendRDBLen(ql, quicklistNodePacked)
		ql = appendRDBString(ql, b.Bytes())
	}
	r.restore("l", rdbTypeQuicklist2, ql)
	got := r.do("LRANGE", "l", "0", "-1")
	if len(got.Elems) != len(vals) {
		t.Fatalf("LRANGE returned %d elements, want %d", len(got.Elems), len(vals))
	}
	for i, e := range got.Elems {
		if e.Str != vals[i] {
			t.Fatalf("LRANGE element %d = %.30q, want %.30q", i, e.Str, vals[i])
		}
	}

	members := []int64{-1 << 63, -70000, 0, 3, 1 << 40}
	r.restore("s", rdbTypeSetIntset, appendRDBString(nil, encoding.IntsetEncode(members)))
	if n := r.do("SCARD", "s").Str; n != "5" {
		t.Fatalf("SCARD s = %s, want 5", n)
	}
	for _, m := range members {
		if v := r.do("SISMEMBER", "s", strconv.FormatInt(m, 10)).Str; v != "1" {
			t.Fatalf("SISMEMBER s %d = %s", m, v)
		}
	}
}
