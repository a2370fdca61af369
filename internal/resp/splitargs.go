package resp

// SplitArgs splits an inline request or a config line into arguments the way
// Redis's sdssplitargs does: whitespace separates arguments, double quotes
// allow \n \r \t \b \a \\ \" and \xHH escapes, single quotes allow \'.
// A closing quote must be followed by whitespace or the end of the line.
// ok is false for unbalanced quotes. The returned slices are freshly
// allocated only for quoted arguments; unquoted ones point into line (with
// their capacity clipped, so appending to one never overwrites line).
//
// As in Redis, blanks between arguments are the C isspace set (space, \t,
// \n, \v, \f, \r), but an unquoted argument ends only at space, \t, \n or \r:
// "a\vb" is one argument. Redis works on C strings, where a NUL byte ends the
// line; here a NUL outside quotes separates arguments and inside quotes is
// kept literally, so that no input is silently dropped.
func SplitArgs(line []byte, dst [][]byte) (args [][]byte, ok bool) {
	args = dst
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, true
		}
		start := i
		for i < len(line) && !endsWord(line[i]) && line[i] != '"' && line[i] != '\'' {
			i++
		}
		if i == len(line) || endsWord(line[i]) {
			args = append(args, line[start:i:i])
			continue
		}
		// A quote, possibly after a bare prefix (a"b c" is `ab c`): the
		// argument ends at the closing quote.
		arg, ni, good := quoted(line, i, append([]byte{}, line[start:i]...))
		if !good {
			return nil, false
		}
		args = append(args, arg)
		i = ni
	}
}

// quoted appends to cur the quoted run starting at line[i] (a quote
// character) and returns the position after its closing quote.
func quoted(line []byte, i int, cur []byte) ([]byte, int, bool) {
	q := line[i]
	i++
	for i < len(line) {
		c := line[i]
		switch {
		case q == '"' && c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
			cur = append(cur, hexVal(line[i+2])<<4|hexVal(line[i+3]))
			i += 4
		case q == '"' && c == '\\' && i+1 < len(line):
			e := line[i+1]
			switch e {
			case 'n':
				e = '\n'
			case 'r':
				e = '\r'
			case 't':
				e = '\t'
			case 'b':
				e = '\b'
			case 'a':
				e = '\a'
			}
			cur = append(cur, e)
			i += 2
		case q == '\'' && c == '\\' && i+1 < len(line) && line[i+1] == '\'':
			cur = append(cur, '\'')
			i += 2
		case c == q:
			// Redis requires a blank (or the end) right after a closing quote.
			if i+1 < len(line) && !isSpace(line[i+1]) {
				return nil, 0, false
			}
			return cur, i + 1, true
		default:
			cur = append(cur, c)
			i++
		}
	}
	return nil, 0, false // unterminated quotes
}

// isSpace reports the blanks skipped between arguments: C's isspace, plus NUL.
func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == 0
}

// endsWord reports the bytes that end an unquoted argument (sdssplitargs
// stops a bare word only at these, not at \v or \f).
func endsWord(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0
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
	default:
		return c - 'A' + 10
	}
}
