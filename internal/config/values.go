package config

import (
	"math"
	"strconv"
	"strings"
)

// This file reproduces, in Go, how Redis 7.0 turns arguments into values
// and values back into text for the standard directive types.

// cstr cuts s at its first NUL byte: Redis handles most arguments as C
// strings, so anything after a NUL is invisible to it.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// asciiLower lower-cases ASCII letters only, without allocating when s is
// already lower case.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// asciiEqualFold compares like C's strcasecmp in the C locale.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// parseYesNo accepts "yes" or "no" in any case.
func parseYesNo(s string) (bool, bool) {
	s = cstr(s)
	switch {
	case asciiEqualFold(s, "yes"):
		return true, true
	case asciiEqualFold(s, "no"):
		return false, true
	}
	return false, false
}

// strictInt parses a decimal int64 the strict way Redis's string2ll does:
// no spaces, no '+', no leading zeros, no "-0", at most 20 bytes.
func strictInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
		if s == "" {
			return 0, false
		}
	}
	if s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// cStrtoll behaves like C's strtoll(s, &end, base) for base 8 or 10: it
// skips leading white space, takes an optional sign, and reads digits,
// saturating on overflow. It returns the value, how many bytes were
// consumed (0 when no digits were found) and whether it overflowed.
func cStrtoll(s string, base int) (int64, int, bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	limit := uint64(math.MaxInt64)
	if neg {
		limit = 1 << 63
	}
	for i < len(s) {
		d := int(s[i]) - '0'
		if d < 0 || d >= base {
			break
		}
		if !overflow {
			if v > (limit-uint64(d))/uint64(base) {
				overflow = true
			} else {
				v = v*uint64(base) + uint64(d)
			}
		}
		i++
	}
	if i == start {
		return 0, 0, false
	}
	switch {
	case overflow && neg:
		return math.MinInt64, i, true
	case overflow:
		return math.MaxInt64, i, true
	case neg:
		return -int64(v), i, false
	}
	return int64(v), i, false
}

// fullStrtoll is strtoll that must consume the whole C string, as Redis
// checks with *endptr == '\0'. Overflow is not an error (Redis does not
// look at errno there); an empty string reads as 0.
func fullStrtoll(s string) (int64, bool) {
	s = cstr(s)
	v, n, _ := cStrtoll(s, 10)
	return v, n == len(s)
}

// parseMemory converts "100", "1k", "1kb", "5mb", "2G"... to bytes the
// way Redis's memtoull does: k/m/g are powers of 1000, kb/mb/gb powers of
// 1024, units are case-insensitive, an empty number reads as 0 and
// overflow wraps around like the C arithmetic.
func parseMemory(s string) (uint64, bool) {
	s = cstr(s)
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch unit := s[i:]; {
	case unit == "" || asciiEqualFold(unit, "b"):
		mul = 1
	case asciiEqualFold(unit, "k"):
		mul = 1000
	case asciiEqualFold(unit, "kb"):
		mul = 1024
	case asciiEqualFold(unit, "m"):
		mul = 1000 * 1000
	case asciiEqualFold(unit, "mb"):
		mul = 1024 * 1024
	case asciiEqualFold(unit, "g"):
		mul = 1000 * 1000 * 1000
	case asciiEqualFold(unit, "gb"):
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var v uint64
	for _, c := range []byte(s[:i]) {
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			v = math.MaxUint64 // strtoull saturates
			break
		}
		v = v*10 + d
	}
	return v * mul, true
}

// formatMemory renders bytes for CONFIG REWRITE, preferring gb, mb, kb.
func formatMemory(bytes int64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case bytes != 0 && bytes%gb == 0:
		return strconv.FormatInt(bytes/gb, 10) + "gb"
	case bytes != 0 && bytes%mb == 0:
		return strconv.FormatInt(bytes/mb, 10) + "mb"
	case bytes != 0 && bytes%kb == 0:
		return strconv.FormatInt(bytes/kb, 10) + "kb"
	}
	return strconv.FormatInt(bytes, 10)
}

// parseFloat accepts what Redis's string2d accepts: strtod syntax with no
// leading space and nothing left over, no NaN, no overflow to infinity
// and no underflow to zero.
func parseFloat(s string) (float64, bool) {
	s = cstr(s)
	if s == "" || isSpace(s[0]) || strings.IndexByte(s, '_') >= 0 {
		return 0, false
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	l := asciiLower(body)
	switch {
	case l == "inf" || l == "infinity":
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	case strings.HasPrefix(l, "nan"):
		return 0, false
	}
	hex := strings.HasPrefix(l, "0x")
	text, mantissa, digits := s, l, "123456789"
	if hex {
		if !strings.Contains(l, "p") {
			text += "p0" // C accepts hex floats without a binary exponent
		}
		mantissa, _, _ = strings.Cut(l[2:], "p")
		digits = "123456789abcdef"
	} else {
		mantissa, _, _ = strings.Cut(l, "e")
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, false
	}
	if f == 0 && strings.ContainsAny(mantissa, digits) {
		return 0, false // underflow
	}
	return f, true
}

// formatPercentile prints like C's "%f" followed by Redis's
// trimDoubleString: trailing zeros and a trailing dot are removed.
func formatPercentile(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// parseNumeric turns an argument into a number following Redis's order:
// memory, then percentage, then octal, then a plain integer.
func parseNumeric(d *directive, arg string) (int64, string) {
	if d.format == memory || d.format == memoryPercent {
		if v, ok := parseMemory(arg); ok {
			return int64(v), ""
		}
	}
	if d.format == memoryPercent && len(arg) > 1 && arg[len(arg)-1] == '%' {
		if v, ok := strictInt(arg[:len(arg)-1]); ok && v >= 0 {
			return -v, "" // percentages are stored negated
		}
	}
	if d.format == octal {
		s := cstr(arg)
		if v, n, overflow := cStrtoll(s, 8); !overflow && n == len(s) {
			return v, ""
		}
	}
	if d.format == plain {
		if v, ok := strictInt(arg); ok {
			return v, ""
		}
	}
	switch d.format {
	case memoryPercent:
		return 0, "argument must be a memory or percent value"
	case memory:
		return 0, "argument must be a memory value"
	case octal:
		return 0, "argument couldn't be parsed as an octal number"
	}
	return 0, "argument couldn't be parsed into an integer"
}

// checkBounds applies the directive's bounds the way Redis does for its C
// type: unsigned comparisons for unsigned types, and a dedicated message
// for negative (percentage) values of percent directives.
func checkBounds(d *directive, v int64) string {
	if d.unsigned {
		u, lo, hi := uint64(v), uint64(d.min), uint64(d.max)
		if u > hi || u < lo {
			if d.format == octal {
				return "argument must be between " + strconv.FormatUint(lo, 8) + " and " +
					strconv.FormatUint(hi, 8) + " inclusive"
			}
			return "argument must be between " + strconv.FormatUint(lo, 10) + " and " +
				strconv.FormatUint(hi, 10) + " inclusive"
		}
		return ""
	}
	if d.format == memoryPercent && v < 0 {
		if v < d.min {
			return "percentage argument must be less or equal to " + strconv.FormatInt(-d.min, 10)
		}
		return ""
	}
	if v > d.max || v < d.min {
		return "argument must be between " + strconv.FormatInt(d.min, 10) + " and " +
			strconv.FormatInt(d.max, 10) + " inclusive"
	}
	return ""
}

// formatNumeric renders a number as CONFIG GET does.
func formatNumeric(d *directive, v int64) string {
	switch {
	case d.format == memoryPercent && v < 0:
		return strconv.FormatInt(-v, 10) + "%"
	case d.format == memory || d.format == memoryPercent:
		return strconv.FormatUint(uint64(v), 10)
	case d.format == octal:
		return strconv.FormatUint(uint64(v), 8)
	}
	return strconv.FormatInt(v, 10)
}

// parseEnum resolves one name, or several for flag enums, to a value.
func parseEnum(d *directive, args []string) (int64, string) {
	multi := d.flags&multiArg != 0
	if len(args) == 0 || (!multi && len(args) != 1) {
		return 0, enumError(d)
	}
	var v int64
	for _, a := range args {
		a = cstr(a)
		found := false
		for _, it := range d.items {
			if asciiEqualFold(a, it.name) {
				v |= it.val
				found = true
			}
		}
		if !found {
			return 0, enumError(d)
		}
	}
	return v, ""
}

// enumError lists the accepted names, truncated like Redis's 256-byte buffer.
func enumError(d *directive) string {
	var b strings.Builder
	b.WriteString("argument(s) must be one of the following: ")
	for i, it := range d.items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.name)
	}
	s := b.String()
	if len(s) > 255 {
		s = s[:255]
	}
	return s
}

// formatEnum returns the name of v: the first exact match, or for flag
// enums the names of the bits it contains, or "unknown".
func formatEnum(d *directive, v int64) string {
	multi := d.flags&multiArg != 0
	var names []string
	rest := v
	for _, it := range d.items {
		if v == it.val {
			return it.name
		}
		if multi && it.val != 0 && it.val == rest&it.val {
			names = append(names, it.name)
			rest &^= it.val
		}
	}
	if len(names) == 0 || rest != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}

// parseStandard parses the arguments of a non-special directive.
func (c *Config) parseStandard(d *directive, args []string) (value, string) {
	if d.kind != kindEnum && len(args) != 1 {
		return value{}, "wrong number of arguments"
	}
	var v value
	switch d.kind {
	case kindBool:
		b, ok := parseYesNo(args[0])
		if !ok {
			return value{}, "argument must be 'yes' or 'no'"
		}
		if b {
			v.n = 1
		}
	case kindNumeric:
		n, reason := parseNumeric(d, args[0])
		if reason == "" {
			reason = checkBounds(d, n)
		}
		if reason != "" {
			return value{}, reason
		}
		v.n = n
	case kindEnum:
		n, reason := parseEnum(d, args)
		if reason != "" {
			return value{}, reason
		}
		v.n = n
	case kindString:
		v.s = args[0]
		if !d.binarySafe {
			v.s = cstr(v.s)
		}
	}
	if d.check != nil {
		if reason := d.check(c, v); reason != "" {
			return value{}, reason
		}
	}
	return v, ""
}

// format renders a value as CONFIG GET shows it.
func format(d *directive, v value) string {
	switch d.kind {
	case kindBool:
		if v.n != 0 {
			return "yes"
		}
		return "no"
	case kindNumeric:
		return formatNumeric(d, v.n)
	case kindEnum:
		return formatEnum(d, v.n)
	case kindString:
		return v.s
	}
	return d.spec.format(v)
}

// sameValue reports whether setting b over a is "no change" for Redis,
// in which case apply hooks are skipped.
func sameValue(d *directive, a, b value) bool {
	if d.flags&volatile != 0 {
		return false
	}
	switch d.kind {
	case kindString:
		return a.s == b.s
	case kindSpecial:
		return d.spec.equal != nil && d.spec.equal(a, b)
	}
	return a.n == b.n
}

// normalize applies the adjustments Redis makes after a set: hz is
// capped to the 1..500 range it can honour.
func normalize(d *directive, v value) value {
	if d.name == "hz" {
		v.n = min(max(v.n, 1), 500)
	}
	return v
}
