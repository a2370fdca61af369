package resp

// AppendQuoted appends s double-quoted as Redis's sdscatrepr does (MONITOR
// lines, CONFIG REWRITE values): backslash and double quote escaped, \n \r
// \t \a \b short escapes, other bytes outside printable ASCII as \xHH.
// SplitArgs reads the result back unchanged.
func AppendQuoted(b, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		switch c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if c >= 32 && c < 127 {
				b = append(b, c)
			} else {
				b = append(b, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			}
		}
	}
	return append(b, '"')
}
