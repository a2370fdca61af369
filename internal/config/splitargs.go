package config

import (
	"errors"
	"strings"

	"github.com/peregrinedb/peregrine/internal/resp"
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
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	args, ok := resp.SplitArgs([]byte(line), nil)
	if !ok {
		return nil, ErrUnbalancedQuotes
	}
	var out []string
	for _, a := range args {
		out = append(out, string(a))
	}
	return out, nil
}

// Quote returns s as a double-quoted string that SplitArgs reads back
// unchanged (Redis's sdscatrepr): backslash and double quote are escaped,
// \n \r \t \a \b use their short escapes, and other bytes outside the
// printable ASCII range become \xHH.
func Quote(s string) string { return string(resp.AppendQuoted(nil, []byte(s))) }
