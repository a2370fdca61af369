package testutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Value is a decoded RESP2/RESP3 reply, used for readable diffs and for
// comparisons that ignore element order.
type Value struct {
	// Type is the RESP type prefix byte: '+' simple string, '-' error,
	// ':' integer, '$' bulk string, '*' array, '_' null, ',' double,
	// '#' boolean, '!' blob error, '=' verbatim string, '(' big number,
	// '%' map, '~' set, '>' push.
	Type byte
	// Str is the payload of non-aggregate types, without the prefix and
	// without the trailing CRLF (for '=' it includes the "txt:" header).
	Str string
	// Null is set for RESP2 nulls ($-1, *-1) and for the RESP3 null (_).
	Null bool
	// Elems holds the elements of '*', '~' and '>' replies; for '%' it holds
	// alternating keys and values.
	Elems []Value
	// Attr is the RESP3 attribute map ('|') that preceded the reply, if any;
	// its Elems alternate keys and values.
	Attr *Value
}

// ParseReply decodes exactly one raw reply. Trailing bytes are an error.
func ParseReply(raw []byte) (Value, error) {
	r := bufio.NewReader(bytes.NewReader(raw))
	v, err := parseValue(r)
	if err != nil {
		return Value{}, err
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return Value{}, errors.New("trailing bytes after reply")
	}
	return v, nil
}

// ParseReplies decodes a sequence of raw replies (for example everything a
// server sent before closing the connection). A truncated final reply is
// an error.
func ParseReplies(raw []byte) ([]Value, error) {
	r := bufio.NewReader(bytes.NewReader(raw))
	var out []Value
	for {
		if _, err := r.Peek(1); err == io.EOF {
			return out, nil
		}
		v, err := parseValue(r)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}

func parseValue(r *bufio.Reader) (Value, error) {
	var scratch bytes.Buffer
	line, err := readLine(r, &scratch)
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, errors.New("empty RESP line")
	}
	v := Value{Type: line[0]}
	rest := string(line[1:])
	switch v.Type {
	case '+', '-', ':', ',', '#', '(':
		v.Str = rest
	case '_':
		v.Null = true
	case '$', '!', '=':
		n, err := parseLen(rest, v.Type == '$')
		if err != nil {
			return Value{}, err
		}
		if n < 0 {
			v.Null = true
			return v, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return Value{}, err
		}
		if b[n] != '\r' || b[n+1] != '\n' {
			return Value{}, errors.New("bulk payload not terminated by CRLF")
		}
		v.Str = string(b[:n])
	case '*', '~', '>', '%', '|':
		n, err := parseLen(rest, v.Type == '*')
		if err != nil {
			return Value{}, err
		}
		if n < 0 {
			v.Null = true
			return v, nil
		}
		if v.Type == '%' || v.Type == '|' {
			n *= 2
		}
		v.Elems = make([]Value, 0, n)
		for i := 0; i < n; i++ {
			e, err := parseValue(r)
			if err != nil {
				return Value{}, err
			}
			v.Elems = append(v.Elems, e)
		}
		if v.Type == '|' {
			inner, err := parseValue(r)
			if err != nil {
				return Value{}, err
			}
			attr := v
			inner.Attr = &attr
			return inner, nil
		}
	default:
		return Value{}, fmt.Errorf("unexpected RESP type byte %q", v.Type)
	}
	return v, nil
}

// Encode re-encodes v in RESP. For replies produced by ParseReply the result
// is byte-identical to the input.
func (v Value) Encode() []byte {
	var b bytes.Buffer
	v.encode(&b)
	return b.Bytes()
}

func (v Value) encode(b *bytes.Buffer) {
	if v.Attr != nil {
		b.WriteByte('|')
		b.WriteString(strconv.Itoa(len(v.Attr.Elems) / 2))
		b.WriteString("\r\n")
		for _, e := range v.Attr.Elems {
			e.encode(b)
		}
	}
	switch v.Type {
	case '_':
		b.WriteString("_\r\n")
	case '+', '-', ':', ',', '#', '(':
		b.WriteByte(v.Type)
		b.WriteString(v.Str)
		b.WriteString("\r\n")
	case '$', '!', '=':
		b.WriteByte(v.Type)
		if v.Null {
			b.WriteString("-1\r\n")
			return
		}
		b.WriteString(strconv.Itoa(len(v.Str)))
		b.WriteString("\r\n")
		b.WriteString(v.Str)
		b.WriteString("\r\n")
	default:
		b.WriteByte(v.Type)
		if v.Null {
			b.WriteString("-1\r\n")
			return
		}
		n := len(v.Elems)
		if v.Type == '%' {
			n /= 2
		}
		b.WriteString(strconv.Itoa(n))
		b.WriteString("\r\n")
		for _, e := range v.Elems {
			e.encode(b)
		}
	}
}

// String renders v in a compact, readable, single-line form, e.g.
// [bulk "a", int 1, nil] or {"k": "v"} for maps.
func (v Value) String() string {
	var b strings.Builder
	v.format(&b)
	return b.String()
}

func (v Value) format(b *strings.Builder) {
	if v.Attr != nil {
		b.WriteString("attr")
		v.Attr.formatPairs(b)
		b.WriteByte(' ')
	}
	switch v.Type {
	case '+':
		b.WriteString("status ")
		b.WriteString(strconv.Quote(v.Str))
	case '-':
		b.WriteString("error ")
		b.WriteString(strconv.Quote(v.Str))
	case '!':
		b.WriteString("bloberror ")
		b.WriteString(strconv.Quote(v.Str))
	case ':':
		b.WriteString("int ")
		b.WriteString(v.Str)
	case ',':
		b.WriteString("double ")
		b.WriteString(v.Str)
	case '(':
		b.WriteString("bignum ")
		b.WriteString(v.Str)
	case '#':
		b.WriteString("bool ")
		b.WriteString(v.Str)
	case '_':
		b.WriteString("null")
	case '$', '=':
		if v.Null {
			b.WriteString("nil")
			return
		}
		if v.Type == '=' {
			b.WriteString("verbatim ")
		}
		b.WriteString(strconv.Quote(v.Str))
	case '%':
		v.formatPairs(b)
	default:
		if v.Null {
			b.WriteString("nilarray")
			return
		}
		switch v.Type {
		case '~':
			b.WriteString("set")
		case '>':
			b.WriteString("push")
		}
		b.WriteByte('[')
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			e.format(b)
		}
		b.WriteByte(']')
	}
}

func (v Value) formatPairs(b *strings.Builder) {
	b.WriteByte('{')
	for i := 0; i+1 < len(v.Elems); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		v.Elems[i].format(b)
		b.WriteString(": ")
		v.Elems[i+1].format(b)
	}
	b.WriteByte('}')
}

// Equal reports whether a and b are identical, including element order.
func Equal(a, b Value) bool {
	return bytes.Equal(a.Encode(), b.Encode())
}

// EqualUnordered reports whether a and b are equal when the order of their
// top-level elements is ignored: arrays, sets and pushes are compared as
// multisets of elements, maps as multisets of key/value pairs. Nested
// elements are compared exactly. Non-aggregate values are compared exactly.
func EqualUnordered(a, b Value) bool {
	if a.Type != b.Type || a.Null != b.Null || len(a.Elems) != len(b.Elems) {
		return false
	}
	if !isAggregate(a.Type) {
		return Equal(a, b)
	}
	group := 1
	if a.Type == '%' {
		group = 2
	}
	return equalStrings(chunkKeys(a.Elems, group), chunkKeys(b.Elems, group))
}

// EqualUnorderedPairs is like EqualUnordered but treats the elements of a
// flat array as consecutive key/value pairs (the RESP2 shape of replies such
// as CONFIG GET or HGETALL).
func EqualUnorderedPairs(a, b Value) bool {
	if a.Type != b.Type || a.Null != b.Null || len(a.Elems) != len(b.Elems) || len(a.Elems)%2 != 0 {
		return false
	}
	if !isAggregate(a.Type) {
		return Equal(a, b)
	}
	return equalStrings(chunkKeys(a.Elems, 2), chunkKeys(b.Elems, 2))
}

func isAggregate(t byte) bool {
	switch t {
	case '*', '~', '>', '%':
		return true
	}
	return false
}

func chunkKeys(elems []Value, group int) []string {
	keys := make([]string, 0, len(elems)/group+1)
	for i := 0; i < len(elems); i += group {
		var b bytes.Buffer
		for j := i; j < i+group && j < len(elems); j++ {
			elems[j].encode(&b)
		}
		keys = append(keys, b.String())
	}
	sort.Strings(keys)
	return keys
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Escape renders raw protocol bytes as a double-quoted Go string literal
// (CR and LF shown as \r and \n), truncated to max bytes of input when max
// is positive, for use in failure messages.
func Escape(raw []byte, max int) string {
	if max > 0 && len(raw) > max {
		return strconv.Quote(string(raw[:max])) + fmt.Sprintf("...(%d bytes total)", len(raw))
	}
	return strconv.Quote(string(raw))
}

// MapLeaves returns a copy of v in which f has been applied to the Str of
// every non-null, non-aggregate value (including map keys and attributes).
func (v Value) MapLeaves(f func(string) string) Value {
	if v.Attr != nil {
		attr := v.Attr.MapLeaves(f)
		v.Attr = &attr
	}
	if isAggregate(v.Type) || v.Type == '|' {
		if v.Elems != nil {
			elems := make([]Value, len(v.Elems))
			for i, e := range v.Elems {
				elems[i] = e.MapLeaves(f)
			}
			v.Elems = elems
		}
		return v
	}
	if !v.Null {
		v.Str = f(v.Str)
	}
	return v
}
