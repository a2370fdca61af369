package resp

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// splitCases mirror sdssplitargs. want == nil means unbalanced quotes.
var splitCases = []struct {
	in   string
	want []string
}{
	{"", []string{}},
	{"   \t\r\n\v\f", []string{}},
	{"a", []string{"a"}},
	{"a b c", []string{"a", "b", "c"}},
	{"  set\t\tkey  value \r\n", []string{"set", "key", "value"}},
	{"a\rb\nc\td", []string{"a", "b", "c", "d"}},
	// \v and \f are blanks between arguments but do not end a bare word.
	{"a\vb", []string{"a\vb"}},
	{"a\fb c\v", []string{"a\fb", "c\v"}},
	{"\va \fb", []string{"a", "b"}},
	// Double quotes.
	{`"a b"`, []string{"a b"}},
	{`""`, []string{""}},
	{`"" ""`, []string{"", ""}},
	{`set "key with spaces" value`, []string{"set", "key with spaces", "value"}},
	{`"\n\r\t\b\a\\\""`, []string{"\n\r\t\b\a\\\""}},
	{`"\z\'\ \0"`, []string{"z' 0"}},
	{`"\x41\x4a\x4A\x00\xff\xFf"`, []string{"AJJ\x00\xff\xff"}},
	{`"\x4"`, []string{"x4"}},
	{`"\x4g"`, []string{"x4g"}},
	{`"\xg4"`, []string{"xg4"}},
	{`"\x"`, []string{"x"}},
	{`"\\x41"`, []string{`\x41`}},
	{`"\x41"`, []string{"A"}},
	{`"'"`, []string{"'"}},
	{"\"a\nb\"", []string{"a\nb"}},
	// Single quotes: only \' is an escape.
	{`'a b'`, []string{"a b"}},
	{`''`, []string{""}},
	{`'it\'s'`, []string{"it's"}},
	{`'\x41\n'`, []string{`\x41\n`}},
	{`'a\"b'`, []string{`a\"b`}},
	{`'\'`, nil},
	{`'\\'`, nil}, // the second backslash escapes the closing quote
	{`'"'`, []string{`"`}},
	// A closing quote must be followed by a blank or the end.
	{`"a" b`, []string{"a", "b"}},
	{"\"a\"\tb", []string{"a", "b"}},
	{"\"a\"\vb", []string{"a", "b"}},
	{"\"a\"\fb", []string{"a", "b"}},
	{"'a'\r\n", []string{"a"}},
	{`"a"b`, nil},
	{`"a""b"`, nil},
	{`"a"'b'`, nil},
	{`'a'b`, nil},
	{`"\x41"x`, nil},
	// Quotes inside a bare word quote the rest of it.
	{`a"b"`, []string{"ab"}},
	{`a"b c"`, []string{"ab c"}},
	{`a'b c' d`, []string{"ab c", "d"}},
	{`a"b"c`, nil},
	{`a\"b`, nil}, // a backslash in a bare word is literal: the quote opens
	{`a\b`, []string{`a\b`}},
	{`a"\x41"`, []string{"aA"}},
	// Unterminated quotes.
	{`"abc`, nil},
	{`'abc`, nil},
	{`"abc\"`, nil},
	{`"abc\`, nil},
	{`set k "v`, nil},
	{`"`, nil},
	{`'`, nil},
	{`ok "`, nil},
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range splitCases {
		got, ok := SplitArgs([]byte(tc.in), nil)
		if tc.want == nil {
			if ok || got != nil {
				t.Errorf("SplitArgs(%q) = %q, %v; want unbalanced", tc.in, got, ok)
			}
			continue
		}
		if !ok || !equalArgs(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// TestSplitArgsReference checks the reference model used by the fuzz test
// against the same table.
func TestSplitArgsReference(t *testing.T) {
	for _, tc := range splitCases {
		got, ok := refSplitArgs([]byte(tc.in))
		if tc.want == nil {
			if ok {
				t.Errorf("refSplitArgs(%q) = %q; want unbalanced", tc.in, got)
			}
			continue
		}
		if !ok || !equalArgs(toBytes(got), tc.want) {
			t.Errorf("refSplitArgs(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// NUL bytes: Redis works on C strings and would stop at the first NUL;
// SplitArgs treats NUL as a blank outside quotes and keeps it inside, so
// that binary input is never silently dropped.
func TestSplitArgsNUL(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"a\x00b", []string{"a", "b"}},
		{"\x00", []string{}},
		{"\"a\x00b\"", []string{"a\x00b"}},
		{"\"a\"\x00b", []string{"a", "b"}},
	}
	for _, tc := range cases {
		got, ok := SplitArgs([]byte(tc.in), nil)
		if !ok || !equalArgs(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestSplitArgsAppendsToDst(t *testing.T) {
	dst := make([][]byte, 1, 8)
	dst[0] = []byte("keep")
	got, ok := SplitArgs([]byte(`a "b"`), dst)
	if !ok || !equalArgs(got, []string{"keep", "a", "b"}) {
		t.Fatalf("got %q, %v", got, ok)
	}
	if &got[0] != &dst[0] {
		t.Fatal("dst's storage was not reused")
	}
}

func TestSplitArgsAliasing(t *testing.T) {
	line := []byte(`abc "quoted" def`)
	orig := bytes.Clone(line)
	args, ok := SplitArgs(line, nil)
	if !ok || len(args) != 3 {
		t.Fatalf("got %q, %v", args, ok)
	}
	// Bare words point into line, clipped to their length.
	if &args[0][0] != &line[0] || cap(args[0]) != 3 || cap(args[2]) != 3 {
		t.Fatalf("bare word not a clipped subslice of line: caps %d, %d", cap(args[0]), cap(args[2]))
	}
	args[0] = append(args[0], "XYZ"...)
	args[1][0] = 'Q' // quoted words are copies
	if !bytes.Equal(line, orig) {
		t.Fatalf("line modified through the arguments: %q", line)
	}
}

func equalArgs(got [][]byte, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if string(got[i]) != want[i] {
			return false
		}
	}
	return true
}

func toBytes(s []string) [][]byte {
	out := make([][]byte, len(s))
	for i := range s {
		out[i] = []byte(s[i])
	}
	return out
}

// refSplitArgs is an independent model of sdssplitargs' documented
// behaviour, reading the line as a C string (at returns NUL past its end).
// Only meaningful for lines without NUL bytes.
func refSplitArgs(line []byte) ([]string, bool) {
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	blank := func(c byte) bool { return c != 0 && strings.IndexByte(" \t\n\v\f\r", c) >= 0 }
	hex := func(c byte) bool { return c != 0 && strings.IndexByte("0123456789abcdefABCDEF", c) >= 0 }
	escapes := map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'a': '\a'}
	out := []string{}
	i := 0
	for {
		for blank(at(i)) {
			i++
		}
		if at(i) == 0 {
			return out, true
		}
		var cur []byte
		var quote byte // 0 outside quotes
	word:
		for {
			c := at(i)
			switch {
			case quote == 0 && (c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
				break word
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
				i++
			case quote == 0:
				cur = append(cur, c)
				i++
			case c == 0:
				return nil, false
			case c == quote:
				if n := at(i + 1); n != 0 && !blank(n) {
					return nil, false
				}
				i++
				break word
			case quote == '"' && c == '\\' && at(i+1) == 'x' && hex(at(i+2)) && hex(at(i+3)):
				v, _ := strconv.ParseUint(string(line[i+2:i+4]), 16, 8)
				cur = append(cur, byte(v))
				i += 4
			case quote == '"' && c == '\\' && at(i+1) != 0:
				e := at(i + 1)
				if m, ok := escapes[e]; ok {
					e = m
				}
				cur = append(cur, e)
				i += 2
			case quote == '\'' && c == '\\' && at(i+1) == '\'':
				cur = append(cur, '\'')
				i += 2
			default:
				cur = append(cur, c)
				i++
			}
		}
		out = append(out, string(cur))
	}
}

func TestAppendQuotedRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "a b", "q\"uote\\", "\n\r\t\a\b", "\x00\x7f\xff", "'single'"} {
		q := AppendQuoted(nil, []byte(s))
		args, ok := SplitArgs(q, nil)
		if !ok || len(args) != 1 || string(args[0]) != s {
			t.Errorf("AppendQuoted(%q) = %s, splits back to %q (ok=%v)", s, q, args, ok)
		}
	}
}
