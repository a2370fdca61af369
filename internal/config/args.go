package config

import (
	"errors"
	"strings"
)

// ErrStdinConfig is returned by LoadArgs for a lone "-" as the first or
// last argument, which asks redis-server to read its configuration from
// standard input; Peregrine does not support that.
var ErrStdinConfig = errors.New("reading the configuration from standard input is not supported")

// LoadArgs applies redis-server command-line options, given without the
// program name and without the optional configuration file that precedes
// them. As in Redis, each "--name" starts a new configuration line and
// the arguments that follow become its quoted values, so
//
//	--port 7000 --save "" --loglevel verbose
//
// reads as the lines `port "7000"`, `save ""` and `loglevel "verbose"`.
// An argument may also hold a whole line ("--maxmemory 1gb"). After an
// option name, the next argument is taken as its value even if it starts
// with "--", except that "--save" directly followed by another option (or
// last) means `save ""`. The options are read after the configuration
// loaded so far, and errors report line numbers as if they were appended
// to it, exactly like redis-server.
func (c *Config) LoadArgs(args []string) error {
	var opts strings.Builder
	handled := true // the previous option has at least one value
	for j, a := range args {
		last := j == len(args)-1
		switch {
		case a == "-" && (j == 0 || last):
			return ErrStdinConfig
		case handled && strings.HasPrefix(a, "--"):
			if opts.Len() > 0 {
				opts.WriteByte('\n')
			}
			opts.WriteString(a[2:])
			opts.WriteByte(' ')
			words, _ := SplitArgs(a)
			if len(words) != 1 {
				handled = true // name and value(s) in one argument
				break
			}
			handled = false
			nextIsOption := !last && strings.HasPrefix(args[j+1], "--")
			switch {
			case asciiEqualFold(a, "--save") && (nextIsOption || last):
				opts.WriteString(`""`)
				handled = nextIsOption
			case asciiEqualFold(a, "--sentinel") && nextIsOption:
				handled = true
			}
		default:
			opts.WriteString(Quote(a))
			opts.WriteByte(' ')
			handled = true
		}
	}

	c.op.Lock()
	defer c.op.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	// Redis appends "\n" and the options to the configuration text.
	first := c.newlines + 2
	text := opts.String()
	c.newlines += 1 + strings.Count(text, "\n")
	if err := c.loadText(text, "", first, 0); err != nil {
		return err
	}
	return c.finishLoad()
}
