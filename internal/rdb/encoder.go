package rdb

import (
	"encoding/binary"
	"math"

	"github.com/peregrinedb/peregrine/internal/encoding"
)

// AppendLen appends an RDB length: 6 bits, 14 bits, or a 32/64-bit
// big-endian number after a marker byte.
func AppendLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		b = append(b, 0x80)
		return binary.BigEndian.AppendUint32(b, uint32(n))
	default:
		b = append(b, 0x81)
		return binary.BigEndian.AppendUint64(b, n)
	}
}

// AppendString appends s as an RDB string the way Redis chooses the
// encoding: a small integer as 1, 2 or 4 bytes, a longer string LZF
// compressed when compress is set and that saves at least 4 bytes, and
// otherwise the raw bytes after their length.
func AppendString(b, s []byte, compress bool) []byte {
	if len(s) <= 11 && len(s) > 0 {
		if n, ok := encoding.ParseInt64Strict(s); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			return appendIntString(b, n)
		}
	}
	if compress && len(s) > 20 {
		if c := encoding.LZFCompress(s, len(s)-4); c != nil {
			b = append(b, 0xC0|encLZF)
			b = AppendLen(b, uint64(len(c)))
			b = AppendLen(b, uint64(len(s)))
			return append(b, c...)
		}
	}
	b = AppendLen(b, uint64(len(s)))
	return append(b, s...)
}

// appendIntString writes a 32-bit integer in the smallest integer encoding.
func appendIntString(b []byte, n int64) []byte {
	switch {
	case n >= math.MinInt8 && n <= math.MaxInt8:
		return append(b, 0xC0|encInt8, byte(int8(n)))
	case n >= math.MinInt16 && n <= math.MaxInt16:
		b = append(b, 0xC0|encInt16)
		return binary.LittleEndian.AppendUint16(b, uint16(int16(n)))
	default:
		b = append(b, 0xC0|encInt32)
		return binary.LittleEndian.AppendUint32(b, uint32(int32(n)))
	}
}

// AppendBinaryDouble appends a score as ZSET_2 stores it: 8 bytes, little-endian IEEE 754.
func AppendBinaryDouble(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// scoreAsInt reports whether Redis would store the score as a listpack
// integer (its double2ll test).
func scoreAsInt(f float64) (int64, bool) {
	if f < -math.MaxInt64/2 || f > math.MaxInt64/2 || f != f {
		return 0, false
	}
	n := int64(f)
	return n, float64(n) == f
}
