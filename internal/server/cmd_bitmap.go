package server

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// The bitmap commands treat a string value as an array of bits, bit 0
// being the most significant bit of the first byte. Bits past the end of
// the string read as zero; writes grow the string with zero bytes.

func bitmapCommands() []*Command {
	return []*Command{
		spec("setbit", 4, "write denyoom", 1, 1, 1, "bitmap", setbitCommand),
		spec("getbit", 3, "readonly fast", 1, 1, 1, "bitmap", getbitCommand),
		spec("bitcount", -2, "readonly", 1, 1, 1, "bitmap", bitcountCommand),
		spec("bitpos", -3, "readonly", 1, 1, 1, "bitmap", bitposCommand),
		spec("bitop", -4, "write denyoom", 2, -1, 1, "bitmap", bitopCommand),
		spec("bitfield", -2, "write denyoom", 1, 1, 1, "bitmap", bitfieldCommand),
		spec("bitfield_ro", -2, "readonly fast", 1, 1, 1, "bitmap", bitfieldROCommand),
	}
}

// parseBitOffset parses a bit offset argument. With fieldBits > 0 (BITFIELD)
// the "#N" form is accepted and means N*fieldBits. Offsets whose byte lies
// at or past proto-max-bulk-len are refused. The multiplication wraps on
// overflow, and the result is then range-checked, as Redis does.
func (x *Ctx) parseBitOffset(arg []byte, fieldBits int) (uint64, bool) {
	scaled := fieldBits > 0 && len(arg) > 0 && arg[0] == '#'
	if scaled {
		arg = arg[1:]
	}
	n, ok := parseInt(arg)
	if ok && scaled {
		n *= int64(fieldBits)
	}
	if !ok || n < 0 || n>>3 >= x.s.live.maxBulk.Load() {
		x.Err(errBitOffset)
		return 0, false
	}
	return uint64(n), true
}

// bitmapForWrite returns key's string entry grown with zero bytes so that
// bit maxBit exists, creating the key if needed. grown reports that the
// key was created or lengthened. A written string is stored unencoded
// (raw), as Redis unshares it before writing. ok is false after an error reply.
func (x *Ctx) bitmapForWrite(key []byte, maxBit uint64) (e *keyspace.Entry, grown, ok bool) {
	e, ok = x.stringValue(key, false)
	if !ok {
		return nil, false, false
	}
	need := int(maxBit>>3) + 1
	if e == nil {
		e = x.db.Set(key, keyspace.Entry{Type: keyspace.TypeString, Str: make([]byte, need), Enc: keyspace.EncRaw, Access: x.newAccess()})
		return e, true, true
	}
	e.Enc = keyspace.EncRaw
	if len(e.Str) < need {
		oldCap := cap(e.Str)
		e.Str = append(e.Str, make([]byte, need-len(e.Str))...)
		x.db.Resized(e, oldCap)
		grown = true
	}
	return e, grown, true
}

func setbitCommand(x *Ctx) {
	key := x.args[1]
	off, ok := x.parseBitOffset(x.args[2], 0)
	if !ok {
		return
	}
	v, ok := parseInt(x.args[3])
	if !ok || v&^1 != 0 {
		x.Err(errBitValue)
		return
	}
	e, grown, ok := x.bitmapForWrite(key, off)
	if !ok {
		return
	}
	i, mask := off>>3, byte(0x80)>>(off&7)
	old := e.Str[i]&mask != 0
	if grown || old != (v == 1) {
		if v == 1 {
			e.Str[i] |= mask
		} else {
			e.Str[i] &^= mask
		}
		x.changed(key, keyspace.NotifyString, "setbit")
	}
	x.w.Int(b2i(old))
}

func getbitCommand(x *Ctx) {
	off, ok := x.parseBitOffset(x.args[2], 0)
	if !ok {
		return
	}
	e, ok := x.stringValue(x.args[1], true)
	if !ok {
		return
	}
	var bit int64
	if e != nil {
		if i := off >> 3; i < uint64(len(e.Str)) {
			bit = int64(e.Str[i]>>(7-off&7)) & 1
		}
	}
	x.w.Int(bit)
}

// bitRange turns BITCOUNT/BITPOS start and end arguments into an inclusive
// bit range of a string of n bytes. Negative indexes count from the end;
// the range is clamped to the string. inBits selects BIT units instead of
// bytes. empty is true when no bit is selected.
func bitRange(start, end, n int64, inBits bool) (lo, hi int64, empty bool) {
	total := n
	if inBits {
		total = n * 8
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start = max(start, 0)
	end = min(max(end, 0), total-1)
	if start > end {
		return 0, 0, true
	}
	if inBits {
		return start, end, false
	}
	return start * 8, end*8 + 7, false
}

// parseBitUnit parses the optional BYTE|BIT argument.
func (x *Ctx) parseBitUnit(arg []byte) (inBits, ok bool) {
	switch {
	case eqFold(arg, "bit"):
		return true, true
	case eqFold(arg, "byte"):
		return false, true
	}
	x.Err(errSyntax)
	return false, false
}

func bitcountCommand(x *Ctx) {
	e, ok := x.stringValue(x.args[1], true)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	p := e.Str
	switch len(x.args) {
	case 2:
		x.w.Int(popcount(p))
		return
	case 4, 5:
	default:
		x.Err(errSyntax)
		return
	}
	start, ok1 := parseInt(x.args[2])
	if !ok1 {
		x.Err(errNotInt)
		return
	}
	end, ok2 := parseInt(x.args[3])
	if !ok2 {
		x.Err(errNotInt)
		return
	}
	if start < 0 && end < 0 && start > end {
		x.w.Int(0)
		return
	}
	inBits := false
	if len(x.args) == 5 {
		if inBits, ok = x.parseBitUnit(x.args[4]); !ok {
			return
		}
	}
	lo, hi, empty := bitRange(start, end, int64(len(p)), inBits)
	if empty {
		x.w.Int(0)
		return
	}
	x.w.Int(countBits(p, lo, hi))
}

func bitposCommand(x *Ctx) {
	bit, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if bit != 0 && bit != 1 {
		x.Err(errBitposBit)
		return
	}
	e, ok := x.stringValue(x.args[1], true)
	if !ok {
		return
	}
	if e == nil {
		// A missing key is an endless run of zero bits.
		x.w.Int(-bit)
		return
	}
	p := e.Str
	n := int64(len(p))
	start, end := int64(0), n-1
	inBits, endGiven := false, false
	switch len(x.args) {
	case 3:
	case 4, 5, 6:
		if start, ok = parseInt(x.args[3]); !ok {
			x.Err(errNotInt)
			return
		}
		if len(x.args) == 6 {
			if inBits, ok = x.parseBitUnit(x.args[5]); !ok {
				return
			}
		}
		if len(x.args) >= 5 {
			if end, ok = parseInt(x.args[4]); !ok {
				x.Err(errNotInt)
				return
			}
			endGiven = true
		}
	default:
		x.Err(errSyntax)
		return
	}
	lo, hi, empty := bitRange(start, end, n, inBits)
	if empty {
		x.w.Int(-1)
		return
	}
	pos := firstBit(p, lo, hi, bit == 1)
	if pos < 0 && bit == 0 && !endGiven {
		// Without an explicit end the string is taken as zero-padded on
		// the right, so the first clear bit is the one after the range.
		pos = hi + 1
	}
	x.w.Int(pos)
}

// Operations of BITOP.
const (
	bitopAnd = iota
	bitopOr
	bitopXor
	bitopNot
)

func bitopCommand(x *Ctx) {
	var op int
	switch a := x.args[1]; {
	case eqFold(a, "and"):
		op = bitopAnd
	case eqFold(a, "or"):
		op = bitopOr
	case eqFold(a, "xor"):
		op = bitopXor
	case eqFold(a, "not"):
		op = bitopNot
	default:
		x.Err(errSyntax)
		return
	}
	if op == bitopNot && len(x.args) != 4 {
		x.Err(errBitopNot)
		return
	}
	dest := x.args[2]
	srcs := make([][]byte, 0, len(x.args)-3)
	maxLen := 0
	for _, k := range x.args[3:] {
		e, ok := x.stringValue(k, true)
		if !ok {
			return
		}
		var s []byte
		if e != nil {
			s = e.Str
		}
		srcs = append(srcs, s)
		maxLen = max(maxLen, len(s))
	}
	if maxLen == 0 {
		if x.db.Delete(dest) {
			x.changed(dest, keyspace.NotifyGeneric, "del")
		}
		x.w.Int(0)
		return
	}
	res := make([]byte, maxLen)
	copy(res, srcs[0])
	switch op {
	case bitopNot:
		notBytes(res)
	case bitopAnd:
		for _, s := range srcs[1:] {
			andBytes(res, s)
			clear(res[len(s):]) // a shorter source is zero-padded
		}
	case bitopOr:
		for _, s := range srcs[1:] {
			orBytes(res, s)
		}
	case bitopXor:
		for _, s := range srcs[1:] {
			xorBytes(res, s)
		}
	}
	x.db.LookupNoTouch(dest, x.now) // expire a stale destination first (Set counts the access)
	x.db.Set(dest, keyspace.Entry{Type: keyspace.TypeString, Str: res, Enc: keyspace.EncRaw, Access: x.newAccess()})
	x.changed(dest, keyspace.NotifyString, "set")
	x.w.Int(int64(maxLen))
}

// Overflow behaviours of BITFIELD SET and INCRBY.
const (
	overflowWrap = iota
	overflowSat
	overflowFail
)

// Operations of BITFIELD.
const (
	fieldGet = iota
	fieldSet
	fieldIncrBy
)

// fieldOp is one parsed BITFIELD operation.
type fieldOp struct {
	offset   uint64
	arg      int64 // SET value or INCRBY increment
	op       int
	overflow int
	bits     int
	signed   bool
}

func bitfieldCommand(x *Ctx)   { x.bitfield(false) }
func bitfieldROCommand(x *Ctx) { x.bitfield(true) }

// parseFieldType parses a BITFIELD type: i1..i64 or u1..u63.
func (x *Ctx) parseFieldType(arg []byte) (signed bool, width int, ok bool) {
	if len(arg) > 0 && (arg[0] == 'i' || arg[0] == 'u') {
		signed = arg[0] == 'i'
		n, ok := parseInt(arg[1:])
		if ok && n >= 1 && (n <= 63 || signed && n == 64) {
			return signed, int(n), true
		}
	}
	x.Err(errBitfieldType)
	return false, 0, false
}

// parseBitfieldOps parses the operations of BITFIELD key [op...], replying
// an error when one is malformed.
func (x *Ctx) parseBitfieldOps() (ops []fieldOp, writes bool, maxBit uint64, ok bool) {
	overflow := overflowWrap
	for j := 2; j < len(x.args); j++ {
		rest := len(x.args) - j - 1
		a := x.args[j]
		var op int
		switch {
		case eqFold(a, "get") && rest >= 2:
			op = fieldGet
		case eqFold(a, "set") && rest >= 3:
			op = fieldSet
		case eqFold(a, "incrby") && rest >= 3:
			op = fieldIncrBy
		case eqFold(a, "overflow") && rest >= 1:
			j++
			switch t := x.args[j]; {
			case eqFold(t, "wrap"):
				overflow = overflowWrap
			case eqFold(t, "sat"):
				overflow = overflowSat
			case eqFold(t, "fail"):
				overflow = overflowFail
			default:
				x.Err(errBitfieldOflow)
				return nil, false, 0, false
			}
			continue
		default:
			x.Err(errSyntax)
			return nil, false, 0, false
		}
		signed, width, ok := x.parseFieldType(x.args[j+1])
		if !ok {
			return nil, false, 0, false
		}
		off, ok := x.parseBitOffset(x.args[j+2], width)
		if !ok {
			return nil, false, 0, false
		}
		var arg int64
		if op != fieldGet {
			writes = true
			maxBit = max(maxBit, off+uint64(width)-1)
			if arg, ok = parseInt(x.args[j+3]); !ok {
				x.Err(errNotInt)
				return nil, false, 0, false
			}
			j++
		}
		j += 2
		ops = append(ops, fieldOp{offset: off, arg: arg, op: op, overflow: overflow, bits: width, signed: signed})
	}
	return ops, writes, maxBit, true
}

// bitfield implements BITFIELD and, with readOnly, BITFIELD_RO.
func (x *Ctx) bitfield(readOnly bool) {
	key := x.args[1]
	ops, writes, maxBit, ok := x.parseBitfieldOps()
	if !ok {
		return
	}
	var e *keyspace.Entry
	grown := false
	switch {
	case !writes:
		if e, ok = x.stringValue(key, true); !ok {
			return
		}
	case readOnly:
		x.Err(errBitfieldRO)
		return
	default:
		// The key is created or grown even if every write then fails.
		if e, grown, ok = x.bitmapForWrite(key, maxBit); !ok {
			return
		}
	}
	var p []byte
	if e != nil {
		p = e.Str
	}
	changes := 0
	x.w.Array(len(ops))
	for i := range ops {
		op := &ops[i]
		if op.op == fieldGet {
			v := getField(p, op.offset, op.bits)
			if op.signed {
				x.w.Int(signExtend(v, op.bits))
			} else {
				x.w.Int(int64(v))
			}
			continue
		}
		old := getField(p, op.offset, op.bits)
		var nv, reply uint64
		var overflowed bool
		if op.signed {
			oldS := signExtend(old, op.bits)
			base, incr := op.arg, int64(0)
			if op.op == fieldIncrBy {
				base, incr = oldS, op.arg
			}
			res, of := signedFieldAdd(base, incr, op.bits, op.overflow)
			nv, overflowed = uint64(res), of
			reply = nv
			if op.op == fieldSet {
				reply = uint64(oldS)
			}
		} else {
			base, incr := uint64(op.arg), int64(0)
			if op.op == fieldIncrBy {
				base, incr = old, op.arg
			}
			nv, overflowed = unsignedFieldAdd(base, incr, op.bits, op.overflow)
			reply = nv
			if op.op == fieldSet {
				reply = old
			}
		}
		if overflowed && op.overflow == overflowFail {
			x.w.Null()
			continue
		}
		x.w.Int(int64(reply))
		setField(p, op.offset, op.bits, nv)
		if grown || nv&widthMask(op.bits) != old {
			changes++
		}
	}
	if changes > 0 {
		x.changed(key, keyspace.NotifyString, "setbit")
		x.s.ks.Dirty += int64(changes - 1) // Redis counts every changing operation
	}
}

// widthMask has the low width bits set.
func widthMask(width int) uint64 {
	if width >= 64 {
		return math.MaxUint64
	}
	return 1<<width - 1
}

// signExtend reads the low width bits of v as a two's complement integer.
func signExtend(v uint64, width int) int64 {
	s := 64 - width
	return int64(v<<s) >> s
}

// unsignedFieldAdd computes value+incr for an unsigned field of width
// bits (width <= 63), reporting whether the result leaves the field's
// range. Under WRAP the result is reduced modulo 2^width; under SAT it is
// clamped to the nearest limit (a value above the maximum clamps to the
// maximum, even one that came from a negative SET argument). Under FAIL
// the result is irrelevant when overflowed is true.
func unsignedFieldAdd(value uint64, incr int64, width, overflow int) (res uint64, overflowed bool) {
	limit := widthMask(width)
	sum := value + uint64(incr)
	var high bool
	switch {
	case value > limit || incr > 0 && incr > int64(limit-value):
		high = true
	case incr < 0 && incr < int64(-value):
		high = false
	default:
		return sum, false
	}
	if overflow == overflowSat {
		if high {
			return limit, true
		}
		return 0, true
	}
	return sum & limit, true
}

// signedFieldAdd is unsignedFieldAdd for a signed field of width bits
// (width <= 64): WRAP keeps the low width bits of the two's complement sum,
// SAT clamps to the field's minimum or maximum. The range tests use
// 64-bit wrapping arithmetic, which decides the rare cases of arguments
// far outside a narrow field the same way Redis does.
func signedFieldAdd(value, incr int64, width, overflow int) (res int64, overflowed bool) {
	hiLim := int64(widthMask(width - 1))
	loLim := -hiLim - 1
	roomUp := int64(uint64(hiLim) - uint64(value))
	roomDown := loLim - value
	var high bool
	switch {
	case value > hiLim || width != 64 && incr > roomUp || value >= 0 && incr > 0 && incr > roomUp:
		high = true
	case value < loLim || width != 64 && incr < roomDown || value < 0 && incr < 0 && incr < roomDown:
		high = false
	default:
		return value + incr, false
	}
	if overflow == overflowSat {
		if high {
			return hiLim, true
		}
		return loLim, true
	}
	return signExtend(uint64(value)+uint64(incr), width), true
}

// getField reads the width-bit unsigned field at bit offset off of p,
// most significant bit first; bits past the end of p read as zero.
func getField(p []byte, off uint64, width int) uint64 {
	var win [9]byte
	if i := off >> 3; i < uint64(len(p)) {
		copy(win[:], p[i:])
	}
	shift := off & 7
	v := binary.BigEndian.Uint64(win[:8])<<shift | uint64(win[8])>>(8-shift)
	return v >> (64 - width)
}

// setField stores the low width bits of v at bit offset off of p, most
// significant bit first. p must be long enough.
func setField(p []byte, off uint64, width int, v uint64) {
	pos, end := off, off+uint64(width)
	for pos < end {
		first := uint(pos & 7)           // first bit used in this byte, 0 = MSB
		n := min(8-first, uint(end-pos)) // bits written into this byte
		chunk := byte(v>>(uint(end-pos)-n)) & byte(1<<n-1)
		shift := 8 - first - n
		mask := byte(1<<n-1) << shift
		p[pos>>3] = p[pos>>3]&^mask | chunk<<shift
		pos += uint64(n)
	}
}

// popcount counts the set bits of p.
func popcount(p []byte) int64 {
	var n int
	for len(p) >= 32 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p)) +
			bits.OnesCount64(binary.LittleEndian.Uint64(p[8:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(p[16:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(p[24:]))
		p = p[32:]
	}
	for len(p) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p))
		p = p[8:]
	}
	for _, c := range p {
		n += bits.OnesCount8(c)
	}
	return int64(n)
}

// countBits counts the set bits of p between bit lo and bit hi inclusive
// (hi < 8*len(p)).
func countBits(p []byte, lo, hi int64) int64 {
	first, last := lo>>3, hi>>3
	n := popcount(p[first : last+1])
	n -= int64(bits.OnesCount8(p[first] & ^(0xff >> (lo & 7)))) // bits before lo
	n -= int64(bits.OnesCount8(p[last] & (0x7f >> (hi & 7))))   // bits after hi
	return n
}

// firstBit returns the position of the first bit of p between bit lo and
// bit hi inclusive (hi < 8*len(p)) that is set (one) or clear (!one), or
// -1 if there is none.
func firstBit(p []byte, lo, hi int64, one bool) int64 {
	var flip byte
	var flipWord uint64
	if !one {
		flip, flipWord = 0xff, math.MaxUint64
	}
	first, last := lo>>3, hi>>3
	headMask := byte(0xff) >> (lo & 7)
	tailMask := byte(0xff) << (7 - hi&7)
	if first == last {
		if c := (p[first] ^ flip) & headMask & tailMask; c != 0 {
			return first*8 + int64(bits.LeadingZeros8(c))
		}
		return -1
	}
	if c := (p[first] ^ flip) & headMask; c != 0 {
		return first*8 + int64(bits.LeadingZeros8(c))
	}
	i := first + 1
	for ; i+8 <= last; i += 8 {
		if w := binary.BigEndian.Uint64(p[i:]) ^ flipWord; w != 0 {
			return i*8 + int64(bits.LeadingZeros64(w))
		}
	}
	for ; i < last; i++ {
		if c := p[i] ^ flip; c != 0 {
			return i*8 + int64(bits.LeadingZeros8(c))
		}
	}
	if c := (p[last] ^ flip) & tailMask; c != 0 {
		return last*8 + int64(bits.LeadingZeros8(c))
	}
	return -1
}

// andBytes, orBytes and xorBytes combine dst with the first len(src) bytes
// of src (len(src) <= len(dst)), a word at a time; notBytes inverts dst.
func andBytes(dst, src []byte) {
	i := 0
	for ; i+8 <= len(src); i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(dst[i:])&binary.LittleEndian.Uint64(src[i:]))
	}
	for ; i < len(src); i++ {
		dst[i] &= src[i]
	}
}

func orBytes(dst, src []byte) {
	i := 0
	for ; i+8 <= len(src); i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(dst[i:])|binary.LittleEndian.Uint64(src[i:]))
	}
	for ; i < len(src); i++ {
		dst[i] |= src[i]
	}
}

func xorBytes(dst, src []byte) {
	i := 0
	for ; i+8 <= len(src); i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(dst[i:])^binary.LittleEndian.Uint64(src[i:]))
	}
	for ; i < len(src); i++ {
		dst[i] ^= src[i]
	}
}

func notBytes(dst []byte) {
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], ^binary.LittleEndian.Uint64(dst[i:]))
	}
	for ; i < len(dst); i++ {
		dst[i] = ^dst[i]
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
