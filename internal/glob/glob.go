package glob

// text is the set of subject and pattern types the matcher works on. Both
// support len and byte indexing, so one generic implementation serves
// Match and MatchBytes without conversions or allocations.
type text interface {
	~string | ~[]byte
}

// Match reports whether s matches the glob pattern, optionally ignoring
// ASCII case. It returns the same result as Redis 7.0's stringmatchlen.
func Match(pattern, s string, nocase bool) bool {
	return match(pattern, s, nocase)
}

// MatchBytes is Match for byte slices. It does not allocate.
func MatchBytes(pattern, s []byte, nocase bool) bool {
	return match(pattern, s, nocase)
}

// match walks the subject once, keeping a single restart point: the pattern
// position just after the most recent run of '*' and the subject position
// that star was last extended to. A mismatch rewinds to that point and lets
// the star swallow one more byte. Earlier stars never need revisiting
// because every other token consumes exactly one byte, which keeps the
// running time at O(len(pattern)*len(s)).
func match[T text](pat, str T, nocase bool) bool {
	if len(str) == 0 {
		// Redis never lets '*' match an empty subject.
		return len(pat) == 0
	}
	p, s := 0, 0
	restartP, restartS := -1, 0
	for s < len(str) {
		if p < len(pat) {
			if pat[p] == '*' {
				for p < len(pat) && pat[p] == '*' {
					p++
				}
				if p == len(pat) {
					return true
				}
				restartP, restartS = p, s
				continue
			}
			if next, ok := matchToken(pat, p, str[s], nocase); ok {
				p = next
				s++
				continue
			}
		}
		if restartP < 0 {
			return false
		}
		restartS++
		p, s = restartP, restartS
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}

// matchToken matches the single-byte token starting at pat[p] (anything
// but '*') against c. It returns the index of the following token and
// whether c matched.
func matchToken[T text](pat T, p int, c byte, nocase bool) (int, bool) {
	switch pat[p] {
	case '?':
		return p + 1, true
	case '[':
		return matchSet(pat, p+1, c, nocase)
	case '\\':
		if p+1 < len(pat) {
			p++
		}
	}
	return p + 1, equal(pat[p], c, nocase)
}

// matchSet matches c against the set whose body starts at pat[i] (just
// after the '['). It returns the index after the set and whether c is in
// it. Bytes past the end of the pattern read as NUL, mirroring the C
// string terminator Redis relies on.
func matchSet[T text](pat T, i int, c byte, nocase bool) (int, bool) {
	n := len(pat)
	negate := i < n && pat[i] == '^'
	if negate {
		i++
	}
	found := false
	for {
		rest := n - i
		switch {
		case rest >= 2 && pat[i] == '\\':
			i++
			if pat[i] == c { // escapes inside a set ignore nocase
				found = true
			}
		case rest > 0 && pat[i] == ']':
			if negate {
				found = !found
			}
			return i + 1, found
		case rest == 0:
			// Unterminated set: it simply ends with the pattern.
			if negate {
				found = !found
			}
			return n, found
		case rest >= 3 && pat[i+1] == '-':
			lo, hi, x := int(int8(pat[i])), int(int8(pat[i+2])), int(int8(c))
			if lo > hi {
				lo, hi = hi, lo
			}
			if nocase {
				lo, hi, x = lower(lo), lower(hi), lower(x)
			}
			if x >= lo && x <= hi {
				found = true
			}
			i += 2
		default:
			if equal(pat[i], c, nocase) {
				found = true
			}
		}
		i++
	}
}

// equal compares two bytes, folding ASCII case when nocase is set.
func equal(a, b byte, nocase bool) bool {
	if a == b {
		return true
	}
	return nocase && lower(int(a)) == lower(int(b))
}

// lower folds an ASCII upper-case letter; other values (including the
// negative ones produced by signed chars) are returned unchanged.
func lower(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
