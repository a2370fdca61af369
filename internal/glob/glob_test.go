package glob

import (
	"bufio"
	"fmt"
	"math/rand"
	"net"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// matchCases lists expected results as Redis 7.0.15's stringmatchlen
// computes them. Case-sensitive entries are also replayed against a real
// redis-server by TestMatchAgainstRedis when one is installed.
var matchCases = []struct {
	pattern, s string
	nocase     bool
	want       bool
}{
	// Literals and empty inputs.
	{"", "", false, true},
	{"", "a", false, false},
	{"a", "", false, false},
	{"*", "", false, false}, // Redis quirk: '*' never matches the empty subject
	{"**", "", false, false},
	{"abc", "abc", false, true},
	{"abc", "abd", false, false},
	{"abc", "ab", false, false},
	{"ab", "abc", false, false},
	{"ABC", "abc", false, false},
	{"ABC", "abc", true, true},

	// '*' and '?'.
	{"*", "anything", false, true},
	{"a*", "a", false, true},
	{"a*", "abc", false, true},
	{"*c", "abc", false, true},
	{"*c", "abd", false, false},
	{"a*c", "ac", false, true},
	{"a*c", "abbbc", false, true},
	{"a*c", "abbbcd", false, false},
	{"a**c", "abc", false, true},
	{"*a*b*c*", "xxaxxbxxcxx", false, true},
	{"*a*b*c*", "xxaxxcxxbxx", false, false},
	{"a*b*", "ab", false, true},
	{"a*b*", "ba", false, false},
	{"?", "a", false, true},
	{"?", "", false, false},
	{"?", "ab", false, false},
	{"??", "ab", false, true},
	{"a?c", "abc", false, true},
	{"*?", "a", false, true},
	{"?*", "a", false, true},
	{"*??", "a", false, false},
	{"h?llo", "hello", false, true},
	{"h*llo", "heeeello", false, true},
	{"H*LLO", "heeeello", true, true},

	// Sets and ranges.
	{"h[ae]llo", "hello", false, true},
	{"h[ae]llo", "hallo", false, true},
	{"h[ae]llo", "hillo", false, false},
	{"h[^e]llo", "hallo", false, true},
	{"h[^e]llo", "hello", false, false},
	{"h[a-b]llo", "hbllo", false, true},
	{"h[a-b]llo", "hcllo", false, false},
	{"h[b-a]llo", "hallo", false, true}, // reversed range
	{"[z-a]", "m", false, true},
	{"[A-Z]", "q", false, false},
	{"[A-Z]", "q", true, true},
	{"[a-z]", "Q", true, true},
	{"[Z-a]", "_", false, true},
	{"[Z-a]", "_", true, false}, // folded bounds become z..a: empty
	{"[abc]", "B", true, true},
	{"[^abc]", "B", true, false},
	{"[a-c]x", "bx", false, true},
	{"[-a]", "-", false, true},
	{"[a-]", "a", false, true}, // range a..']' (reversed), set unterminated
	{"[a-]", "]", false, true},
	{"[a-]", "^", false, true},
	{"[a-]", "-", false, false},
	{"[a-]x", "ax", false, false}, // "]x" is swallowed by the range/set
	{"[]", "]", false, false},
	{"[]]", "]", false, false}, // "[]" is an empty set
	{"[]]", "]]", false, false},
	{"[^]]", "x]", false, true},
	{"[^]", "x", false, true},
	{"[", "[", false, false},
	{"[", "a", false, false},
	{"[^", "a", false, true},
	{"[^", "ab", false, false},
	{"[abc", "b", false, true},
	{"[abc", "bc", false, false},
	{"a[", "a[", false, false},
	{"[\\]]", "]", false, true},
	{"[\\-]", "-", false, true},
	{"[\\^a]", "^", false, true},
	{"[\\A]", "a", true, false}, // escapes in sets stay case-sensitive
	{"[\\A]", "A", true, true},
	{"[a\\]", "]", false, true}, // "\]" escapes the bracket: set unterminated
	{"[a\\]", "\\", false, false},
	{"[a\\", "\\", false, true}, // trailing backslash in a set is literal
	{"[\\", "\\", false, true},
	{"[a-\\]", "^", false, true}, // range a..'\' reversed
	{"[*]", "*", false, true},
	{"[*]", "a", false, false},
	{"[?]", "a", false, false},
	{"[a-c][x-z]", "by", false, true},

	// Escapes.
	{"\\*", "*", false, true},
	{"\\*", "a", false, false},
	{"\\?", "?", false, true},
	{"\\[a]", "[a]", false, true},
	{"a\\", "a\\", false, true}, // trailing backslash matches itself
	{"\\", "\\", false, true},
	{"\\a", "a", false, true},
	{"\\A", "a", true, true},
	{"\\\\", "\\", false, true},
	{"*\\*", "abc*", false, true},

	// Bytes >= 0x80 compare as signed chars in ranges.
	{"[a-\xff]", "\xff", false, true},
	{"[a-\xff]", "\x00", false, true},
	{"[a-\xff]", "b", false, false},
	{"[\x80-\xff]", "\x90", false, true},
	{"\xe9", "\xe9", false, true},
	{"\xc9", "\xe9", true, false},
}

func TestMatchTable(t *testing.T) {
	for _, tc := range matchCases {
		if got := Match(tc.pattern, tc.s, tc.nocase); got != tc.want {
			t.Errorf("Match(%q, %q, %v) = %v, want %v", tc.pattern, tc.s, tc.nocase, got, tc.want)
		}
		if got := MatchBytes([]byte(tc.pattern), []byte(tc.s), tc.nocase); got != tc.want {
			t.Errorf("MatchBytes(%q, %q, %v) = %v, want %v", tc.pattern, tc.s, tc.nocase, got, tc.want)
		}
		if got := refMatch(tc.pattern, tc.s, tc.nocase); got != tc.want {
			t.Errorf("refMatch(%q, %q, %v) = %v, want %v (reference model disagrees)", tc.pattern, tc.s, tc.nocase, got, tc.want)
		}
	}
}

// refToken is one unit of a pattern in the reference model: a star or a
// predicate on one byte.
type refToken struct {
	star bool
	ok   func(c byte) bool
}

// refTokens splits a pattern into tokens following the grammar described
// in the package documentation. It is deliberately written differently
// from the production matcher (explicit tokenisation, then recursion).
func refTokens(pat string, nocase bool) []refToken {
	fold := func(c int) int {
		if c >= 'A' && c <= 'Z' {
			return c + 32
		}
		return c
	}
	same := func(a, b byte) bool { return a == b || (nocase && fold(int(a)) == fold(int(b))) }
	var toks []refToken
	for i := 0; i < len(pat); {
		switch c := pat[i]; {
		case c == '*':
			toks = append(toks, refToken{star: true})
			i++
		case c == '?':
			toks = append(toks, refToken{ok: func(byte) bool { return true }})
			i++
		case c == '\\':
			lit := byte('\\')
			if i+1 < len(pat) {
				lit = pat[i+1]
				i++
			}
			i++
			toks = append(toks, refToken{ok: func(b byte) bool { return same(lit, b) }})
		case c == '[':
			j := i + 1
			neg := j < len(pat) && pat[j] == '^'
			if neg {
				j++
			}
			var items []func(byte) bool
			for j < len(pat) && pat[j] != ']' {
				switch {
				case pat[j] == '\\' && j+1 < len(pat):
					e := pat[j+1]
					items = append(items, func(b byte) bool { return b == e })
					j += 2
				case j+2 < len(pat) && pat[j+1] == '-':
					lo, hi := int(int8(pat[j])), int(int8(pat[j+2]))
					if lo > hi {
						lo, hi = hi, lo
					}
					items = append(items, func(b byte) bool {
						l, h, x := lo, hi, int(int8(b))
						if nocase {
							l, h, x = fold(l), fold(h), fold(x)
						}
						return x >= l && x <= h
					})
					j += 3
				default:
					e := pat[j]
					items = append(items, func(b byte) bool { return same(e, b) })
					j++
				}
			}
			if j < len(pat) {
				j++ // closing bracket
			}
			i = j
			toks = append(toks, refToken{ok: func(b byte) bool {
				in := false
				for _, f := range items {
					if f(b) {
						in = true
					}
				}
				return in != neg
			}})
		default:
			i++
			toks = append(toks, refToken{ok: func(b byte) bool { return same(c, b) }})
		}
	}
	return toks
}

// refMatch is textbook glob semantics over refTokens plus Redis's rule
// that an empty subject only matches an empty pattern.
func refMatch(pat, s string, nocase bool) bool {
	if s == "" {
		return pat == ""
	}
	toks := refTokens(pat, nocase)
	memo := map[[2]int]bool{}
	var rec func(ti, si int) bool
	rec = func(ti, si int) bool {
		key := [2]int{ti, si}
		if v, ok := memo[key]; ok {
			return v
		}
		var r bool
		switch {
		case ti == len(toks):
			r = si == len(s)
		case toks[ti].star:
			for k := si; k <= len(s) && !r; k++ {
				r = rec(ti+1, k)
			}
		case si < len(s):
			r = toks[ti].ok(s[si]) && rec(ti+1, si+1)
		}
		memo[key] = r
		return r
	}
	return rec(0, 0)
}

// randomText builds short strings over an alphabet rich in metacharacters.
func randomText(r *rand.Rand, alphabet string, max int) string {
	n := r.Intn(max + 1)
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return string(b)
}

const (
	patternAlphabet = "ab*?[]^-\\Ax\xff\x80"
	subjectAlphabet = "abAB]^-\\x[*\xff\x80"
)

func TestMatchReference(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		p := randomText(r, patternAlphabet, 10)
		s := randomText(r, subjectAlphabet, 8)
		nocase := i%2 == 1
		if got, want := Match(p, s, nocase), refMatch(p, s, nocase); got != want {
			t.Fatalf("Match(%q, %q, %v) = %v, reference says %v", p, s, nocase, got, want)
		}
	}
}

func TestPathologicalPatterns(t *testing.T) {
	subject := strings.Repeat("a", 5000)
	pattern := strings.Repeat("a*", 500) + "b"
	start := time.Now()
	if Match(pattern, subject, false) {
		t.Fatal("unexpected match")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("pathological pattern took %v", d)
	}
	if !Match(strings.Repeat("*a", 500), subject, true) {
		t.Fatal("expected match")
	}
}

func TestMatchBytesDoesNotAllocate(t *testing.T) {
	p, s := []byte("*a[b-d]?\\x*[^z]"), []byte("xxxxabcxyyyyq")
	allocs := testing.AllocsPerRun(1000, func() {
		MatchBytes(p, s, true)
		Match("h*[ae]llo", "heeello", false)
	})
	if allocs != 0 {
		t.Fatalf("got %v allocations per run, want 0", allocs)
	}
}

func FuzzMatch(f *testing.F) {
	for _, tc := range matchCases {
		f.Add(tc.pattern, tc.s, tc.nocase)
	}
	f.Fuzz(func(t *testing.T, pattern, s string, nocase bool) {
		got := Match(pattern, s, nocase)
		if b := MatchBytes([]byte(pattern), []byte(s), nocase); b != got {
			t.Fatalf("Match=%v MatchBytes=%v for %q %q %v", got, b, pattern, s, nocase)
		}
		if len(pattern) <= 24 && len(s) <= 24 {
			if want := refMatch(pattern, s, nocase); got != want {
				t.Fatalf("Match(%q, %q, %v) = %v, reference says %v", pattern, s, nocase, got, want)
			}
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	s := []byte("user:1000:session:abcdef")
	p := []byte("user:*:session:[a-f]*")
	for i := 0; i < b.N; i++ {
		MatchBytes(p, s, false)
	}
}

// TestMatchAgainstRedis replays the case-sensitive table and random
// patterns through KEYS on a real redis-server, when one is installed.
func TestMatchAgainstRedis(t *testing.T) {
	conn := startRedis(t)
	subjects := map[string]bool{}
	for _, tc := range matchCases {
		if tc.s != "" {
			subjects[tc.s] = true
		}
	}
	r := rand.New(rand.NewSource(7))
	for len(subjects) < 120 {
		if s := randomText(r, subjectAlphabet, 6); s != "" {
			subjects[s] = true
		}
	}
	for s := range subjects {
		conn.do(t, "SET", s, "1")
	}
	check := func(pattern string) {
		t.Helper()
		reply := conn.do(t, "KEYS", pattern)
		got := reply.([]any)
		var redis []string
		for _, k := range got {
			redis = append(redis, k.(string))
		}
		var ours []string
		for s := range subjects {
			if Match(pattern, s, false) {
				ours = append(ours, s)
			}
		}
		sort.Strings(redis)
		sort.Strings(ours)
		if strings.Join(redis, "\x01") != strings.Join(ours, "\x01") {
			t.Errorf("pattern %q: redis matched %q, we matched %q", pattern, redis, ours)
		}
	}
	for _, tc := range matchCases {
		if !tc.nocase {
			check(tc.pattern)
		}
	}
	for i := 0; i < 3000; i++ {
		check(randomText(r, patternAlphabet, 8))
	}
}

// respConn is a minimal RESP2 client, just enough for the tests.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

func (rc *respConn) do(t *testing.T, args ...string) any {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := rc.c.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	v, err := readReply(rc.r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, fmt.Errorf("empty reply line")
	}
	switch line[0] {
	case '+', '-', ':':
		return line, nil
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		out := make([]any, 0, max(n, 0))
		for i := 0; i < n; i++ {
			v, err := readReply(r)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// startRedis launches redis-server on a free loopback port for the
// duration of the test, or skips the test when it is not installed.
func startRedis(t *testing.T) *respConn {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH; skipping comparison with real Redis")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return &respConn{c: c, r: bufio.NewReader(c)}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
