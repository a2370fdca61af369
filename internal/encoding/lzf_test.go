package encoding

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// lzfTestInputs returns inputs of many lengths and shapes: random bytes,
// runs of one byte, short repeated patterns and text-like data.
func lzfTestInputs() map[string][]byte {
	r := rand.New(rand.NewPCG(3, 4))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	smallAlphabet := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcd"[r.IntN(4)]
		}
		return b
	}
	in := map[string][]byte{}
	for _, n := range []int{0, 1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 65, 263, 264, 265, 266, 1000, 8191, 8192, 8193, 8194, 65535, 65536, 70000} {
		key := "/" + sizeName(n)
		in["random"+key] = random(n)
		in["zeros"+key] = make([]byte, n)
		in["abcd"+key] = smallAlphabet(n)
		in["pattern"+key] = bytes.Repeat([]byte("0123456789"), n/10+1)[:n]
		in["text"+key] = []byte(strings.Repeat("the quick brown fox jumps over the lazy dog; ", n/45+1)[:n])
	}
	// Repeats farther apart than a reference can reach.
	far := random(9000)
	in["far-repeat"] = append(append([]byte{}, far...), far...)
	return in
}

func TestLZFRoundTrip(t *testing.T) {
	for name, in := range lzfTestInputs() {
		c := LZFCompress(in, len(in)+len(in)/32+1)
		if c == nil {
			t.Fatalf("%s: LZFCompress returned nil with the worst-case bound as maxOut", name)
		}
		if len(c) > len(in)+len(in)/32+1 {
			t.Fatalf("%s: compressed %d bytes to %d, more than the worst case", name, len(in), len(c))
		}
		out, err := LZFDecompress(c, len(in))
		if err != nil {
			t.Fatalf("%s: LZFDecompress: %v", name, err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("%s: round trip mismatch", name)
		}
		// The same data must be refused when the caller expects a
		// different length.
		if len(in) > 0 {
			if _, err := LZFDecompress(c, len(in)-1); err == nil {
				t.Fatalf("%s: LZFDecompress accepted outLen %d for %d bytes", name, len(in)-1, len(in))
			}
		}
		if _, err := LZFDecompress(c, len(in)+1); err == nil {
			t.Fatalf("%s: LZFDecompress accepted outLen %d for %d bytes", name, len(in)+1, len(in))
		}
	}
}

func TestLZFCompressRatio(t *testing.T) {
	in := make([]byte, 70000)
	c := LZFCompress(in, len(in)-4)
	if c == nil || len(c) > len(in)/50 {
		t.Fatalf("70000 zero bytes compressed to %d bytes, want a high ratio", len(c))
	}
	text := []byte(strings.Repeat("hello world, ", 100))
	if c := LZFCompress(text, len(text)-4); c == nil || len(c) > len(text)/10 {
		t.Fatalf("repetitive text compressed to %d of %d bytes", len(c), len(text))
	}
}

func TestLZFCompressMaxOut(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	in := make([]byte, 1000)
	for i := range in {
		in[i] = byte(r.Uint32())
	}
	// Random data does not compress: Redis's limit len-4 must make it fail.
	if c := LZFCompress(in, len(in)-4); c != nil {
		t.Fatalf("random data compressed to %d bytes within %d", len(c), len(in)-4)
	}
	text := []byte(strings.Repeat("abcdefgh", 100))
	full := LZFCompress(text, len(text))
	if full == nil {
		t.Fatal("repetitive text did not compress")
	}
	if c := LZFCompress(text, len(full)); !bytes.Equal(c, full) {
		t.Fatalf("maxOut equal to the compressed size must succeed")
	}
	if c := LZFCompress(text, len(full)-1); c != nil {
		t.Fatalf("maxOut one below the compressed size must fail, got %d bytes", len(c))
	}
	if c := LZFCompress(text, -1); c != nil {
		t.Fatal("negative maxOut must fail")
	}
	if c := LZFCompress(nil, 0); c == nil || len(c) != 0 {
		t.Fatalf("empty input: got %v, want an empty non-nil slice", c)
	}
}

// Compressed strings taken from DUMP replies of a real redis-server 7.0.15
// (the payloads are written as Go string literals, as redis-cli printed
// them). Each is <type 0><0xC3><clen><len><data><version><crc64>.
var redisLZFDumps = []struct {
	payload string
	plain   string
}{
	{
		payload: "\x00\xc3$A\xba\rhello world, h\xe0k\x0c\x02abc\xe0\x00\x02\x00x\xe0\xff\x00\xe0\x18\x00\x01xx\n\x00\xb48\x11\x19B\xbcPd",
		plain:   strings.Repeat("hello world, ", 10) + "abcabcabcabc" + strings.Repeat("x", 300),
	},
	{
		payload: "\x00\xc3@\x93@\xc8\x04bacad \x00\x02bad \a\x03adcb \x10 \x00\x04dbdab \x16\x03cbbd !\x04abcac \r\x00c@#`\x17`\x14\x01dc 2@\x18\x02bba@(\x00c@+ \b@G\x00d \x1c@4 \x18\xc0S\x01ac F@:\x00b W@, M =@X \x1a ) < T ` \t 9 |@\x8d\x00c \x1b \x97 \x19 \x16 * \a@a \x1f ``J\x01db\n\x00\x84[\x90\x1a\xd9\xed\xff\xbe",
	},
}

// rdbLen decodes an RDB length (00: 6 bits, 01: 14 bits, 0x80: 32-bit BE,
// 0x81: 64-bit BE). special reports an 11xxxxxx encoding, whose low 6 bits
// are returned as the value.
func rdbLen(b []byte) (n uint64, special bool, rest []byte, ok bool) {
	if len(b) == 0 {
		return 0, false, nil, false
	}
	switch b[0] >> 6 {
	case 0:
		return uint64(b[0] & 0x3f), false, b[1:], true
	case 1:
		if len(b) < 2 {
			return 0, false, nil, false
		}
		return uint64(b[0]&0x3f)<<8 | uint64(b[1]), false, b[2:], true
	case 3:
		return uint64(b[0] & 0x3f), true, b[1:], true
	}
	switch b[0] {
	case 0x80:
		if len(b) < 5 {
			return 0, false, nil, false
		}
		return uint64(binary.BigEndian.Uint32(b[1:])), false, b[5:], true
	case 0x81:
		if len(b) < 9 {
			return 0, false, nil, false
		}
		return binary.BigEndian.Uint64(b[1:]), false, b[9:], true
	}
	return 0, false, nil, false
}

func TestLZFDecompressRedisDump(t *testing.T) {
	for i, d := range redisLZFDumps {
		p := []byte(d.payload)
		body := p[:len(p)-8]
		if got, want := CRC64(0, body), binary.LittleEndian.Uint64(p[len(p)-8:]); got != want {
			t.Fatalf("dump %d: CRC64 = %#x, footer says %#x", i, got, want)
		}
		rest := p[1 : len(p)-10]
		enc, special, rest, ok := rdbLen(rest)
		if !ok || !special || enc != 3 {
			t.Fatalf("dump %d: expected an LZF string (0xC3), got %#x", i, p[1])
		}
		clen, _, rest, ok := rdbLen(rest)
		if !ok {
			t.Fatalf("dump %d: bad compressed length", i)
		}
		ulen, _, rest, ok := rdbLen(rest)
		if !ok || uint64(len(rest)) != clen {
			t.Fatalf("dump %d: compressed length %d, %d bytes left", i, clen, len(rest))
		}
		out, err := LZFDecompress(rest, int(ulen))
		if err != nil {
			t.Fatalf("dump %d: %v", i, err)
		}
		if d.plain != "" && string(out) != d.plain {
			t.Fatalf("dump %d: decompressed %q, want %q", i, out, d.plain)
		}
		if d.plain == "" && strings.Trim(string(out), "abcd") != "" {
			t.Fatalf("dump %d: decompressed %q, want only a-d", i, out)
		}
		// Our compressor's output of the same text must decompress too.
		if c := LZFCompress(out, len(out)); c == nil {
			t.Fatalf("dump %d: LZFCompress failed on text Redis compressed", i)
		} else if back, err := LZFDecompress(c, len(out)); err != nil || !bytes.Equal(back, out) {
			t.Fatalf("dump %d: re-compression round trip failed: %v", i, err)
		}
	}
}

func TestLZFDecompressCorrupt(t *testing.T) {
	cases := []struct {
		name   string
		in     []byte
		outLen int
	}{
		{"negative length", []byte{0, 'a'}, -1},
		{"truncated literal", []byte{4, 'a', 'b'}, 5},
		{"reference before start", []byte{0, 'a', 0x20, 0x01}, 4},
		{"reference with no offset byte", []byte{0, 'a', 0x20}, 4},
		{"long reference with no length byte", []byte{0, 'a', 0xe0}, 20},
		{"output too long", []byte{2, 'a', 'b', 'c'}, 2},
		{"output too short", []byte{2, 'a', 'b', 'c'}, 4},
		{"impossible expansion", []byte{0, 'a'}, 1 << 40},
		{"empty input nonzero length", nil, 1},
	}
	for _, c := range cases {
		if out, err := LZFDecompress(c.in, c.outLen); err == nil {
			t.Errorf("%s: no error, got %q", c.name, out)
		}
	}
	if out, err := LZFDecompress(nil, 0); err != nil || len(out) != 0 {
		t.Errorf("empty input, length 0: %q, %v", out, err)
	}
	// An overlapping reference repeats the last byte.
	out, err := LZFDecompress([]byte{0, 'a', 0xe0, 3, 0}, 13)
	if err != nil || string(out) != strings.Repeat("a", 13) {
		t.Errorf("overlapping reference: %q, %v", out, err)
	}
}

func BenchmarkLZFCompress(b *testing.B) {
	inputs := lzfTestInputs()
	for _, name := range []string{"text/64KiB", "random/64KiB", "abcd/64KiB", "zeros/64KiB"} {
		in := inputs[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			var c []byte
			for b.Loop() {
				c = LZFCompress(in, len(in)+len(in)/32+1)
			}
			b.ReportMetric(float64(len(c))/float64(len(in)), "ratio")
		})
	}
}

func BenchmarkLZFDecompress(b *testing.B) {
	in := lzfTestInputs()["text/64KiB"]
	c := LZFCompress(in, len(in))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := LZFDecompress(c, len(in)); err != nil {
			b.Fatal(err)
		}
	}
}
