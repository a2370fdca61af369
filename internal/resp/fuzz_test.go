package resp

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// refCommand is a request decoded by refReader.
type refCommand struct {
	args      []string
	multibulk bool
}

// refReader is an independent, non-streaming model of Redis's request
// parsing (processMultibulkBuffer / processInlineBuffer) over a complete
// input. It returns the requests and the error that ends the stream: a
// *ProtocolError, or io.EOF when the input ends (possibly mid-request).
func refReader(in []byte, authenticated bool, maxBulk int64) ([]refCommand, error) {
	perr := func(msg string) error { return &ProtocolError{msg} }
	// Redis's string2ll accepts exactly the canonical decimal form of an int64.
	number := func(b []byte) (int64, bool) {
		n, err := strconv.ParseInt(string(b), 10, 64)
		return n, err == nil && strconv.FormatInt(n, 10) == string(b)
	}
	// lineEnd finds the '\r' ending a length line at pos; ok=false with a nil
	// error means the input ends before the line (and the byte after '\r').
	lineEnd := func(pos int, tooBig string) (int, bool, error) {
		i := bytes.IndexByte(in[pos:], '\r')
		if i < 0 {
			if len(in)-pos > InlineMax {
				return 0, false, perr(tooBig)
			}
			return 0, false, nil
		}
		if pos+i+1 >= len(in) {
			return 0, false, nil
		}
		return pos + i, true, nil
	}
	var cmds []refCommand
	pos := 0
	for pos < len(in) {
		if in[pos] != '*' {
			nl := bytes.IndexByte(in[pos:], '\n')
			if nl < 0 {
				if len(in)-pos > InlineMax {
					return cmds, perr("too big inline request")
				}
				return cmds, io.EOF
			}
			line := in[pos : pos+nl]
			line = bytes.TrimSuffix(line, []byte("\r"))
			args, ok := SplitArgs(line, nil)
			if !ok {
				return cmds, perr("unbalanced quotes in request")
			}
			pos += nl + 1
			if len(args) > 0 {
				c := refCommand{}
				for _, a := range args {
					c.args = append(c.args, string(a))
				}
				cmds = append(cmds, c)
			}
			continue
		}
		end, ok, err := lineEnd(pos, "too big mbulk count string")
		if err != nil || !ok {
			return cmds, cmp(err, io.EOF)
		}
		n, valid := number(in[pos+1 : end])
		if !valid || n > math.MaxInt32 {
			return cmds, perr("invalid multibulk length")
		}
		if !authenticated && n > 10 {
			return cmds, perr("unauthenticated multibulk length")
		}
		pos = end + 2
		if n <= 0 {
			continue
		}
		c := refCommand{multibulk: true}
		for range n {
			end, ok, err := lineEnd(pos, "too big bulk count string")
			if err != nil || !ok {
				return cmds, cmp(err, io.EOF)
			}
			if in[pos] != '$' {
				return cmds, perr("expected '$', got '" + string(in[pos:pos+1]) + "'")
			}
			m, valid := number(in[pos+1 : end])
			if !valid || m < 0 || m > maxBulk {
				return cmds, perr("invalid bulk length")
			}
			if !authenticated && m > 16384 {
				return cmds, perr("unauthenticated bulk length")
			}
			pos = end + 2
			if int64(len(in)-pos) < m+2 {
				return cmds, io.EOF
			}
			c.args = append(c.args, string(in[pos:pos+int(m)]))
			pos += int(m) + 2
		}
		cmds = append(cmds, c)
	}
	return cmds, io.EOF
}

func cmp(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// checkReader runs data through a Reader fed in chunks chosen by seed and
// checks it against refReader. The flags pick the authentication state and
// MaxBulk.
func checkReader(t *testing.T, data []byte, seed uint64, flags uint8) {
	authenticated := flags&1 == 0
	maxBulk := []int64{512 << 20, 0, 1, 5, 100, 16385, math.MaxInt64, 1 << 40}[flags>>1&7]
	rng := rand.New(rand.NewPCG(seed, uint64(flags)))
	var src io.Reader
	switch seed % 4 {
	case 0:
		src = &chunkReader{data: data, size: 1}
	case 1:
		src = &chunkReader{data: data, size: len(data)}
	default:
		src = &randomChunkReader{data: data, rng: rng, maxChunk: 1 + int(seed%97)}
	}
	r := NewReader(src)
	r.Authenticated = authenticated
	r.MaxBulk = maxBulk
	// A limit far above the input keeps announced bulks from reserving up
	// to MaxBulk bytes; with the top flag bit it is hit instead.
	r.MaxQuery = 1 << 20
	if flags&0x80 != 0 {
		r.MaxQuery = int64(len(data)/2 + 1)
	}

	var got []refCommand
	var err error
	argBytes := 0
	for calls := 0; ; calls++ {
		// Every returned request consumes at least one byte, so more calls
		// than bytes means the reader is looping.
		if calls > len(data)+1 {
			t.Fatalf("ReadCommand called %d times on %d bytes without an error", calls, len(data))
		}
		var args [][]byte
		args, err = r.ReadCommand()
		if err == nil {
			// The lookahead must never fail or look past what it may.
			if n := r.PeekKeys(8, func(args [][]byte) {
				if len(args) > PeekArgs {
					t.Fatalf("PeekKeys reported %d arguments", len(args))
				}
			}); n < 0 || n > 8 {
				t.Fatalf("PeekKeys looked at %d requests", n)
			}
		}
		if err != nil {
			if args != nil {
				t.Fatalf("args %q returned with error %v", args, err)
			}
			break
		}
		if len(args) == 0 {
			t.Fatal("empty request returned")
		}
		c := refCommand{multibulk: true}
		for _, a := range args {
			argBytes += len(a)
			c.args = append(c.args, string(a))
			if !bytes.Contains(data, a) {
				c.multibulk = false // an inline argument built from escapes
			}
		}
		got = append(got, c)
	}
	// Arguments never hold more bytes than the input (escapes only shrink).
	if argBytes > len(data) {
		t.Fatalf("%d argument bytes from %d input bytes", argBytes, len(data))
	}
	if r.Buffered() < 0 || r.Total > int64(len(data)) {
		t.Fatalf("Buffered %d, Total %d for %d bytes", r.Buffered(), r.Total, len(data))
	}
	var pe *ProtocolError
	if err != io.EOF && !errors.As(err, &pe) && !errors.Is(err, ErrQueryBufferLimit) {
		t.Fatalf("unexpected error %v", err)
	}
	if errors.Is(err, ErrQueryBufferLimit) {
		if r.MaxQuery <= 0 {
			t.Fatal("ErrQueryBufferLimit without a limit")
		}
		return // where the limit hits depends on the chunking
	}

	// Compare with the model. Beyond InlineMax bytes, whether an over-long
	// line is refused depends on how much of it has arrived when it is
	// scanned, as in Redis, so only compare shorter inputs exactly.
	if len(data) > InlineMax+1 {
		return
	}
	want, wantErr := refReader(data, authenticated, min(maxBulk, math.MaxInt-2))
	if len(got) != len(want) {
		t.Fatalf("got %d requests, model %d\ngot   %+v\nmodel %+v", len(got), len(want), got, want)
	}
	for i := range want {
		if strings.Join(got[i].args, "\x00") != strings.Join(want[i].args, "\x00") || len(got[i].args) != len(want[i].args) {
			t.Fatalf("request %d: got %q, model %q", i, got[i].args, want[i].args)
		}
		if want[i].multibulk && !got[i].multibulk {
			t.Fatalf("request %d: multibulk argument not present in the input", i)
		}
	}
	if err.Error() != wantErr.Error() {
		t.Fatalf("got error %q, model %q", err, wantErr)
	}
}

func readerSeeds() [][]byte {
	seeds := []string{
		"", "PING\r\n", "PING\n", "\r\n", mb("SET", "k", "v"), mb(), "*0\r\n", "*-1\r\n",
		"*1\r\n$4\r\nPING\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "*1\r\n$-1\r\n", "*1\r\nx\r\n",
		"*3000000000\r\n", "*abc\r\n", "*11\r\n", "*1\r\n$20000\r\n", "*1\r\n$16384\r\n",
		"SET \"a b\" 'c'\r\n", "SET \"a\r\n", "ECHO \"\\x41\\n\"\r\n", "ECHO a\vb\r\n",
		"*1\r\n$3\r\nabcXY*1\r\n$1\r\nz\r\n", "*2\r\n$1\r\na\r\n", "*-0\r\n", "*01\r\n",
		"*1\r\n$-0\r\n", "*1\r\n\xff\r\n", "*1\r\n\r\n", "*\r\n", "$3\r\nfoo\r\n",
		mb("MSET", strings.Repeat("k", 300), strings.Repeat("v", 3000)) + "PING\r\n" + mb("GET", "k"),
	}
	out := make([][]byte, len(seeds))
	for i, s := range seeds {
		out[i] = []byte(s)
	}
	return out
}

// FuzzReader: arbitrary bytes, delivered in arbitrary chunks, must never
// panic or loop, and must decode exactly as the Redis model does.
func FuzzReader(f *testing.F) {
	for i, s := range readerSeeds() {
		f.Add(s, uint64(i), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, flags uint8) {
		checkReader(t, data, seed, flags)
	})
}

// TestReaderModel runs the fuzz check over mutated seeds, so that plain
// `go test` covers it too.
func TestReaderModel(t *testing.T) {
	seeds := readerSeeds()
	rng := rand.New(rand.NewPCG(7, 7))
	alphabet := []byte("*$\r\n-0123456789 \"'\\xabPING")
	for i := range 20000 {
		data := bytes.Clone(seeds[rng.IntN(len(seeds))])
		for range rng.IntN(4) {
			switch op := rng.IntN(4); {
			case op == 0 && len(data) > 0:
				data[rng.IntN(len(data))] = alphabet[rng.IntN(len(alphabet))]
			case op == 1:
				p := rng.IntN(len(data) + 1)
				data = append(data[:p], append([]byte{alphabet[rng.IntN(len(alphabet))]}, data[p:]...)...)
			case op == 2 && len(data) > 0:
				p := rng.IntN(len(data))
				data = append(data[:p], data[p+1:]...)
			default:
				data = append(data, seeds[rng.IntN(len(seeds))]...)
			}
		}
		checkReader(t, data, uint64(i), uint8(rng.UintN(256)))
	}
}

// FuzzSplitArgs: SplitArgs never panics, agrees with the sdssplitargs model
// on NUL-free input, and its bare words are clipped subslices of the line.
func FuzzSplitArgs(f *testing.F) {
	for _, tc := range splitCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte("a\x00b \"c\x00\""))
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := bytes.Clone(line)
		args, ok := SplitArgs(line, nil)
		if !ok && args != nil {
			t.Fatalf("unbalanced with args %q", args)
		}
		total := 0
		for _, a := range args {
			total += len(a)
			_ = append(a, "XXXXXXXX"...) // must not write into line
		}
		if total > len(line) {
			t.Fatalf("%d argument bytes from a %d byte line", total, len(line))
		}
		if !bytes.Equal(line, orig) {
			t.Fatalf("line modified: %q -> %q", orig, line)
		}
		if bytes.IndexByte(line, 0) >= 0 {
			return // Redis stops at NUL; SplitArgs deliberately does not
		}
		want, wantOK := refSplitArgs(line)
		if ok != wantOK || (ok && !equalArgs(args, want)) {
			t.Fatalf("SplitArgs(%q) = %q, %v; model %q, %v", line, args, ok, want, wantOK)
		}
	})
}
