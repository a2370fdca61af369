package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
)

// HyperLogLog values are ordinary strings in Redis's own layout, so they
// travel between Redis and Peregrine (RDB, DUMP/RESTORE, GET/SET)
// unchanged:
//
//	offset 0   "HYLL"
//	offset 4   encoding: 0 dense, 1 sparse
//	offset 5   three reserved bytes (kept as found)
//	offset 8   cached cardinality, 64-bit little endian; the top bit
//	           set means "stale, recompute"
//	offset 16  the registers
//
// There are 2^14 registers. The dense form packs them in 6 bits each,
// least significant bits first (12288 bytes). The sparse form is a run
// length code of three opcodes:
//
//	00llllll            ZERO: 1-64 registers at zero
//	01llllll llllllll   XZERO: 1-16384 registers at zero
//	1vvvvvll            VAL: 1-4 registers at value 1-32
//
// A sparse value turns dense once a register needs more than 32, or once
// an update would make it longer than hll-sparse-max-bytes. Reads past
// the end of a (corrupted) sparse value see zero bytes, as Redis's
// NUL-terminated strings do; such values are reported invalid, never
// read out of bounds.

// HLL layout constants.
const (
	HLLRegisters  = 1 << hllP                                      // registers per HLL
	HLLHeaderSize = 16                                             // "HYLL", encoding, 3 reserved, cached cardinality
	HLLDenseSize  = HLLHeaderSize + HLLRegisters*6/8               // size of a dense value
	HLLDense      = 0                                              // encoding byte of the dense form
	HLLSparse     = 1                                              // encoding byte of the sparse form
	hllP          = 14                                             // index bits of the hash
	hllQ          = 64 - hllP                                      // bits left for the zero run
	hllRegMax     = 63                                             // largest dense register value
	hllSparseVMax = 32                                             // largest value a VAL opcode holds
	hllSeed       = 0xadc83b19                                     // Redis's MurmurHash64A seed
	hllAlphaInf   = 0.721347520444481703680                        // 1 / (2 ln 2)
	hllSparseOne  = HLLHeaderSize + 2*((HLLRegisters+16383)/16384) // size of an empty sparse value
)

// ErrHLLInvalid reports a HyperLogLog whose registers do not decode.
var ErrHLLInvalid = errors.New("corrupted HLL object")

// Hash64 is MurmurHash64A, the 64-bit MurmurHash2 Redis hashes
// HyperLogLog elements with, reading 8-byte blocks little endian.
func Hash64(data []byte, seed uint64) uint64 {
	const mul = 0xc6a4a7935bd1e995
	h := seed ^ uint64(len(data))*mul
	for len(data) >= 8 {
		k := binary.LittleEndian.Uint64(data)
		k *= mul
		k ^= k >> 47
		k *= mul
		h = (h ^ k) * mul
		data = data[8:]
	}
	if len(data) > 0 {
		var tail uint64
		for i := len(data) - 1; i >= 0; i-- {
			tail = tail<<8 | uint64(data[i])
		}
		h = (h ^ tail) * mul
	}
	h ^= h >> 47
	h *= mul
	h ^= h >> 47
	return h
}

// HLLHashElement returns the register an element maps to and the length
// of the run of zero bits (plus the final one) that follows the index
// bits of its hash: the value the register must reach.
func HLLHashElement(ele []byte) (index int, count uint8) {
	h := Hash64(ele, hllSeed)
	index = int(h & (HLLRegisters - 1))
	rest := h>>hllP | 1<<hllQ
	return index, uint8(bits.TrailingZeros64(rest) + 1)
}

// NewHLL returns an empty HyperLogLog in the sparse form (its cached
// cardinality 0 and valid).
func NewHLL() []byte {
	b := make([]byte, hllSparseOne, hllSparseOne+8)
	copy(b, "HYLL")
	b[4] = HLLSparse
	p := HLLHeaderSize
	for left := HLLRegisters; left > 0; {
		n := min(left, 16384)
		b[p], b[p+1] = 0x40|byte((n-1)>>8), byte(n-1)
		p += 2
		left -= n
	}
	return b
}

// IsHLL reports whether a string has a HyperLogLog header that Redis
// accepts: the magic, a known encoding and, when dense, the exact size.
// The registers are checked later, by the operations that decode them.
func IsHLL(b []byte) bool {
	if len(b) < HLLHeaderSize || string(b[:4]) != "HYLL" || b[4] > HLLSparse {
		return false
	}
	return b[4] != HLLDense || len(b) == HLLDenseSize
}

// HLLCachedCount returns the cached cardinality and whether it is valid.
func HLLCachedCount(b []byte) (uint64, bool) {
	if b[15]&0x80 != 0 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[8:16]), true
}

// HLLSetCachedCount stores card as the (valid) cached cardinality.
func HLLSetCachedCount(b []byte, card uint64) { binary.LittleEndian.PutUint64(b[8:16], card) }

// HLLInvalidateCache marks the cached cardinality stale.
func HLLInvalidateCache(b []byte) { b[15] |= 0x80 }

// byteAt reads b[i], or zero past the end (Redis's strings end with a
// NUL that corrupted sparse values can make it read).
func byteAt(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// Sparse opcode decoding.
func isZero(op byte) bool       { return op&0xc0 == 0 }
func isXZero(op byte) bool      { return op&0xc0 == 0x40 }
func isVal(op byte) bool        { return op&0x80 != 0 }
func zeroLen(op byte) int       { return int(op&0x3f) + 1 }
func xzeroLen(a, b byte) int    { return int(a&0x3f)<<8 | int(b) + 1 }
func valValue(op byte) int      { return int(op>>2&0x1f) + 1 }
func valLen(op byte) int        { return int(op&3) + 1 }
func valOp(v, n int) byte       { return 0x80 | byte(v-1)<<2 | byte(n-1) }
func zeroOp(n int) byte         { return byte(n - 1) }
func xzeroOp(n int) (b, c byte) { return 0x40 | byte((n-1)>>8), byte(n - 1) }

// sparseOps walks the opcodes of a sparse register area, calling fn with
// each run's first register, length and value (0 for zero runs). It
// reports whether the runs cover exactly the 16384 registers; the walk
// stops at the first run that would pass the last register (Redis's fix
// for CVE-2025-32023 rejects those, as Debian's 7.0.15 does).
func sparseOps(regs []byte, fn func(first, n, val int)) bool {
	idx := 0
	for p := 0; p < len(regs); {
		op := regs[p]
		var n, v int
		switch {
		case isZero(op):
			n = zeroLen(op)
			p++
		case isXZero(op):
			n = xzeroLen(op, byteAt(regs, p+1))
			p += 2
		default:
			n, v = valLen(op), valValue(op)
			p++
		}
		if idx+n > HLLRegisters {
			return false
		}
		fn(idx, n, v)
		idx += n
	}
	return idx == HLLRegisters
}

// HLLDenseGet returns register i of a dense register area.
func HLLDenseGet(regs []byte, i int) uint8 {
	bit := i * 6
	at, shift := bit>>3, uint(bit&7)
	v := uint(regs[at]) >> shift
	if shift > 2 {
		v |= uint(regs[at+1]) << (8 - shift)
	}
	return uint8(v & hllRegMax)
}

// HLLDenseSet sets register i of a dense register area to v (0-63).
func HLLDenseSet(regs []byte, i int, v uint8) {
	bit := i * 6
	at, shift := bit>>3, uint(bit&7)
	regs[at] = regs[at]&^byte(hllRegMax<<shift) | v<<shift
	if shift > 2 {
		regs[at+1] = regs[at+1]&^byte(hllRegMax>>(8-shift)) | v>>(8-shift)
	}
}

// denseRaise raises register i to count if it is lower, reporting whether
// it changed.
func denseRaise(regs []byte, i int, count uint8) bool {
	if HLLDenseGet(regs, i) >= count {
		return false
	}
	HLLDenseSet(regs, i, count)
	return true
}

// HLLToDense converts a sparse HyperLogLog to the dense form, keeping the
// header (cached cardinality and reserved bytes). A dense value is
// returned as is. It fails with ErrHLLInvalid when the runs do not cover
// exactly the 16384 registers.
func HLLToDense(b []byte) ([]byte, error) {
	if b[4] == HLLDense {
		return b, nil
	}
	d := make([]byte, HLLDenseSize)
	copy(d, b[:HLLHeaderSize])
	d[4] = HLLDense
	regs := d[HLLHeaderSize:]
	ok := sparseOps(b[HLLHeaderSize:], func(first, n, v int) {
		for i := first; v != 0 && i < first+n; i++ {
			HLLDenseSet(regs, i, uint8(v))
		}
	})
	if !ok {
		return nil, fmt.Errorf("sparse to dense: %w", ErrHLLInvalid)
	}
	return d, nil
}

// HLLAdd adds an element: it returns the value (possibly reallocated or
// converted to dense) and whether a register changed. sparseMax is
// hll-sparse-max-bytes. The cached cardinality is left to the caller.
func HLLAdd(b, ele []byte, sparseMax int) ([]byte, bool, error) {
	idx, count := HLLHashElement(ele)
	return HLLRaise(b, idx, count, sparseMax)
}

// HLLRaise raises register idx to count if it is lower, in either form,
// reporting whether it changed. A sparse value may grow, or turn dense
// when count does not fit a VAL opcode or the value would outgrow
// sparseMax bytes.
func HLLRaise(b []byte, idx int, count uint8, sparseMax int) ([]byte, bool, error) {
	switch b[4] {
	case HLLDense:
		return b, denseRaise(b[HLLHeaderSize:], idx, count), nil
	case HLLSparse:
		return sparseRaise(b, idx, count, sparseMax)
	}
	return b, false, fmt.Errorf("encoding %d: %w", b[4], ErrHLLInvalid)
}

// sparseRaise is HLLRaise on a sparse value. The opcode covering idx is
// rewritten in place as up to three opcodes (zeros or the old value
// before, the new VAL, zeros or the old value after), then runs of equal
// VALs around the change are joined, so the result is byte for byte the
// one Redis produces.
func sparseRaise(b []byte, idx int, count uint8, sparseMax int) ([]byte, bool, error) {
	if count > hllSparseVMax {
		return promote(b, idx, count)
	}
	// Work on the full capacity: the rewrite grows the value by at most
	// 3 bytes, and one more byte past the end stays a NUL.
	if cap(b)-len(b) < 4 {
		nb := make([]byte, len(b), len(b)+len(b)/4+8)
		copy(nb, b)
		b = nb
	}
	end := len(b)
	buf := b[:cap(b)]
	buf[end] = 0

	// Find the opcode covering idx.
	p, first, prev, span, oplen := HLLHeaderSize, 0, -1, 0, 1
	for p < end {
		op := buf[p]
		oplen = 1
		switch {
		case isZero(op):
			span = zeroLen(op)
		case isVal(op):
			span = valLen(op)
		default:
			span, oplen = xzeroLen(op, buf[p+1]), 2
		}
		if idx <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return b, false, fmt.Errorf("no opcode covers register %d: %w", idx, ErrHLLInvalid)
	}
	next := p + oplen
	if next >= end {
		next = -1
	}
	op := buf[p]
	last := first + span - 1

	switch {
	case isVal(op) && valValue(op) >= int(count):
		return b, false, nil
	case isVal(op) && span == 1, isZero(op) && span == 1:
		buf[p] = valOp(int(count), 1)
	default:
		var seq [5]byte
		n := 0
		zeros := func(k int) {
			if k > 64 {
				seq[n], seq[n+1] = xzeroOp(k)
				n += 2
			} else {
				seq[n] = zeroOp(k)
				n++
			}
		}
		if isVal(op) {
			old := valValue(op)
			if idx != first {
				seq[n] = valOp(old, idx-first)
				n++
			}
			seq[n] = valOp(int(count), 1)
			n++
			if idx != last {
				seq[n] = valOp(old, last-idx)
				n++
			}
		} else {
			if idx != first {
				zeros(idx - first)
			}
			seq[n] = valOp(int(count), 1)
			n++
			if idx != last {
				zeros(last - idx)
			}
		}
		delta := n - oplen
		if delta > 0 && end+delta > sparseMax {
			return promote(b[:end], idx, count)
		}
		if delta != 0 && next >= 0 {
			copy(buf[next+delta:], buf[next:end])
		}
		end += delta
		buf[end] = 0
		copy(buf[p:], seq[:n])
	}

	// Join equal adjacent VAL runs, scanning a few opcodes from the one
	// before the change.
	q := HLLHeaderSize
	if prev >= 0 {
		q = prev
	}
	for scan := 5; q < end && scan > 0; scan-- {
		op := buf[q]
		switch {
		case isXZero(op):
			q += 2
			continue
		case isZero(op):
			q++
			continue
		}
		if q+1 < end && isVal(buf[q+1]) {
			nx := buf[q+1]
			if v := valValue(op); v == valValue(nx) {
				if n := valLen(op) + valLen(nx); n <= 4 {
					buf[q+1] = valOp(v, n)
					copy(buf[q:end], buf[q+1:end+1])
					end--
					buf[end] = 0
					continue
				}
			}
		}
		q++
	}
	b = buf[:end]
	HLLInvalidateCache(b)
	return b, true, nil
}

// promote converts a sparse value to dense and sets register idx there.
func promote(b []byte, idx int, count uint8) ([]byte, bool, error) {
	d, err := HLLToDense(b)
	if err != nil {
		return b, false, err
	}
	denseRaise(d[HLLHeaderSize:], idx, count)
	return d, true, nil
}

// HLLMergeMax raises max[i] to register i of the HyperLogLog b, for every
// register. A sparse value whose runs do not cover exactly the 16384
// registers fails with ErrHLLInvalid (max may then be partly updated).
func HLLMergeMax(max *[HLLRegisters]uint8, b []byte) error {
	regs := b[HLLHeaderSize:]
	if b[4] == HLLDense {
		for i := range max {
			if v := HLLDenseGet(regs, i); v > max[i] {
				max[i] = v
			}
		}
		return nil
	}
	ok := sparseOps(regs, func(first, n, v int) {
		for i := first; v != 0 && i < first+n; i++ {
			if uint8(v) > max[i] {
				max[i] = uint8(v)
			}
		}
	})
	if !ok {
		return fmt.Errorf("merge: %w", ErrHLLInvalid)
	}
	return nil
}

// HLLCount estimates the cardinality from the registers of b (ignoring
// the cache). It fails with ErrHLLInvalid on a sparse value whose runs
// do not cover exactly the 16384 registers.
func HLLCount(b []byte) (uint64, error) {
	var hist [64]int
	regs := b[HLLHeaderSize:]
	if b[4] == HLLDense {
		for i := 0; i+3 <= len(regs); i += 3 {
			b0, b1, b2 := regs[i], regs[i+1], regs[i+2]
			hist[b0&63]++
			hist[(b0>>6|b1<<2)&63]++
			hist[(b1>>4|b2<<4)&63]++
			hist[b2>>2]++
		}
		return hllEstimate(&hist), nil
	}
	if !sparseOps(regs, func(_, n, v int) { hist[v] += n }) {
		return 0, fmt.Errorf("count: %w", ErrHLLInvalid)
	}
	return hllEstimate(&hist), nil
}

// HLLCountRegisters estimates the cardinality of one register per byte
// (the union PFCOUNT of several keys builds).
func HLLCountRegisters(max *[HLLRegisters]uint8) uint64 {
	var hist [64]int
	for _, v := range max {
		hist[v&63]++
	}
	return hllEstimate(&hist)
}

// hllEstimate is the estimator of Otmar Ertl's "New cardinality
// estimation algorithms for HyperLogLog sketches" (arXiv:1702.01284),
// the one Redis uses since 5.0, from the histogram of register values.
// The explicit float64 conversions keep the compiler from fusing
// multiply-adds, so every platform rounds as Redis does on x86-64.
func hllEstimate(hist *[64]int) uint64 {
	const m = float64(HLLRegisters)
	z := float64(m * hllTau(float64(m-float64(hist[hllQ+1]))/m))
	for j := hllQ; j >= 1; j-- {
		z += float64(hist[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(hist[0])/m))
	return uint64(math.Round(float64(float64(hllAlphaInf*m)*m) / z))
}

// hllSigma is the series sigma(x) = x + sum_k x^(2^k) 2^(k-1) of the
// paper, summed until it stops changing.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x = float64(x * x)
		before := z
		z += float64(x * y)
		y += y
		if z == before || math.IsNaN(z) {
			return z
		}
	}
}

// hllTau is the series tau(x) of the paper, summed until it stops
// changing.
func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		before := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if z == before || math.IsNaN(z) {
			return z / 3
		}
	}
}

// HLLDecode renders the opcodes of a sparse value as PFDEBUG DECODE
// does: "z:N" for ZERO, "Z:N" for XZERO, "v:VALUE,N" for VAL.
func HLLDecode(b []byte) string {
	var out []byte
	regs := b[HLLHeaderSize:]
	for p := 0; p < len(regs); {
		op := regs[p]
		if len(out) > 0 {
			out = append(out, ' ')
		}
		switch {
		case isZero(op):
			out = strconv.AppendInt(append(out, "z:"...), int64(zeroLen(op)), 10)
			p++
		case isXZero(op):
			out = strconv.AppendInt(append(out, "Z:"...), int64(xzeroLen(op, byteAt(regs, p+1))), 10)
			p += 2
		default:
			out = strconv.AppendInt(append(out, "v:"...), int64(valValue(op)), 10)
			out = strconv.AppendInt(append(out, ','), int64(valLen(op)), 10)
			p++
		}
	}
	return string(out)
}

// HLLSelfTest checks the dense register accessors against a plain array
// on random values, then the estimate of dense and sparse HyperLogLogs
// fed the same distinct elements against the true count at every power
// of ten up to 10^7, as PFSELFTEST does. rnd supplies random numbers.
// The error text is what PFSELFTEST replies.
func HLLSelfTest(rnd func() uint64, sparseMax int) error {
	regs := make([]byte, HLLDenseSize-HLLHeaderSize)
	var want [HLLRegisters]uint8
	for round := 0; round < 1000; round++ {
		for i := range want {
			v := uint8(rnd() & hllRegMax)
			want[i] = v
			HLLDenseSet(regs, i, v)
		}
		for i, v := range want {
			if got := HLLDenseGet(regs, i); got != v {
				return fmt.Errorf("TESTFAILED Register %d should be %d but is %d", i, v, got)
			}
		}
	}

	dense := make([]byte, HLLDenseSize)
	copy(dense, "HYLL")
	sparse := NewHLL()
	relErr := 1.04 / math.Sqrt(HLLRegisters)
	seed := rnd()
	checkpoint := uint64(1)
	var ele [8]byte
	for j := uint64(1); j <= 10000000; j++ {
		binary.LittleEndian.PutUint64(ele[:], j^seed)
		HLLAdd(dense, ele[:], sparseMax)
		var err error
		if sparse, _, err = HLLAdd(sparse, ele[:], sparseMax); err != nil {
			return fmt.Errorf("TESTFAILED %v", err)
		}
		if j != checkpoint {
			continue
		}
		if j < uint64(sparseMax)/2 && sparse[4] != HLLSparse {
			return errors.New("TESTFAILED sparse encoding not used")
		}
		dc, _ := HLLCount(dense)
		sc, _ := HLLCount(sparse)
		if dc != sc {
			return errors.New("TESTFAILED dense/sparse disagree")
		}
		maxErr := uint64(math.Ceil(relErr * 6 * float64(checkpoint)))
		if j == 10 {
			maxErr = 1
		}
		absErr := int64(checkpoint) - int64(dc)
		if absErr < 0 {
			absErr = -absErr
		}
		if absErr > int64(maxErr) {
			return fmt.Errorf("TESTFAILED Too big error. card:%d abserr:%d", checkpoint, absErr)
		}
		checkpoint *= 10
	}
	return nil
}
