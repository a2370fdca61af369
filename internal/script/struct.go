package script

import (
	"bytes"
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The struct library (Roberto Ierusalimschy's lua-struct, as Redis ships
// it): pack, unpack and size of binary records. Sizes and alignment are
// those of the x86-64 C ABI Redis is built for: short 2, int 4, long and
// size_t 8, float 4, double 8, maximum alignment 8; native order is
// little-endian.

const (
	structMaxIntSize = 32
	structMaxAlign   = 8
)

type structHeader struct {
	little bool
	align  int
}

// structFormat walks a format string.
type structFormat struct {
	L     *lua.LState
	fname string
	fmt   string
	i     int
	h     structHeader
}

func newStructFormat(L *lua.LState, fname, f string) *structFormat {
	return &structFormat{L: L, fname: fname, fmt: f, h: structHeader{little: true, align: 1}}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// getnum reads an optional decimal size.
func (f *structFormat) getnum(def int) int {
	if f.i >= len(f.fmt) || !isDigit(f.fmt[f.i]) {
		return def
	}
	a := 0
	for f.i < len(f.fmt) && isDigit(f.fmt[f.i]) {
		d := int(f.fmt[f.i] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			luaError(f.L, "integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

// optsize is the size of option opt (reading its number if it has one).
func (f *structFormat) optsize(opt byte) int {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T':
		return 8
	case 'f':
		return 4
	case 'd':
		return 8
	case 'x':
		return 1
	case 'c':
		return f.getnum(1)
	case 'i', 'I':
		sz := f.getnum(4)
		if sz > structMaxIntSize {
			luaError(f.L, "integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return sz
	}
	return 0
}

// toalign is the padding before an item of size at offset n.
func (f *structFormat) toalign(n, opt, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > f.h.align {
		size = f.h.align
	}
	return (size - (n & (size - 1))) & (size - 1)
}

// control handles the options that change the header.
func (f *structFormat) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.h.little = false
	case '<':
		f.h.little = true
	case '!':
		a := f.getnum(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			luaError(f.L, "alignment %d is not a power of 2", a)
		}
		f.h.align = a
	default:
		argError(f.L, 1, f.fname, "invalid format option '"+string(opt)+"'")
	}
}

func openStruct(L *lua.LState) *lua.LTable {
	t := L.CreateTable(0, 3)
	t.RawSetString("pack", L.NewFunction(structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	return t
}

// checkStringArg is luaL_checklstring (numbers convert).
func checkStringArg(L *lua.LState, n int, fname string) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return formatNumber(float64(v))
	}
	argTypeError(L, n, fname, "string")
	return ""
}

func structPack(L *lua.LState) int {
	f := newStructFormat(L, "pack", checkStringArg(L, 1, "pack"))
	var out []byte
	arg := 2
	total := 0
	for f.i < len(f.fmt) {
		opt := f.fmt[f.i]
		f.i++
		size := f.optsize(opt)
		pad := f.toalign(total, int(opt), size)
		total += pad
		for ; pad > 0; pad-- {
			out = append(out, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			n := checkNumberArg(L, arg, "pack")
			arg++
			var v uint64
			if n < 0 {
				v = uint64(int64(n))
			} else {
				v = uint64(n)
			}
			buf := make([]byte, size)
			for k := 0; k < size; k++ {
				pos := k
				if !f.h.little {
					pos = size - 1 - k
				}
				buf[pos] = byte(v)
				v >>= 8
			}
			out = append(out, buf...)
		case 'x':
			out = append(out, 0)
		case 'f':
			bits := math.Float32bits(float32(checkNumberArg(L, arg, "pack")))
			arg++
			out = appendUint(out, uint64(bits), 4, f.h.little)
		case 'd':
			bits := math.Float64bits(checkNumberArg(L, arg, "pack"))
			arg++
			out = appendUint(out, bits, 8, f.h.little)
		case 'c', 's':
			s := checkStringArg(L, arg, "pack")
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				argError(L, arg, "pack", "string too short")
			}
			out = append(out, s[:size]...)
			if opt == 's' {
				out = append(out, 0)
				size++
			}
		default:
			f.control(opt)
		}
		total += size
	}
	L.Push(lua.LString(out))
	return 1
}

func appendUint(out []byte, v uint64, size int, little bool) []byte {
	var b [8]byte
	if little {
		binary.LittleEndian.PutUint64(b[:], v)
		return append(out, b[:size]...)
	}
	binary.BigEndian.PutUint64(b[:], v)
	return append(out, b[8-size:]...)
}

// structInt decodes an integer of size bytes as lua-struct does (64-bit
// arithmetic; the sign mask shifts as x86 does for oversized counts).
func structInt(data []byte, little, signed bool) float64 {
	size := len(data)
	var l uint64
	if !little {
		for i := 0; i < size; i++ {
			l = l<<8 | uint64(data[i])
		}
	} else {
		for i := size - 1; i >= 0; i-- {
			l = l<<8 | uint64(data[i])
		}
	}
	if !signed {
		return float64(l)
	}
	mask := ^uint64(0) << (uint(size*8-1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

func structUnpack(L *lua.LState) int {
	f := newStructFormat(L, "unpack", checkStringArg(L, 1, "unpack"))
	data := checkStringArg(L, 2, "unpack")
	ld := len(data)
	pos := optIntegerArg(L, 3, "unpack", 1)
	if pos <= 0 {
		argError(L, 3, "unpack", "offset must be 1 or greater")
	}
	p := int(pos - 1)
	n := 0
	for f.i < len(f.fmt) {
		opt := f.fmt[f.i]
		f.i++
		size := f.optsize(opt)
		p += f.toalign(p, int(opt), size)
		if !(size <= ld && p <= ld-size) {
			argError(L, 2, "unpack", "data string too short")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := opt >= 'a' && opt <= 'z'
			L.Push(lua.LNumber(structInt([]byte(data[p:p+size]), f.h.little, signed)))
			n++
		case 'x':
		case 'f':
			var bits uint32
			if f.h.little {
				bits = binary.LittleEndian.Uint32([]byte(data[p : p+4]))
			} else {
				bits = binary.BigEndian.Uint32([]byte(data[p : p+4]))
			}
			L.Push(lua.LNumber(float64(math.Float32frombits(bits))))
			n++
		case 'd':
			var bits uint64
			if f.h.little {
				bits = binary.LittleEndian.Uint64([]byte(data[p : p+8]))
			} else {
				bits = binary.BigEndian.Uint64([]byte(data[p : p+8]))
			}
			L.Push(lua.LNumber(math.Float64frombits(bits)))
			n++
		case 'c':
			if size == 0 {
				if n == 0 {
					luaError(L, "format 'c0' needs a previous size")
				}
				prev, ok := toNumber(L.Get(-1))
				if !ok {
					luaError(L, "format 'c0' needs a previous size")
				}
				size = int(prev)
				L.Pop(1)
				n--
				if !(size <= ld && p <= ld-size) {
					argError(L, 2, "unpack", "data string too short")
				}
			}
			L.Push(lua.LString(data[p : p+size]))
			n++
		case 's':
			e := bytes.IndexByte([]byte(data[p:]), 0)
			if e < 0 {
				luaError(L, "unfinished string in data")
			}
			size = e + 1
			L.Push(lua.LString(data[p : p+e]))
			n++
		default:
			f.control(opt)
		}
		p += size
	}
	L.Push(lua.LNumber(p + 1))
	return n + 1
}

func structSize(L *lua.LState) int {
	f := newStructFormat(L, "size", checkStringArg(L, 1, "size"))
	pos := 0
	for f.i < len(f.fmt) {
		opt := f.fmt[f.i]
		f.i++
		size := f.optsize(opt)
		pos += f.toalign(pos, int(opt), size)
		if opt == 's' {
			argError(L, 1, "size", "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "size", "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
