package encoding

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Intset layout: <encoding: uint32 LE, the width of every value in bytes:
// 2, 4 or 8> <length: uint32 LE> <length values, little-endian signed,
// strictly ascending>.
const intsetHeaderSize = 8

// IntsetEncode returns the intset holding sorted, which must be ascending
// without duplicates (it is not checked). Like Redis it uses the narrowest
// width that fits every value: 2 bytes, else 4, else 8. The result matches
// Redis's bytes for a set built by adding members (Redis never narrows an
// intset after removals).
func IntsetEncode(sorted []int64) []byte {
	// Scan every value rather than trusting the ends, so that a caller's
	// unsorted input still gets a width that holds every value.
	width := 2
	for _, v := range sorted {
		switch {
		case v < math.MinInt32 || v > math.MaxInt32:
			width = 8
		case (v < math.MinInt16 || v > math.MaxInt16) && width < 4:
			width = 4
		}
	}
	out := make([]byte, intsetHeaderSize, intsetHeaderSize+width*len(sorted))
	binary.LittleEndian.PutUint32(out, uint32(width))
	binary.LittleEndian.PutUint32(out[4:], uint32(len(sorted)))
	for _, v := range sorted {
		switch width {
		case 2:
			out = binary.LittleEndian.AppendUint16(out, uint16(v))
		case 4:
			out = binary.LittleEndian.AppendUint32(out, uint32(v))
		default:
			out = binary.LittleEndian.AppendUint64(out, uint64(v))
		}
	}
	return out
}

// IntsetEach calls fn for every value of the intset b, in ascending order,
// after validating the encoding (2, 4 or 8), that the length matches the
// size of b, that the set is not empty (Redis never writes an empty intset
// and rejects one when loading) and that the values are strictly ascending.
// It stops at and returns the first error, including one returned by fn.
func IntsetEach(b []byte, fn func(int64) error) error {
	if len(b) < intsetHeaderSize {
		return fmt.Errorf("intset: %d bytes is shorter than the header", len(b))
	}
	width := binary.LittleEndian.Uint32(b)
	if width != 2 && width != 4 && width != 8 {
		return fmt.Errorf("intset: invalid encoding %d", width)
	}
	count := uint64(binary.LittleEndian.Uint32(b[4:]))
	if count == 0 {
		return fmt.Errorf("intset: empty set")
	}
	if uint64(len(b)-intsetHeaderSize) != count*uint64(width) {
		return fmt.Errorf("intset: %d values of %d bytes do not fill the %d bytes after the header", count, width, len(b)-intsetHeaderSize)
	}
	var prev int64
	for i, p := 0, b[intsetHeaderSize:]; len(p) > 0; i, p = i+1, p[width:] {
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && v <= prev {
			return fmt.Errorf("intset: value %d at index %d is not greater than the previous value %d", v, i, prev)
		}
		prev = v
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}
