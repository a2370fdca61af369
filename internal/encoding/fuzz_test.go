package encoding

import (
	"bytes"
	"testing"
)

// The fuzz targets feed arbitrary bytes to the readers, which must never
// panic and must agree with themselves (a walk that succeeds once succeeds
// again with the same result). Where a writer exists, accepted input is
// re-encoded and checked against the reader.

func FuzzLZFDecompress(f *testing.F) {
	for _, in := range [][]byte{
		nil,
		[]byte("hello hello hello hello"),
		bytes.Repeat([]byte{0}, 300),
		[]byte("abcabcabcabcxyzxyzxyz0123456789012345678901234567890123456789"),
	} {
		c := LZFCompress(in, len(in)+len(in)/32+1)
		f.Add(c, len(in))
	}
	f.Add([]byte{0, 'a', 0xe0, 3, 0}, 13)
	f.Add([]byte{0xff, 0xff, 0xff}, 100)
	f.Fuzz(func(t *testing.T, in []byte, outLen int) {
		// Keep allocations small: the caller bounds outLen in real use.
		if outLen > 1<<20 {
			outLen %= 1 << 20
		}
		out, err := LZFDecompress(in, outLen)
		if err != nil {
			return
		}
		if len(out) != outLen {
			t.Fatalf("LZFDecompress returned %d bytes, asked for %d", len(out), outLen)
		}
		c := LZFCompress(out, len(out)+len(out)/32+1)
		back, err := LZFDecompress(c, len(out))
		if err != nil || !bytes.Equal(back, out) {
			t.Fatalf("re-compression round trip failed: %v", err)
		}
	})
}
