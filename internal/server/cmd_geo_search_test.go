package server

import "testing"

func TestAppendGeoDistance(t *testing.T) {
	for _, c := range []struct {
		d    float64
		want string
	}{
		{0, "0.0000"}, {1, "1.0000"}, {166274.15156960033, "166274.1516"},
		{0.00005, "0.0000"}, // 0.5 after scaling: ties go to even
		{0.00015, "0.0001"}, // the product is 1.4999999999999998 {2.5, "2.5000"}, {12345678.99999, "12345679.0000"},
	} {
		if got := string(appendGeoDistance(nil, c.d)); got != c.want {
			t.Errorf("appendGeoDistance(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestGeoStoreKeys(t *testing.T) {
	args := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, a := range s {
			out[i] = []byte(a)
		}
		return out
	}
	got := georadiusKeys(args("georadius", "k", "0", "0", "1", "km", "STORE", "a", "storedist", "b", "STORE", "c"))
	if len(got) != 3 || got[0] != 1 || got[1] != 7 || got[2] != 9 {
		t.Fatalf("georadius keys %v", got)
	}
	got = georadiusByMemberKeys(args("georadiusbymember", "k", "store", "1", "km"))
	if len(got) != 1 {
		t.Fatalf("a member named store is not a keyword: %v", got)
	}
}
