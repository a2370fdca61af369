package server

import (
	"strings"
	"testing"
)

// TestInnerElement: the lookahead finds the member or field of ZADD, HSET
// and SADD in any letter case, and nothing in other commands or short
// requests.
func TestInnerElement(t *testing.T) {
	cases := []struct {
		req  string
		want string
	}{
		{"ZADD z 1 m", "m"}, {"zadd z 1 m n 2", "m"}, {"HSET h f v", "f"}, {"hSet h f v g w", "f"},
		{"SADD s m", "m"}, {"sadd s m n", "m"}, {"ZADD z 1", ""}, {"HSET h", ""}, {"GET k", ""},
		{"SREM s m", ""}, {"HSETNX h f v", ""},
	}
	for _, c := range cases {
		var req [][]byte
		for _, a := range strings.Fields(c.req) {
			req = append(req, []byte(a))
		}
		if got := innerElement(req); string(got) != c.want || (c.want == "") != (got == nil) {
			t.Errorf("%q: %q, want %q", c.req, got, c.want)
		}
	}
}

// TestPipelinedCollectionWrites: pipelines of ZADD, HSET and SADD on big
// collections (the lookahead loads their members' table slots) and of SET
// on many keys leave exactly what the same commands sent one by one do.
func TestPipelinedCollectionWrites(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	var b strings.Builder
	const n = 3000
	for i := 0; i < n; i++ {
		m := itoa(int64(i % 1000))
		for _, args := range [][]string{{"ZADD", "z", itoa(int64(i)), "m" + m}, {"HSET", "h", "f" + m, itoa(int64(i))},
			{"SADD", "s", "m" + m}, {"SET", "k" + itoa(int64(i)), m}} {
			b.WriteString("*" + itoa(int64(len(args))) + "\r\n")
			for _, a := range args {
				b.WriteString("$" + itoa(int64(len(a))) + "\r\n" + a + "\r\n")
			}
		}
	}
	c.conn.Write([]byte(b.String()))
	for i := 0; i < 4*n; i++ {
		if _, err := c.read(); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
	}
	for _, check := range []struct {
		args []string
		want int64
	}{{[]string{"ZCARD", "z"}, 1000}, {[]string{"HLEN", "h"}, 1000}, {[]string{"SCARD", "s"}, 1000}, {[]string{"DBSIZE"}, n + 3}} {
		if r := c.do(check.args...); r.n != check.want {
			t.Errorf("%v = %d, want %d", check.args, r.n, check.want)
		}
	}
	if r := c.do("ZSCORE", "z", "m999"); r.str != "2999" {
		t.Errorf("ZSCORE z m999 = %q, want 2999 (the last write)", r.str)
	}
	if r := c.do("HGET", "h", "f0"); r.str != "2000" {
		t.Errorf("HGET h f0 = %q, want 2000", r.str)
	}
}
