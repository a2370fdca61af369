package encoding

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

type kv struct{ k, v string }

func zipmapPairs(t *testing.T, zm []byte) []kv {
	t.Helper()
	var got []kv
	if err := ZipmapEach(zm, func(k, v []byte) error {
		got = append(got, kv{string(k), string(v)})
		return nil
	}); err != nil {
		t.Fatalf("ZipmapEach: %v", err)
	}
	return got
}

// zmLen writes a zipmap length field (1 byte below 254, else 0xFE + LE32).
func zmLen(n int) []byte {
	if n < 254 {
		return []byte{byte(n)}
	}
	return binary.LittleEndian.AppendUint32([]byte{0xfe}, uint32(n))
}

func zmBuild(count byte, pairs []kv, free int) []byte {
	zm := []byte{count}
	for _, p := range pairs {
		zm = append(append(zm, zmLen(len(p.k))...), p.k...)
		zm = append(append(zm, zmLen(len(p.v))...), byte(free))
		zm = append(zm, p.v...)
		zm = append(zm, make([]byte, free)...)
	}
	return append(zm, 0xff)
}

func TestZipmapHandVector(t *testing.T) {
	// The two-pair map from the format description, byte by byte.
	zm := []byte("\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff")
	want := []kv{{"foo", "bar"}, {"hello", "world"}}
	got := zipmapPairs(t, zm)
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestZipmapLongAndFree(t *testing.T) {
	pairs := []kv{{"k", strings.Repeat("v", 300)}, {strings.Repeat("K", 254), ""}, {"", "x"}}
	for _, free := range []int{0, 3} {
		for _, count := range []byte{3, 254} {
			got := zipmapPairs(t, zmBuild(count, pairs, free))
			if len(got) != len(pairs) {
				t.Fatalf("free %d count %d: %d pairs", free, count, len(got))
			}
			for i := range pairs {
				if got[i] != pairs[i] {
					t.Fatalf("free %d: pair %d = %q, want %q", free, i, got[i], pairs[i])
				}
			}
		}
	}
}

func TestZipmapCorrupt(t *testing.T) {
	good := func() []byte { return []byte("\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff") }
	mod := func(f func([]byte) []byte) []byte { return f(good()) }
	cases := map[string][]byte{
		"empty buffer":        {},
		"only terminator":     {0xff},
		"empty map":           {0, 0xff},
		"no terminator":       mod(func(b []byte) []byte { b[len(b)-1] = 0; return b }),
		"count wrong":         mod(func(b []byte) []byte { b[0] = 3; return b }),
		"key overruns":        mod(func(b []byte) []byte { b[1] = 200; return b }),
		"value overruns":      mod(func(b []byte) []byte { b[5] = 200; return b }),
		"free overruns":       mod(func(b []byte) []byte { b[6] = 200; return b }),
		"big key len cut":     {1, 0xfe, 1, 0xff},
		"big key len huge":    {1, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff},
		"value missing":       {1, 1, 'a', 0xff},
		"value len is end":    {1, 1, 'a', 0xff, 0xff},
		"free byte missing":   {1, 1, 'a', 0, 0xff},
		"trailing garbage":    mod(func(b []byte) []byte { return append(b[:len(b)-1], 0xff, 0, 0xff) }),
		"terminator too soon": []byte("\x01\x01a\x01\x00b\xff\x00\xff"),
	}
	for name, zm := range cases {
		err := ZipmapEach(zm, func(k, v []byte) error { return nil })
		if err == nil {
			t.Errorf("%s: ZipmapEach accepted % x", name, zm)
		} else if !strings.HasPrefix(err.Error(), "zipmap: ") {
			t.Errorf("%s: error %q lacks the zipmap: prefix", name, err)
		}
	}
	stop := errors.New("stop")
	if err := ZipmapEach(good(), func(k, v []byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
}
