package peregrine

import (
	"errors"
	"strconv"
)

var errShortReply = errors.New("peregrine: truncated reply")

// decodeReply decodes one RESP2 reply produced by the server for Do.
func decodeReply(b []byte) (any, []byte, error) {
	line, rest, ok := cutLine(b)
	if !ok || len(line) == 0 {
		return nil, nil, errShortReply
	}
	switch line[0] {
	case '+':
		return string(line[1:]), rest, nil
	case '-':
		return nil, rest, ErrReply(line[1:])
	case ':':
		n, err := strconv.ParseInt(string(line[1:]), 10, 64)
		return n, rest, err
	case '$':
		n, err := strconv.Atoi(string(line[1:]))
		if err != nil {
			return nil, nil, err
		}
		if n < 0 {
			return nil, rest, nil
		}
		if len(rest) < n+2 {
			return nil, nil, errShortReply
		}
		return string(rest[:n]), rest[n+2:], nil
	case '*':
		n, err := strconv.Atoi(string(line[1:]))
		if err != nil {
			return nil, nil, err
		}
		if n < 0 {
			return nil, rest, nil
		}
		out := make([]any, n)
		for i := range out {
			var v any
			v, rest, err = decodeReply(rest)
			var er ErrReply
			if err != nil && !errors.As(err, &er) {
				return nil, nil, err
			}
			if err != nil {
				v = er
			}
			out[i] = v
		}
		return out, rest, nil
	}
	return nil, nil, errors.New("peregrine: unexpected reply type " + string(line[0]))
}

func cutLine(b []byte) (line, rest []byte, ok bool) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return b[:i], b[i+2:], true
		}
	}
	return nil, nil, false
}
