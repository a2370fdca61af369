package encoding

import (
	"math"
	"strconv"
	"testing"
)

func TestParseInt64Strict(t *testing.T) {
	accept := map[string]int64{
		"0":                    0,
		"1":                    1,
		"-1":                   -1,
		"12":                   12,
		"9223372036854775807":  math.MaxInt64,
		"-9223372036854775808": math.MinInt64,
		"-9223372036854775807": math.MinInt64 + 1,
		"4096":                 4096,
	}
	for in, want := range accept {
		got, ok := ParseInt64Strict([]byte(in))
		if !ok || got != want {
			t.Errorf("ParseInt64Strict(%q) = %d, %v; want %d, true", in, got, ok, want)
		}
	}
	for _, in := range []string{
		"", "-", "+5", "-0", "00", "007", "-01", " 1", "1 ", "1a", "a1", "1.0", "1e3",
		"9223372036854775808", "-9223372036854775809", "18446744073709551616",
		"99999999999999999999", "-99999999999999999999", "123456789012345678901",
		"000000000000000000001", "0x10", "١", "\x001",
	} {
		if got, ok := ParseInt64Strict([]byte(in)); ok {
			t.Errorf("ParseInt64Strict(%q) = %d, true; want false", in, got)
		}
	}
}

// Every canonical int64 text is accepted and every accepted text is
// canonical: formatting the value gives back the input.
func FuzzParseInt64Strict(f *testing.F) {
	for _, s := range []string{"0", "-0", "123", "+1", "007", "9223372036854775807", "-9223372036854775808", "9223372036854775808"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := ParseInt64Strict(b)
		canonical := false
		if v, err := strconv.ParseInt(string(b), 10, 64); err == nil && strconv.FormatInt(v, 10) == string(b) {
			canonical = true
			if ok && v != n {
				t.Fatalf("ParseInt64Strict(%q) = %d, strconv says %d", b, n, v)
			}
		}
		if ok != canonical {
			t.Fatalf("ParseInt64Strict(%q) ok = %v, canonical = %v", b, ok, canonical)
		}
	})
}
