package testutil

import (
	"errors"
	"strings"
)

// ErrUnbalancedQuotes is returned by SplitArgs for an unterminated quoted
// argument or a closing quote not followed by whitespace.
var ErrUnbalancedQuotes = errors.New("unbalanced quotes")

// SplitArgs splits a command line into arguments the way redis-cli does:
// arguments are separated by whitespace; double-quoted arguments understand
// the escapes \n \r \t \b \a \xHH and backslash followed by any other byte
// (that byte); single-quoted arguments are literal except for \' (a single
// quote). A quote may start in the middle of an unquoted argument. A closing
// quote must be followed by whitespace or the end of the line.
func SplitArgs(line string) ([]string, error) {
	var args []string
	i, n := 0, len(line)
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i >= n {
			return args, nil
		}
		var cur strings.Builder
		inDouble, inSingle, done := false, false, false
		for !done {
			if i >= n {
				if inDouble || inSingle {
					return nil, ErrUnbalancedQuotes
				}
				break
			}
			c := line[i]
			switch {
			case inDouble:
				switch {
				case c == '\\' && i+3 < n && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					cur.WriteByte(hexVal(line[i+2])<<4 | hexVal(line[i+3]))
					i += 3
				case c == '\\' && i+1 < n:
					i++
					cur.WriteByte(unescape(line[i]))
				case c == '"':
					if i+1 < n && !isSpace(line[i+1]) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				default:
					cur.WriteByte(c)
				}
			case inSingle:
				switch {
				case c == '\\' && i+1 < n && line[i+1] == '\'':
					i++
					cur.WriteByte('\'')
				case c == '\'':
					if i+1 < n && !isSpace(line[i+1]) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				default:
					cur.WriteByte(c)
				}
			default:
				switch {
				case isSpace(c):
					done = true
				case c == '"':
					inDouble = true
				case c == '\'':
					inSingle = true
				default:
					cur.WriteByte(c)
				}
			}
			i++
		}
		args = append(args, cur.String())
	}
}

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

func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
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
	}
	return c - 'A' + 10
}
