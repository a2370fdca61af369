package encoding

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// crc64Bitwise is the textbook bit-at-a-time reflected CRC, the reference
// the table-driven CRC64 is checked against.
func crc64Bitwise(crc uint64, p []byte) uint64 {
	for _, b := range p {
		crc ^= uint64(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ crc64JonesReflected
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func TestCRC64CheckValue(t *testing.T) {
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("CRC64(0, \"123456789\") = %#x, want 0xe9c6d914c4b8d9ca", got)
	}
	if got := CRC64(0, nil); got != 0 {
		t.Fatalf("CRC64(0, nil) = %#x, want 0", got)
	}
	// The lorem ipsum check value of Redis's crc64 self test, which
	// includes the C string's terminating NUL.
	li := []byte("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed " +
		"do eiusmod tempor incididunt ut labore et dolore magna " +
		"aliqua. Ut enim ad minim veniam, quis nostrud exercitation " +
		"ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis " +
		"aute irure dolor in reprehenderit in voluptate velit esse " +
		"cillum dolore eu fugiat nulla pariatur. Excepteur sint " +
		"occaecat cupidatat non proident, sunt in culpa qui officia " +
		"deserunt mollit anim id est laborum.\x00")
	if got := CRC64(0, li); got != 0xc7794709e69683b3 {
		t.Fatalf("CRC64(lorem ipsum) = %#x, want 0xc7794709e69683b3", got)
	}
}

func TestCRC64MatchesBitwiseAndIsIncremental(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 4099)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for n := 0; n <= len(buf); n += 1 + n/7 {
		p := buf[:n]
		want := crc64Bitwise(0, p)
		if got := CRC64(0, p); got != want {
			t.Fatalf("len %d: CRC64 = %#x, bitwise = %#x", n, got, want)
		}
		split := r.IntN(n + 1)
		if got := CRC64(CRC64(0, p[:split]), p[split:]); got != want {
			t.Fatalf("len %d split %d: incremental CRC64 = %#x, want %#x", n, split, got, want)
		}
	}
}

func TestCRC16(t *testing.T) {
	cases := []struct {
		in   string
		want uint16
	}{
		{"", 0},
		{"123456789", 0x31c3},
		// Slots from the Redis Cluster specification's examples
		// (CLUSTER KEYSLOT): crc16 % 16384.
		{"foo", 12182},
		{"bar", 5061},
		{"hello", 866},
	}
	for _, c := range cases {
		got := CRC16([]byte(c.in))
		if c.in == "123456789" || c.in == "" {
			if got != c.want {
				t.Errorf("CRC16(%q) = %#x, want %#x", c.in, got, c.want)
			}
			continue
		}
		if got%16384 != c.want {
			t.Errorf("CRC16(%q) %% 16384 = %d, want slot %d", c.in, got%16384, c.want)
		}
	}
}

func BenchmarkCRC64(b *testing.B) {
	for _, size := range []int{64, 4096, 1 << 20} {
		buf := make([]byte, size)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		b.Run(sizeName(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			var crc uint64
			for b.Loop() {
				crc = CRC64(crc, buf)
			}
			_ = crc
		})
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}
