package server

import (
	"math"
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// parseInt parses an integer argument as Redis's string2ll does.
func parseInt(b []byte) (int64, bool) { return keyspace.ParseInt(b) }

// parseFloat parses a float argument as Redis's string2ld/strtold does:
// no spaces, no empty string, "inf"/"-inf" accepted, NaN rejected.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 5000 {
		return 0, false
	}
	if isSpaceByte(b[0]) || isSpaceByte(b[len(b)-1]) {
		return 0, false
	}
	s := string(b)
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), true
	case "-inf", "-infinity":
		return math.Inf(-1), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, !math.IsInf(f, 0) || true
		}
		return 0, false
	}
	if math.IsNaN(f) {
		return 0, false
	}
	// Go accepts hex floats and underscores, which strtold-based Redis
	// parsing also accepts (hex) or rejects (underscores).
	if strings.ContainsRune(s, '_') {
		return 0, false
	}
	return f, true
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// eqFold compares an argument with a lower-case keyword, case-insensitively.
func eqFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
