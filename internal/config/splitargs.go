package config

import (
	"errors"
	"strings"
)

// ErrUnbalancedQuotes is returned by SplitArgs for an unterminated quoted
// argument, or a closing quote not followed by a space.
var ErrUnbalancedQuotes = errors.New("unbalanced quotes")

// SplitArgs splits a line into arguments the way redis.conf lines and
// inline commands are split (Redis's sdssplitargs):
//
//	foo bar "newline\n" 'it\'s' "\x41"
//
// Arguments are separated by white space. Double-quoted arguments accept
// the escapes \n \r \t \b \a \xHH and a backslash before any other byte
// (which stands for that byte); single-quoted arguments only accept \'.
// A closing quote must be followed by white space or the end of the line.
// Quotes may start in the middle of an argument (ab"cd" is "abcd"). A NUL
// byte ends the line, as it would in C.
func SplitArgs(line string) ([]string, error) {
	line = cstr(line)
	args := []string{}
	p := 0
	n := len(line)
	at := func(i int) byte {
		if i < n {
			return line[i]
		}
		return 0
	}
	for {
		for p < n && isSpace(line[p]) {
			p++
		}
		if p >= n {
			return args, nil
		}
		var cur strings.Builder
		inDouble, inSingle := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inDouble:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					cur.WriteByte(hexVal(at(p+2))<<4 | hexVal(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					cur.WriteByte(unescape(line[p]))
				case c == '"':
					if next := at(p + 1); next != 0 && !isSpace(next) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				case c == 0:
					return nil, ErrUnbalancedQuotes
				default:
					cur.WriteByte(c)
				}
			case inSingle:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur.WriteByte('\'')
				case c == '\'':
					if next := at(p + 1); next != 0 && !isSpace(next) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				case c == 0:
					return nil, ErrUnbalancedQuotes
				default:
					cur.WriteByte(c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					cur.WriteByte(c)
				}
			}
			if p < n {
				p++
			}
		}
		args = append(args, cur.String())
	}
}

// unescape maps the byte after a backslash inside double quotes.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// Quote returns s as a double-quoted string that SplitArgs reads back
// unchanged (Redis's sdscatrepr): backslash and double quote are escaped,
// \n \r \t \a \b use their short escapes, and other bytes outside the
// printable ASCII range become \xHH.
func Quote(s string) string {
	const hexdigits = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				b.WriteString(`\x`)
				b.WriteByte(hexdigits[c>>4])
				b.WriteByte(hexdigits[c&15])
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
