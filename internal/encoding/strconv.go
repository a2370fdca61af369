package encoding

// maxInt64Digits is the longest decimal text that can be an int64:
// "-9223372036854775808" is 20 bytes. Redis rejects anything of 21 bytes or
// more before looking at the digits.
const maxInt64Digits = 20

// ParseInt64Strict reports whether b is the canonical decimal text of an
// int64, using the rules Redis applies when it decides whether a string can
// be stored as an integer (string2ll): an optional '-' followed by digits,
// no '+', no leading zeros, no spaces, no "-0", and at most 20 bytes.
func ParseInt64Strict(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > maxInt64Digits {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	var u uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		// At most 19 digits follow the sign here, so only the last
		// step can overflow uint64; check it anyway for clarity.
		if u > (^uint64(0)-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}
