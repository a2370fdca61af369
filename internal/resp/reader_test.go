package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// mb encodes args as a RESP multibulk request.
func mb(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

// randomChunkReader returns data in reads of 1..maxChunk bytes chosen by rng.
type randomChunkReader struct {
	data     []byte
	rng      *rand.Rand
	maxChunk int
	reads    int
}

func (c *randomChunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	c.reads++
	n := min(1+c.rng.IntN(c.maxChunk), len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// partsReader returns each part in its own Read (or several if p is short).
type partsReader struct {
	parts [][]byte
	reads int
}

func (c *partsReader) Read(p []byte) (int, error) {
	for len(c.parts) > 0 && len(c.parts[0]) == 0 {
		c.parts = c.parts[1:]
	}
	if len(c.parts) == 0 {
		return 0, io.EOF
	}
	c.reads++
	n := copy(p, c.parts[0])
	c.parts[0] = c.parts[0][n:]
	return n, nil
}

// errAfterReader returns data, then err.
type errAfterReader struct {
	data []byte
	err  error
}

func (c *errAfterReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, c.err
	}
	n := copy(p, c.data)
	c.data = c.data[n:]
	return n, nil
}

// newReader returns a Reader for an authenticated client (NewReader's
// default is the stricter unauthenticated limits).
func newReader(rd io.Reader) *Reader {
	r := NewReader(rd)
	r.Authenticated = true
	return r
}

// readAll reads commands until an error, returning them as strings (copied,
// since arguments are only valid until the next call) and the final error.
func readAll(r *Reader) ([][]string, error) {
	var cmds [][]string
	for {
		args, err := r.ReadCommand()
		if err != nil {
			return cmds, err
		}
		cmd := make([]string, len(args))
		for i, a := range args {
			cmd[i] = string(a)
		}
		cmds = append(cmds, cmd)
	}
}

func cmdsEqual(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func short(cmds [][]string) string {
	s := fmt.Sprintf("%q", cmds)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// sampleStream is a mix of requests exercising every parser state.
var sampleStream = []struct {
	wire string
	want [][]string
}{
	{mb("SET", "key", "value"), [][]string{{"SET", "key", "value"}}},
	{mb("PING"), [][]string{{"PING"}}},
	{mb("SET", "", "x"), [][]string{{"SET", "", "x"}}},                                     // empty bulk
	{mb("ECHO", "a\r\nb\r\n*1\r\n$1\r\n"), [][]string{{"ECHO", "a\r\nb\r\n*1\r\n$1\r\n"}}}, // protocol inside a bulk
	{mb("ECHO", "\x00\xff\r"), [][]string{{"ECHO", "\x00\xff\r"}}},
	{"*0\r\n", nil},
	{"*-1\r\n", nil},
	{"PING\r\n", [][]string{{"PING"}}},
	{"\r\n", nil},
	{"\n", nil},
	{"   \t \r\n", nil},
	{"SET a  b\n", [][]string{{"SET", "a", "b"}}},
	{"SET \"a b\" 'c d'\r\n", [][]string{{"SET", "a b", "c d"}}},
	{"ECHO \"\\x41\\n\\t\\\\\\\"\"\r\n", [][]string{{"ECHO", "A\n\t\\\""}}},
	{"ECHO 'it\\'s'\r\n", [][]string{{"ECHO", "it's"}}},
	{mb("MSET", strings.Repeat("k", 100), strings.Repeat("v", 2000), "k2", "v2"),
		[][]string{{"MSET", strings.Repeat("k", 100), strings.Repeat("v", 2000), "k2", "v2"}}},
	{"*2\r\n$4\r\nECHO\r\n$3\r\nabcXY", [][]string{{"ECHO", "abc"}}}, // bulk CRLF is skipped unchecked
	{"*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}}},
}

func sampleWire() ([]byte, [][]string) {
	var wire []byte
	var want [][]string
	for _, s := range sampleStream {
		wire = append(wire, s.wire...)
		want = append(want, s.want...)
	}
	return wire, want
}

func TestReaderSplitAtEveryByte(t *testing.T) {
	wire, want := sampleWire()
	for k := 0; k <= len(wire); k++ {
		r := newReader(&partsReader{parts: [][]byte{bytes.Clone(wire[:k]), bytes.Clone(wire[k:])}})
		got, err := readAll(r)
		if err != io.EOF || !cmdsEqual(got, want) {
			t.Fatalf("split at %d: got %s, %v\nwant %s", k, short(got), err, short(want))
		}
	}
	// Every pair of split points over a shorter stream.
	small := []byte(mb("SET", "k", "v") + "PING a\r\n" + mb("GET", "k"))
	smallWant := [][]string{{"SET", "k", "v"}, {"PING", "a"}, {"GET", "k"}}
	for i := 0; i <= len(small); i++ {
		for j := i; j <= len(small); j++ {
			r := newReader(&partsReader{parts: [][]byte{bytes.Clone(small[:i]), bytes.Clone(small[i:j]), bytes.Clone(small[j:])}})
			got, err := readAll(r)
			if err != io.EOF || !cmdsEqual(got, smallWant) {
				t.Fatalf("split at %d,%d: got %s, %v", i, j, short(got), err)
			}
		}
	}
}

func TestReaderOneByteAtATime(t *testing.T) {
	wire, want := sampleWire()
	r := newReader(&chunkReader{data: wire, size: 1})
	got, err := readAll(r)
	if err != io.EOF || !cmdsEqual(got, want) {
		t.Fatalf("got %s, %v\nwant %s", short(got), err, short(want))
	}
	if r.Total != int64(len(wire)) {
		t.Fatalf("Total = %d, want %d", r.Total, len(wire))
	}
}

func TestReaderRandomChunks(t *testing.T) {
	wire, want := sampleWire()
	for seed := uint64(0); seed < 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 1))
		src := &randomChunkReader{data: wire, rng: rng, maxChunk: 1 + rng.IntN(64)}
		got, err := readAll(newReader(src))
		if err != io.EOF || !cmdsEqual(got, want) {
			t.Fatalf("seed %d: got %s, %v", seed, short(got), err)
		}
	}
}

// TestReaderRandomCommands round-trips random commands (binary arguments as
// multibulk, simple ones also as inline) through random chunking, with
// arguments of all sizes so that the buffer is compacted and grown between
// and inside commands.
func TestReaderRandomCommands(t *testing.T) {
	for seed := uint64(0); seed < 16; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		var wire []byte
		var want [][]string
		var x uint64
		for range 100 + rng.IntN(200) {
			n := 1 + rng.IntN(6)
			cmd := make([]string, n)
			inline := rng.IntN(3) == 0
			for i := range cmd {
				size := rng.IntN(20)
				switch rng.IntN(10) {
				case 0:
					size = rng.IntN(70000)
				case 1:
					size = minReadSize - 10 + rng.IntN(20)
				}
				b := make([]byte, size)
				for j := range b {
					if j%8 == 0 {
						x = rng.Uint64()
					}
					b[j] = byte(x >> (j % 8 * 8))
					if inline {
						b[j] = "abcdefghijklmnopqrstuvwxyz0123456789:-_"[b[j]%39]
					}
				}
				if inline && size == 0 {
					b = []byte("x")
				}
				cmd[i] = string(b)
			}
			if inline && len(strings.Join(cmd, " ")) < InlineMax {
				wire = append(wire, strings.Join(cmd, " ")+"\r\n"...)
			} else {
				wire = append(wire, mb(cmd...)...)
			}
			want = append(want, cmd)
		}
		src := &randomChunkReader{data: wire, rng: rng, maxChunk: 1 + rng.IntN(100000)}
		r := newReader(src)
		for i, w := range want {
			args, err := r.ReadCommand()
			if err != nil {
				t.Fatalf("seed %d cmd %d: %v", seed, i, err)
			}
			if len(args) != len(w) {
				t.Fatalf("seed %d cmd %d: %d args, want %d", seed, i, len(args), len(w))
			}
			for j := range args {
				if string(args[j]) != w[j] {
					t.Fatalf("seed %d cmd %d arg %d corrupted (len %d, want %d)", seed, i, j, len(args[j]), len(w[j]))
				}
			}
		}
		if _, err := r.ReadCommand(); err != io.EOF {
			t.Fatalf("seed %d: final error %v, want io.EOF", seed, err)
		}
		if r.Total != int64(len(wire)) {
			t.Fatalf("Total = %d, want %d", r.Total, len(wire))
		}
	}
}

func TestReaderPipelineOneRead(t *testing.T) {
	const n = 500
	var wire []byte
	for i := range n {
		if i%5 == 4 {
			wire = append(wire, fmt.Sprintf("SET key:%d value\r\n", i)...)
		} else {
			wire = append(wire, mb("SET", "key:"+strconv.Itoa(i), "value")...)
		}
	}
	src := &partsReader{parts: [][]byte{wire}}
	r := newReader(src)
	r.buf = make([]byte, len(wire)+minReadSize) // the whole pipeline fits one read
	for i := range n {
		args, err := r.ReadCommand()
		if err != nil {
			t.Fatalf("cmd %d: %v", i, err)
		}
		if len(args) != 3 || string(args[0]) != "SET" || string(args[1]) != "key:"+strconv.Itoa(i) || string(args[2]) != "value" {
			t.Fatalf("cmd %d: got %q", i, args)
		}
		if i < n-1 && r.Buffered() == 0 {
			t.Fatalf("cmd %d: Buffered() = 0 with %d commands pending", i, n-1-i)
		}
	}
	if r.Buffered() != 0 {
		t.Fatalf("Buffered() = %d after the last command", r.Buffered())
	}
	if src.reads != 1 {
		t.Fatalf("%d reads for one pipelined batch, want 1", src.reads)
	}
	if _, err := r.ReadCommand(); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
}

// TestReaderNextFill drives the reader the way the server does: Next until it
// reports no complete command, then one Fill.
func TestReaderNextFill(t *testing.T) {
	batch1 := mb("SET", "a", "1") + "GET a\r\n" + mb("INCR", "n") + "*1\r\n$4\r\nPI" // last one incomplete
	batch2 := "NG\r\n*0\r\n\r\n"
	r := newReader(&partsReader{parts: [][]byte{[]byte(batch1), []byte(batch2)}})
	if args, ok, err := r.Next(); ok || err != nil || args != nil {
		t.Fatalf("Next on an empty buffer = %q, %v, %v", args, ok, err)
	}
	if err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		args, ok, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, string(bytes.Join(args, []byte(" "))))
	}
	if strings.Join(got, "|") != "SET a 1|GET a|INCR n" {
		t.Fatalf("batch 1: %q", got)
	}
	if r.Buffered() != len("*1\r\n$4\r\nPI") {
		t.Fatalf("Buffered() = %d with an incomplete command pending", r.Buffered())
	}
	if err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	args, ok, err := r.Next()
	if err != nil || !ok || len(args) != 1 || string(args[0]) != "PING" {
		t.Fatalf("batch 2: %q, %v, %v", args, ok, err)
	}
	// The empty multibulk and the blank line are skipped.
	if args, ok, err := r.Next(); ok || err != nil {
		t.Fatalf("after the skipped requests: %q, %v, %v", args, ok, err)
	}
	if r.Buffered() != 0 {
		t.Fatalf("Buffered() = %d", r.Buffered())
	}
	if err := r.Fill(); err != io.EOF {
		t.Fatalf("Fill at the end = %v, want io.EOF", err)
	}
}

func TestReaderInline(t *testing.T) {
	cases := []struct {
		in   string
		want [][]string
	}{
		{"PING\r\n", [][]string{{"PING"}}},
		{"PING\n", [][]string{{"PING"}}},
		{"PING", nil}, // no newline: incomplete
		{"SET k v\r\nGET k\nDEL k\r\n", [][]string{{"SET", "k", "v"}, {"GET", "k"}, {"DEL", "k"}}},
		{"\r\n\r\n\n \n\t\r\nPING\r\n", [][]string{{"PING"}}},
		{"  SET   k\t\tv  \r\n", [][]string{{"SET", "k", "v"}}},
		{"SET k \"hello world\"\r\n", [][]string{{"SET", "k", "hello world"}}},
		{"SET k 'hello world'\r\n", [][]string{{"SET", "k", "hello world"}}},
		{"SET k \"\"\r\n", [][]string{{"SET", "k", ""}}},
		{"SET k ''\r\n", [][]string{{"SET", "k", ""}}},
		{"SET k \"a\\r\\nb\"\r\n", [][]string{{"SET", "k", "a\r\nb"}}},
		{"SET k \"\\xff\\x00\\x7F\"\r\n", [][]string{{"SET", "k", "\xff\x00\x7f"}}},
		{"SET k 'a\\nb'\r\n", [][]string{{"SET", "k", "a\\nb"}}},
		{"SET k a\"b c\"\r\n", [][]string{{"SET", "k", "ab c"}}},
		{"ECHO a\rb\r\r\n", [][]string{{"ECHO", "a", "b"}}}, // only the last \r belongs to the line end
		{"ECHO a\vb\r\n", [][]string{{"ECHO", "a\vb"}}},
		{"$3\r\n", [][]string{{"$3"}}},  // not '*': inline
		{" *1\r\n", [][]string{{"*1"}}}, // '*' not first: inline
		{"PING\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}, {"PING"}}},
	}
	for _, tc := range cases {
		for _, chunk := range []int{1, 2, 1000} {
			got, err := readAll(newReader(&chunkReader{data: []byte(tc.in), size: chunk}))
			if err != io.EOF || !cmdsEqual(got, tc.want) {
				t.Errorf("%q (chunk %d): got %q, %v; want %q", tc.in, chunk, got, err, tc.want)
			}
		}
	}
}

func TestReaderEmptyMultibulkSkipped(t *testing.T) {
	in := "*0\r\n*-1\r\n*-100\r\n*-2147483649\r\n*-9223372036854775808\r\n" + mb("PING") + "*0\r\n"
	for _, chunk := range []int{1, 3, 100} {
		r := newReader(&chunkReader{data: []byte(in), size: chunk})
		got, err := readAll(r)
		if err != io.EOF || !cmdsEqual(got, [][]string{{"PING"}}) {
			t.Fatalf("chunk %d: got %q, %v", chunk, got, err)
		}
		if r.Buffered() != 0 {
			t.Fatalf("Buffered() = %d", r.Buffered())
		}
	}
}

func TestReaderLargeBulks(t *testing.T) {
	for _, size := range []int{bigArg - 1, bigArg, 1 << 20, 10 << 20} {
		val := make([]byte, size)
		for i := range val {
			val[i] = byte(i*7 + i>>8)
		}
		wire := []byte(mb("SET", "big", string(val)) + mb("GET", "big") + "PING\r\n")
		for _, maxChunk := range []int{1, 1000, 64 * 1024, 4 << 20} {
			if maxChunk == 1 && size > 1<<20 {
				continue
			}
			rng := rand.New(rand.NewPCG(uint64(size), uint64(maxChunk)))
			src := &randomChunkReader{data: wire, rng: rng, maxChunk: maxChunk}
			r := newReader(src)
			args, err := r.ReadCommand()
			if err != nil {
				t.Fatalf("size %d chunk %d: %v", size, maxChunk, err)
			}
			if len(args) != 3 || string(args[1]) != "big" || !bytes.Equal(args[2], val) {
				t.Fatalf("size %d chunk %d: bulk corrupted", size, maxChunk)
			}
			if cap(args[2]) != len(args[2]) {
				t.Fatalf("bulk argument capacity %d exceeds its length %d", cap(args[2]), len(args[2]))
			}
			// The buffer grows to hold the bulk once, not much beyond it.
			if len(r.buf) > 2*size+4*minReadSize {
				t.Fatalf("size %d chunk %d: buffer grew to %d", size, maxChunk, len(r.buf))
			}
			got, err := readAll(r)
			if err != io.EOF || !cmdsEqual(got, [][]string{{"GET", "big"}, {"PING"}}) {
				t.Fatalf("size %d chunk %d: after the bulk: %q, %v", size, maxChunk, got, err)
			}
			// Once idle, a buffer grown past shrinkAbove is released.
			if size > shrinkAbove && len(r.buf) > minReadSize {
				t.Fatalf("size %d chunk %d: idle buffer still %d bytes", size, maxChunk, len(r.buf))
			}
		}
	}
}

// TestReaderLargeBulkPreallocates checks that a big bulk whose header has
// arrived is read with few large reads, not 16 KB at a time.
func TestReaderLargeBulkPreallocates(t *testing.T) {
	val := strings.Repeat("x", 10<<20)
	src := &partsReader{parts: [][]byte{[]byte(mb("SET", "k", val))}}
	r := newReader(src)
	args, err := r.ReadCommand()
	if err != nil || len(args) != 3 || len(args[2]) != len(val) {
		t.Fatalf("got %d args, %v", len(args), err)
	}
	if src.reads > 3 {
		t.Fatalf("%d reads for a 10 MB bulk", src.reads)
	}
}

func TestReaderProtocolErrors(t *testing.T) {
	digits := strings.Repeat("1", InlineMax+1)
	type tc struct {
		name    string
		in      string
		unauth  bool
		maxBulk int64
		want    string // "" = no error: the input is incomplete (io.EOF)
		cmds    int    // complete commands before the error
	}
	cases := []tc{
		{name: "too big inline", in: strings.Repeat("a", InlineMax+1), want: "too big inline request"},
		{name: "inline at the limit", in: strings.Repeat("a", InlineMax)},
		{name: "too big inline after commands", in: "PING\r\n" + strings.Repeat("a", InlineMax+1), want: "too big inline request", cmds: 1},
		{name: "unbalanced double", in: "SET k \"v\r\n", want: "unbalanced quotes in request"},
		{name: "unbalanced single", in: "SET k 'v\r\n", want: "unbalanced quotes in request"},
		{name: "quote then text", in: "SET k \"v\"x\r\n", want: "unbalanced quotes in request"},
		{name: "unbalanced after ok", in: "PING\r\nECHO 'a\r\n", want: "unbalanced quotes in request", cmds: 1},
		{name: "too big mbulk count", in: "*" + digits, want: "too big mbulk count string"},
		{name: "mbulk count at the limit", in: "*" + digits[:InlineMax-1]},
		{name: "mbulk 3000000000", in: "*3000000000\r\n", want: "invalid multibulk length"},
		{name: "mbulk INT_MAX+1", in: "*2147483648\r\n", want: "invalid multibulk length"},
		{name: "mbulk INT_MAX", in: "*2147483647\r\n"},
		{name: "mbulk abc", in: "*abc\r\n", want: "invalid multibulk length"},
		{name: "mbulk empty", in: "*\r\n", want: "invalid multibulk length"},
		{name: "mbulk plus", in: "*+1\r\n", want: "invalid multibulk length"},
		{name: "mbulk leading zero", in: "*01\r\n", want: "invalid multibulk length"},
		{name: "mbulk minus zero", in: "*-0\r\n", want: "invalid multibulk length"},
		{name: "mbulk minus", in: "*-\r\n", want: "invalid multibulk length"},
		{name: "mbulk space", in: "*1 \r\n", want: "invalid multibulk length"},
		{name: "mbulk 21 digits", in: "*-1000000000000000000\r\n*100000000000000000000\r\n", want: "invalid multibulk length"},
		{name: "mbulk int64 overflow", in: "*9223372036854775808\r\n", want: "invalid multibulk length"},
		{name: "unauth mbulk 2000000", in: "*2000000\r\n", unauth: true, want: "unauthenticated multibulk length"},
		{name: "unauth mbulk 11", in: "*11\r\n", unauth: true, want: "unauthenticated multibulk length"},
		{name: "unauth mbulk 10", in: "*10\r\n", unauth: true},
		{name: "unauth invalid wins", in: "*3000000000\r\n", unauth: true, want: "invalid multibulk length"},
		{name: "auth mbulk 2000000", in: "*2000000\r\n"},
		{name: "expected $ got x", in: "*1\r\nx\r\n", want: "expected '$', got 'x'"},
		{name: "expected $ got colon", in: "*2\r\n$4\r\nECHO\r\n:1\r\n", want: "expected '$', got ':'"},
		{name: "expected $ raw byte", in: "*1\r\n\xff\r\n", want: "expected '$', got '\xff'"},
		{name: "expected $ got CR", in: "*1\r\n\r\n", want: "expected '$', got '\r'"},
		{name: "expected $ waits for the line", in: "*1\r\nxyz"},
		{name: "expected $ waits for the byte after CR", in: "*1\r\nxyz\r"},
		{name: "too big bulk count", in: "*1\r\n$" + digits, want: "too big bulk count string"},
		{name: "too big bulk count of garbage", in: "*1\r\n" + digits, want: "too big bulk count string"},
		{name: "bulk count at the limit", in: "*1\r\n$" + digits[:InlineMax-1]},
		{name: "bulk -1", in: "*1\r\n$-1\r\n", want: "invalid bulk length"},
		{name: "bulk -0", in: "*1\r\n$-0\r\n", want: "invalid bulk length"},
		{name: "bulk abc", in: "*1\r\n$abc\r\n", want: "invalid bulk length"},
		{name: "bulk empty", in: "*1\r\n$\r\n", want: "invalid bulk length"},
		{name: "bulk 01", in: "*1\r\n$01\r\n", want: "invalid bulk length"},
		{name: "bulk beyond default max", in: "*1\r\n$536870913\r\n", want: "invalid bulk length"},
		{name: "bulk beyond MaxBulk", in: "*1\r\n$1001\r\n", maxBulk: 1000, want: "invalid bulk length"},
		{name: "bulk at MaxBulk", in: "*1\r\n$1000\r\n", maxBulk: 1000},
		{name: "bulk int64 max", in: "*1\r\n$9223372036854775807\r\nab", maxBulk: math.MaxInt64, want: "invalid bulk length"},
		{name: "bulk int64 overflow", in: "*1\r\n$9223372036854775808\r\n", maxBulk: math.MaxInt64, want: "invalid bulk length"},
		{name: "unauth bulk 20000", in: "*1\r\n$20000\r\n", unauth: true, want: "unauthenticated bulk length"},
		{name: "unauth bulk 16385", in: "*2\r\n$3\r\nGET\r\n$16385\r\n", unauth: true, want: "unauthenticated bulk length"},
		{name: "unauth bulk 16384", in: "*1\r\n$16384\r\n", unauth: true},
		{name: "unauth invalid bulk wins", in: "*1\r\n$-1\r\n", unauth: true, want: "invalid bulk length"},
		{name: "error after commands", in: mb("PING") + mb("PING") + "*1\r\n$x\r\n", want: "invalid bulk length", cmds: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, chunk := range []int{1, 5, 1 << 20} {
				r := newReader(&chunkReader{data: []byte(c.in), size: chunk})
				r.Authenticated = !c.unauth
				if c.maxBulk != 0 {
					r.MaxBulk = c.maxBulk
				}
				cmds, err := readAll(r)
				if len(cmds) != c.cmds {
					t.Fatalf("chunk %d: %d commands before the error, want %d", chunk, len(cmds), c.cmds)
				}
				if c.want == "" {
					if err != io.EOF {
						t.Fatalf("chunk %d: got %v, want io.EOF", chunk, err)
					}
					continue
				}
				var pe *ProtocolError
				if !errors.As(err, &pe) {
					t.Fatalf("chunk %d: got %v, want a ProtocolError", chunk, err)
				}
				if pe.Msg != c.want || err.Error() != "ERR Protocol error: "+c.want {
					t.Fatalf("chunk %d: got %q, want %q", chunk, err.Error(), "ERR Protocol error: "+c.want)
				}
			}
		})
	}
}

func TestReaderQueryBufferLimit(t *testing.T) {
	t.Run("bulk beyond the limit", func(t *testing.T) {
		r := newReader(&chunkReader{data: []byte(mb("SET", "k", strings.Repeat("v", 5000))), size: 100})
		r.MaxQuery = 1000
		_, err := r.ReadCommand()
		if !errors.Is(err, ErrQueryBufferLimit) {
			t.Fatalf("got %v, want ErrQueryBufferLimit", err)
		}
	})
	t.Run("announced bulk far beyond the limit is not preallocated", func(t *testing.T) {
		r := newReader(&partsReader{parts: [][]byte{[]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n"), make([]byte, 1<<20)}})
		r.MaxQuery = 100000
		_, err := r.ReadCommand()
		if !errors.Is(err, ErrQueryBufferLimit) {
			t.Fatalf("got %v, want ErrQueryBufferLimit", err)
		}
		if len(r.buf) > 4*minReadSize+100000 {
			t.Fatalf("buffer grew to %d bytes for a refused request", len(r.buf))
		}
	})
	t.Run("inline beyond the limit", func(t *testing.T) {
		r := newReader(&chunkReader{data: []byte(strings.Repeat("a", 3000)), size: 10})
		r.MaxQuery = 1000
		_, err := r.ReadCommand()
		if !errors.Is(err, ErrQueryBufferLimit) {
			t.Fatalf("got %v, want ErrQueryBufferLimit", err)
		}
	})
	t.Run("requests within the limit", func(t *testing.T) {
		var wire []byte
		for range 1000 {
			wire = append(wire, mb("SET", "k", strings.Repeat("v", 500))...)
		}
		r := newReader(&chunkReader{data: wire, size: 300})
		r.MaxQuery = 1000
		cmds, err := readAll(r)
		if err != io.EOF || len(cmds) != 1000 {
			t.Fatalf("got %d commands, %v", len(cmds), err)
		}
	})
	t.Run("unlimited", func(t *testing.T) {
		r := newReader(&chunkReader{data: []byte(mb("SET", "k", strings.Repeat("v", 3<<20))), size: 1 << 20})
		r.MaxQuery = 0
		args, err := r.ReadCommand()
		if err != nil || len(args[2]) != 3<<20 {
			t.Fatalf("got %v", err)
		}
	})
}

func TestReaderErrorsPropagate(t *testing.T) {
	if _, err := newReader(bytes.NewReader(nil)).ReadCommand(); err != io.EOF {
		t.Fatalf("empty stream: %v, want io.EOF", err)
	}
	// A stream ending mid-request reports the stream's error, not a protocol error.
	for _, in := range []string{"*2\r\n$3\r\nGET\r\n", "*2\r\n$3\r\nGET\r\n$1\r\n", "*1", "PING", "*1\r\n$4\r\nPING\r"} {
		cmds, err := readAll(newReader(bytes.NewReader([]byte(in))))
		if err != io.EOF || len(cmds) != 0 {
			t.Fatalf("%q: %q, %v; want io.EOF", in, cmds, err)
		}
	}
	boom := errors.New("boom")
	r := newReader(&errAfterReader{data: []byte(mb("PING") + "*1\r\n"), err: boom})
	if args, err := r.ReadCommand(); err != nil || string(args[0]) != "PING" {
		t.Fatalf("got %q, %v", args, err)
	}
	if _, err := r.ReadCommand(); err != boom {
		t.Fatalf("got %v, want the stream's error", err)
	}
	// Data returned together with io.EOF is still parsed.
	r = newReader(eofWithData{data: []byte(mb("PING"))})
	if args, err := r.ReadCommand(); err != nil || string(args[0]) != "PING" {
		t.Fatalf("data with EOF: %q, %v", args, err)
	}
	// A reader making no progress does not spin.
	if _, err := newReader(zeroReader{}).ReadCommand(); err != io.ErrNoProgress {
		t.Fatalf("zero reads: %v, want io.ErrNoProgress", err)
	}
}

type eofWithData struct{ data []byte }

func (e eofWithData) Read(p []byte) (int, error) { return copy(p, e.data), io.EOF }

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

// TestReaderArgsAreClipped checks that appending to a returned argument never
// overwrites the reader's buffer (and thus the following requests).
func TestReaderArgsAreClipped(t *testing.T) {
	wire := mb("SET", "k", "v") + "SET k2 v2 \"q\"\r\n" + mb("GET", "k")
	r := newReader(bytes.NewReader([]byte(wire)))
	for i := 0; i < 2; i++ {
		args, err := r.ReadCommand()
		if err != nil {
			t.Fatal(err)
		}
		for j, a := range args {
			if cap(a) != len(a) && !(i == 1 && j == 3) { // only the quoted "q" is a copy
				t.Fatalf("cmd %d: argument %q has capacity %d", i, a, cap(a))
			}
			_ = append(a, "XXXXXXXXXXXXXXXXXXXX"...)
		}
	}
	args, err := r.ReadCommand()
	if err != nil || len(args) != 2 || string(args[0]) != "GET" || string(args[1]) != "k" {
		t.Fatalf("following request corrupted: %q, %v", args, err)
	}
}

// TestReaderArgsSurviveBufferMoves checks the arguments of requests that
// straddle the end of the buffer, so that it is compacted or grown while
// they are parsed.
func TestReaderArgsSurviveBufferMoves(t *testing.T) {
	// Requests sized so that each one straddles the 16 KB buffer's end.
	var wire []byte
	var want [][]string
	for i := range 50 {
		v := strings.Repeat(string(rune('a'+i%26)), minReadSize/3+i*97)
		wire = append(wire, mb("SET", "key"+strconv.Itoa(i), v)...)
		want = append(want, []string{"SET", "key" + strconv.Itoa(i), v})
		if i%3 == 0 {
			wire = append(wire, fmt.Sprintf("GET key%d\r\n", i)...)
			want = append(want, []string{"GET", "key" + strconv.Itoa(i)})
		}
	}
	for _, chunk := range []int{1, 4093, minReadSize, 3 * minReadSize} {
		r := newReader(&chunkReader{data: wire, size: chunk})
		got, err := readAll(r)
		if err != io.EOF || !cmdsEqual(got, want) {
			t.Fatalf("chunk %d: %d commands, %v", chunk, len(got), err)
		}
	}
}

func TestParseLen(t *testing.T) {
	good := map[string]int64{
		"0": 0, "1": 1, "-1": -1, "10": 10, "2147483647": 2147483647,
		"9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64,
	}
	for s, want := range good {
		if n, ok := parseLen([]byte(s)); !ok || n != want {
			t.Errorf("parseLen(%q) = %d, %v; want %d", s, n, ok, want)
		}
	}
	for _, s := range []string{"", "-", "+1", "01", "-0", "-01", "00", " 1", "1 ", "1a", "0x10",
		"9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999",
		"000000000000000000001", "1.0"} {
		if n, ok := parseLen([]byte(s)); ok {
			t.Errorf("parseLen(%q) = %d, true; want false", s, n)
		}
	}
}

// repeatReader serves payload over and over.
type repeatReader struct {
	payload []byte
	off     int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.payload[r.off:])
		n += c
		r.off = (r.off + c) % len(r.payload)
	}
	return n, nil
}

// BenchmarkReadCommandPipeline parses pipelined batches of 1000
// "SET key:123 value" multibulk requests; one op is one batch.
func BenchmarkReadCommandPipeline(b *testing.B) {
	const batch = 1000
	payload := bytes.Repeat([]byte(mb("SET", "key:123", "value")), batch)
	r := newReader(&repeatReader{payload: payload})
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		for range batch {
			args, err := r.ReadCommand()
			if err != nil || len(args) != 3 {
				b.Fatalf("got %q, %v", args, err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/cmd")
}

// BenchmarkReadCommandInline is the same batch as inline requests.
func BenchmarkReadCommandInline(b *testing.B) {
	const batch = 1000
	payload := bytes.Repeat([]byte("SET key:123 value\r\n"), batch)
	r := newReader(&repeatReader{payload: payload})
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		for range batch {
			args, err := r.ReadCommand()
			if err != nil || len(args) != 3 {
				b.Fatalf("got %q, %v", args, err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/cmd")
}
