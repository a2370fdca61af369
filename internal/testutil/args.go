package testutil

import "github.com/peregrinedb/peregrine/internal/config"

// ErrUnbalancedQuotes is returned by SplitArgs for an unterminated quoted
// argument or a closing quote not followed by whitespace.
var ErrUnbalancedQuotes = config.ErrUnbalancedQuotes

// SplitArgs splits a command line into arguments the way redis-cli does
// (Redis's sdssplitargs, shared with redis.conf parsing).
func SplitArgs(line string) ([]string, error) { return config.SplitArgs(line) }
