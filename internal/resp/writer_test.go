package resp

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestWriterReplies(t *testing.T) {
	cases := []struct {
		name         string
		write        func(w *Writer)
		resp2, resp3 string
	}{
		{"Simple", func(w *Writer) { w.Simple("PONG") }, "+PONG\r\n", "+PONG\r\n"},
		{"Simple empty", func(w *Writer) { w.Simple("") }, "+\r\n", "+\r\n"},
		{"OK", func(w *Writer) { w.OK() }, "+OK\r\n", "+OK\r\n"},
		{"Error", func(w *Writer) { w.Error("ERR something bad") }, "-ERR something bad\r\n", "-ERR something bad\r\n"},
		{"Error newlines", func(w *Writer) { w.Error("ERR a\r\nb\nc\r") }, "-ERR a  b c \r\n", "-ERR a  b c \r\n"},
		{"Error code", func(w *Writer) { w.Error("WRONGTYPE Operation against a key holding the wrong kind of value") },
			"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{"Int", func(w *Writer) { w.Int(42) }, ":42\r\n", ":42\r\n"},
		{"Int zero", func(w *Writer) { w.Int(0) }, ":0\r\n", ":0\r\n"},
		{"Int min", func(w *Writer) { w.Int(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
		{"Int max", func(w *Writer) { w.Int(math.MaxInt64) }, ":9223372036854775807\r\n", ":9223372036854775807\r\n"},
		{"Bulk", func(w *Writer) { w.Bulk([]byte("hello")) }, "$5\r\nhello\r\n", "$5\r\nhello\r\n"},
		{"Bulk binary", func(w *Writer) { w.Bulk([]byte("a\r\n\x00b")) }, "$5\r\na\r\n\x00b\r\n", "$5\r\na\r\n\x00b\r\n"},
		{"Bulk empty", func(w *Writer) { w.Bulk([]byte{}) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"Bulk nil is empty", func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"BulkString", func(w *Writer) { w.BulkString("héllo") }, "$6\r\nhéllo\r\n", "$6\r\nhéllo\r\n"},
		{"BulkInt", func(w *Writer) { w.BulkInt(-123) }, "$4\r\n-123\r\n", "$4\r\n-123\r\n"},
		{"BulkInt min", func(w *Writer) { w.BulkInt(math.MinInt64) }, "$20\r\n-9223372036854775808\r\n", "$20\r\n-9223372036854775808\r\n"},
		{"Null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
		{"NullArray", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
		{"Array", func(w *Writer) { w.Array(3) }, "*3\r\n", "*3\r\n"},
		{"Array zero", func(w *Writer) { w.Array(0) }, "*0\r\n", "*0\r\n"},
		{"EmptyArray", func(w *Writer) { w.EmptyArray() }, "*0\r\n", "*0\r\n"},
		{"Map", func(w *Writer) { w.Map(2) }, "*4\r\n", "%2\r\n"},
		{"Map zero", func(w *Writer) { w.Map(0) }, "*0\r\n", "%0\r\n"},
		{"Set", func(w *Writer) { w.Set(3) }, "*3\r\n", "~3\r\n"},
		{"Push", func(w *Writer) { w.Push(3) }, "*3\r\n", ">3\r\n"},
		{"Attribute", func(w *Writer) { w.Attribute(1) }, "|1\r\n", "|1\r\n"},
		{"Bool true", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
		{"Bool false", func(w *Writer) { w.Bool(false) }, ":0\r\n", "#f\r\n"},
		{"Double 1.5", func(w *Writer) { w.Double(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"Double 0.1", func(w *Writer) { w.Double(0.1) }, "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"},
		{"Double 1e20", func(w *Writer) { w.Double(1e20) }, "$5\r\n1e+20\r\n", ",1e+20\r\n"},
		{"Double inf", func(w *Writer) { w.Double(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"Double -inf", func(w *Writer) { w.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"Double integer", func(w *Writer) { w.Double(3) }, "$1\r\n3\r\n", ",3\r\n"},
		{"Double negative zero", func(w *Writer) { w.Double(math.Copysign(0, -1)) }, "$2\r\n-0\r\n", ",-0\r\n"},
		{"BigNumber", func(w *Writer) { w.BigNumber("1234567890123456789012345") },
			"$25\r\n1234567890123456789012345\r\n", "(1234567890123456789012345\r\n"},
		{"Verbatim", func(w *Writer) { w.Verbatim("txt", "Some string") }, "$11\r\nSome string\r\n", "=15\r\ntxt:Some string\r\n"},
		{"Verbatim empty", func(w *Writer) { w.Verbatim("mkd", "") }, "$0\r\n\r\n", "=4\r\nmkd:\r\n"},
		{"Verbatim short format", func(w *Writer) { w.Verbatim("md", "x") }, "$1\r\nx\r\n", "=5\r\nmd :x\r\n"},
		{"Verbatim long format", func(w *Writer) { w.Verbatim("text", "x") }, "$1\r\nx\r\n", "=5\r\ntex:x\r\n"},
		{"BulkStrings", func(w *Writer) { w.BulkStrings([]string{"a", "", "bc"}) },
			"*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n", "*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n"},
		{"BulkStrings empty", func(w *Writer) { w.BulkStrings(nil) }, "*0\r\n", "*0\r\n"},
		{"Raw", func(w *Writer) { w.Raw([]byte("+RAW\r\n")) }, "+RAW\r\n", "+RAW\r\n"},
		{"nested map", func(w *Writer) {
			w.Map(2)
			w.BulkString("a")
			w.Int(1)
			w.BulkString("b")
			w.Set(1)
			w.Double(2.5)
		}, "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*1\r\n$3\r\n2.5\r\n", "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n~1\r\n,2.5\r\n"},
	}
	for _, tc := range cases {
		for _, proto := range []int{2, 3} {
			w := NewWriter()
			w.Proto = proto
			w.Simple("prefix") // replies append to what is pending
			mark := w.Len()
			tc.write(w)
			want := tc.resp2
			if proto == 3 {
				want = tc.resp3
			}
			if got := string(w.Bytes()[mark:]); got != want {
				t.Errorf("%s RESP%d: got %q, want %q", tc.name, proto, got, want)
			}
			if !strings.HasPrefix(string(w.Bytes()), "+prefix\r\n") {
				t.Errorf("%s RESP%d: earlier output damaged: %q", tc.name, proto, w.Bytes())
			}
		}
	}
}

func TestNewWriterSpeaksRESP2(t *testing.T) {
	w := NewWriter()
	if w.Proto != 2 || w.Len() != 0 || len(w.Bytes()) != 0 {
		t.Fatalf("NewWriter: Proto %d, Len %d", w.Proto, w.Len())
	}
	w.Null()
	if string(w.Bytes()) != "$-1\r\n" {
		t.Fatalf("got %q", w.Bytes())
	}
}

func TestAppendDouble(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{1.5, "1.5"},
		{0.1, "0.10000000000000001"},
		{0.3, "0.29999999999999999"},
		{1e20, "1e+20"},
		{1e16, "10000000000000000"},
		{1e17, "1e+17"},
		{123456789012345678, "1.2345678901234568e+17"},
		{1e-5, "1.0000000000000001e-05"},
		{0.0001, "0.0001"},
		{-2.5, "-2.5"},
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{5e-324, "4.9406564584124654e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
	}
	for _, tc := range cases {
		if got := string(AppendDouble([]byte("x"), tc.f)); got != "x"+tc.want {
			t.Errorf("AppendDouble(%v) = %q, want %q", tc.f, got, "x"+tc.want)
		}
	}
}

// TestAppendDoubleRoundTrips: 17 significant digits always parse back to
// the same double.
func TestAppendDoubleRoundTrips(t *testing.T) {
	x := uint64(88172645463325252)
	for range 100000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		f := math.Float64frombits(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		s := string(AppendDouble(nil, f))
		g, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(g) != math.Float64bits(f) {
			t.Fatalf("AppendDouble(%v) = %q does not round-trip", f, s)
		}
	}
}

func TestWriterTruncateAndReset(t *testing.T) {
	w := NewWriter()
	w.OK()
	mark := w.Len()
	w.Array(2)
	w.BulkString("partial")
	w.Truncate(mark)
	w.Error("ERR failed")
	if got := string(w.Bytes()); got != "+OK\r\n-ERR failed\r\n" {
		t.Fatalf("after Truncate: %q", got)
	}
	w.Reset()
	if w.Len() != 0 {
		t.Fatalf("Len after Reset = %d", w.Len())
	}
	w.Int(1)
	if string(w.Bytes()) != ":1\r\n" {
		t.Fatalf("after Reset: %q", w.Bytes())
	}
	// A small buffer is kept, a huge one is released.
	c := cap(w.buf)
	w.Reset()
	if cap(w.buf) != c {
		t.Fatalf("small buffer reallocated: cap %d -> %d", c, cap(w.buf))
	}
	w.Bulk(make([]byte, 2<<20))
	w.Reset()
	if cap(w.buf) > 1<<20 || w.Len() != 0 {
		t.Fatalf("after a huge reply: cap %d, len %d", cap(w.buf), w.Len())
	}
}

func TestWriterBulkLarge(t *testing.T) {
	val := bytes.Repeat([]byte("0123456789"), 100000)
	w := NewWriter()
	w.Bulk(val)
	want := "$1000000\r\n" + string(val) + "\r\n"
	if string(w.Bytes()) != want {
		t.Fatal("large bulk mis-encoded")
	}
}

// TestWriterOutputParses feeds the writer's RESP2 output of bulk arrays to
// the Reader (they share the multibulk format).
func TestWriterOutputParses(t *testing.T) {
	w := NewWriter()
	w.BulkStrings([]string{"SET", "k", "v\r\n"})
	w.Array(2)
	w.BulkString("GET")
	w.Bulk([]byte("k"))
	got, err := readAll(newReader(bytes.NewReader(w.Bytes())))
	if err == nil || !cmdsEqual(got, [][]string{{"SET", "k", "v\r\n"}, {"GET", "k"}}) {
		t.Fatalf("got %q, %v", got, err)
	}
}

func BenchmarkWriterBulk(b *testing.B) {
	for _, size := range []int{16, 1024, 64 * 1024} {
		val := bytes.Repeat([]byte("x"), size)
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			w := NewWriter()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				w.Reset()
				w.Bulk(val)
			}
		})
	}
}
