package script

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cmsgpack library (lua-cmsgpack 0.4.0, as Redis ships it):
// MessagePack pack/unpack of Lua values.

// msgpackMaxNesting is the table depth past which tables encode as nil
// (so circular references terminate).
const msgpackMaxNesting = 16

func openCmsgpack(L *lua.LState) *lua.LTable {
	t := L.CreateTable(0, 8)
	t.RawSetString("pack", L.NewFunction(mpPack))
	t.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int { return mpUnpackFull(L, 0, 0) }))
	t.RawSetString("unpack_one", L.NewFunction(func(L *lua.LState) int {
		offset := optIntegerArg(L, 2, "unpack_one", 0)
		L.SetTop(1)
		return mpUnpackFull(L, 1, offset)
	}))
	t.RawSetString("unpack_limit", L.NewFunction(func(L *lua.LState) int {
		limit := int64(checkNumberArg(L, 2, "unpack_limit"))
		offset := optIntegerArg(L, 3, "unpack_limit", 0)
		L.SetTop(1)
		return mpUnpackFull(L, limit, offset)
	}))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

func mpPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		argError(L, 0, "pack", "MessagePack pack needs input.")
	}
	var buf []byte
	for i := 1; i <= n; i++ {
		buf = mpEncode(L, buf, L.Get(i), 0)
	}
	L.Push(lua.LString(buf))
	return 1
}

func mpEncode(L *lua.LState, buf []byte, val lua.LValue, level int) []byte {
	switch x := val.(type) {
	case lua.LString:
		return mpEncodeBytes(buf, string(x))
	case lua.LBool:
		if x {
			return append(buf, 0xc3)
		}
		return append(buf, 0xc2)
	case lua.LNumber:
		f := float64(x)
		if !math.IsInf(f, 0) && !math.IsNaN(f) && float64(int64(f)) == f {
			return mpEncodeInt(buf, int64(f))
		}
		return mpEncodeDouble(buf, f)
	case *lua.LTable:
		if level == msgpackMaxNesting {
			return append(buf, 0xc0)
		}
		if mpIsArray(x) {
			n := x.Len()
			buf = mpEncodeHeader(buf, uint64(n), 0x90, 0xdc, 0xdd)
			for j := 1; j <= n; j++ {
				buf = mpEncode(L, buf, L.GetTable(x, lua.LNumber(j)), level+1)
			}
			return buf
		}
		n := 0
		for k, _ := x.Next(lua.LNil); k != lua.LNil; k, _ = x.Next(k) {
			n++
		}
		buf = mpEncodeHeader(buf, uint64(n), 0x80, 0xde, 0xdf)
		for k, v := x.Next(lua.LNil); k != lua.LNil; k, v = x.Next(k) {
			buf = mpEncode(L, buf, k, level+1)
			buf = mpEncode(L, buf, v, level+1)
		}
		return buf
	}
	return append(buf, 0xc0)
}

// mpIsArray: keys exactly 1..N (all positive int32-representable numbers,
// as many as the largest).
func mpIsArray(t *lua.LTable) bool {
	count, maxIdx := 0, 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f <= 0 || math.IsInf(f, 0) || float64(int32(f)) != f {
			return false
		}
		if int(f) > maxIdx {
			maxIdx = int(f)
		}
		count++
	}
	return maxIdx == count
}

func mpEncodeHeader(buf []byte, n uint64, fix, b16, b32 byte) []byte {
	switch {
	case n <= 15:
		return append(buf, fix|byte(n&0xf))
	case n <= 0xffff:
		return append(buf, b16, byte(n>>8), byte(n))
	default:
		return append(buf, b32, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func mpEncodeBytes(buf []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		buf = append(buf, 0xa0|byte(n))
	case n <= 0xff:
		buf = append(buf, 0xd9, byte(n))
	case n <= 0xffff:
		buf = append(buf, 0xda, byte(n>>8), byte(n))
	default:
		buf = append(buf, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(buf, s...)
}

func mpEncodeDouble(buf []byte, d float64) []byte {
	f := float32(d)
	if float64(f) == d {
		buf = append(buf, 0xca)
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(f))
	}
	buf = append(buf, 0xcb)
	return binary.BigEndian.AppendUint64(buf, math.Float64bits(d))
}

func mpEncodeInt(buf []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(buf, byte(n))
		case n <= 0xff:
			return append(buf, 0xcc, byte(n))
		case n <= 0xffff:
			return append(buf, 0xcd, byte(n>>8), byte(n))
		case n <= 0xffffffff:
			return append(buf, 0xce, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		default:
			buf = append(buf, 0xcf)
			return binary.BigEndian.AppendUint64(buf, uint64(n))
		}
	}
	switch {
	case n >= -32:
		return append(buf, byte(int8(n)))
	case n >= -128:
		return append(buf, 0xd0, byte(n))
	case n >= -32768:
		return append(buf, 0xd1, byte(n>>8), byte(n))
	case n >= -2147483648:
		return append(buf, 0xd2, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		buf = append(buf, 0xd3)
		return binary.BigEndian.AppendUint64(buf, uint64(n))
	}
}

// Decoding errors of the cursor.
const (
	mpErrNone = iota
	mpErrEOF
	mpErrBadFmt
)

type mpCursor struct {
	L   *lua.LState
	b   string
	p   int
	err int
}

func (c *mpCursor) left() int { return len(c.b) - c.p }

func (c *mpCursor) need(n int) bool {
	if c.left() < n {
		c.err = mpErrEOF
		return false
	}
	return true
}

func (c *mpCursor) u8(i int) uint64 { return uint64(c.b[c.p+i]) }

func (c *mpCursor) be(i, n int) uint64 {
	var v uint64
	for k := 0; k < n; k++ {
		v = v<<8 | c.u8(i+k)
	}
	return v
}

// decode reads one value (nil on error, with c.err set).
func (c *mpCursor) decode() lua.LValue {
	if !c.need(1) {
		return lua.LNil
	}
	L := c.L
	tag := c.b[c.p]
	fixed := func(size int, f func() lua.LValue) lua.LValue {
		if !c.need(size) {
			return lua.LNil
		}
		v := f()
		c.p += size
		return v
	}
	str := func(hdr, l int) lua.LValue {
		if !c.need(hdr + l) {
			return lua.LNil
		}
		v := lua.LString(c.b[c.p+hdr : c.p+hdr+l])
		c.p += hdr + l
		return v
	}
	switch tag {
	case 0xcc:
		return fixed(2, func() lua.LValue { return lua.LNumber(c.u8(1)) })
	case 0xd0:
		return fixed(2, func() lua.LValue { return lua.LNumber(int8(c.u8(1))) })
	case 0xcd:
		return fixed(3, func() lua.LValue { return lua.LNumber(c.be(1, 2)) })
	case 0xd1:
		return fixed(3, func() lua.LValue { return lua.LNumber(int16(c.be(1, 2))) })
	case 0xce:
		return fixed(5, func() lua.LValue { return lua.LNumber(c.be(1, 4)) })
	case 0xd2:
		return fixed(5, func() lua.LValue { return lua.LNumber(int32(c.be(1, 4))) })
	case 0xcf:
		// Pushed as a signed 64-bit integer, as lua_pushinteger does.
		return fixed(9, func() lua.LValue { return lua.LNumber(float64(int64(c.be(1, 8)))) })
	case 0xd3:
		return fixed(9, func() lua.LValue { return lua.LNumber(float64(int64(c.be(1, 8)))) })
	case 0xc0:
		c.p++
		return lua.LNil
	case 0xc3:
		c.p++
		return lua.LTrue
	case 0xc2:
		c.p++
		return lua.LFalse
	case 0xca:
		return fixed(5, func() lua.LValue {
			return lua.LNumber(float64(math.Float32frombits(uint32(c.be(1, 4)))))
		})
	case 0xcb:
		return fixed(9, func() lua.LValue { return lua.LNumber(math.Float64frombits(c.be(1, 8))) })
	case 0xd9:
		if !c.need(2) {
			return lua.LNil
		}
		return str(2, int(c.u8(1)))
	case 0xda:
		if !c.need(3) {
			return lua.LNil
		}
		return str(3, int(c.be(1, 2)))
	case 0xdb:
		if !c.need(5) {
			return lua.LNil
		}
		l := int(c.be(1, 4))
		c.p += 5
		return str(0, l)
	case 0xdc, 0xde:
		if !c.need(3) {
			return lua.LNil
		}
		l := int(c.be(1, 2))
		c.p += 3
		if tag == 0xdc {
			return c.array(L, l)
		}
		return c.hash(L, l)
	case 0xdd, 0xdf:
		if !c.need(5) {
			return lua.LNil
		}
		l := int(c.be(1, 4))
		c.p += 5
		if tag == 0xdd {
			return c.array(L, l)
		}
		return c.hash(L, l)
	}
	switch {
	case tag&0x80 == 0:
		c.p++
		return lua.LNumber(tag)
	case tag&0xe0 == 0xe0:
		c.p++
		return lua.LNumber(int8(tag))
	case tag&0xe0 == 0xa0:
		return str(1, int(tag&0x1f))
	case tag&0xf0 == 0x90:
		c.p++
		return c.array(L, int(tag&0xf))
	case tag&0xf0 == 0x80:
		c.p++
		return c.hash(L, int(tag&0xf))
	}
	c.err = mpErrBadFmt
	return lua.LNil
}

func (c *mpCursor) array(L *lua.LState, n int) lua.LValue {
	t := L.CreateTable(min(n, 1024), 0)
	for i := 1; i <= n; i++ {
		v := c.decode()
		if c.err != mpErrNone {
			return t
		}
		L.SetTable(t, lua.LNumber(i), v)
	}
	return t
}

func (c *mpCursor) hash(L *lua.LState, n int) lua.LValue {
	t := L.CreateTable(0, min(n, 1024))
	for ; n > 0; n-- {
		k := c.decode()
		if c.err != mpErrNone {
			return t
		}
		v := c.decode()
		if c.err != mpErrNone {
			return t
		}
		L.SetTable(t, k, v)
	}
	return t
}

// mpUnpackFull decodes up to limit values from offset (both 0: decode
// everything and return just the values; otherwise the next offset, -1
// at the end, comes first).
func mpUnpackFull(L *lua.LState, limit, offset int64) int {
	s := checkStringArg(L, 1, "unpack")
	decodeAll := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		luaError(L, "Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(s)))
	} else if offset > int64(len(s)) {
		luaError(L, "Start offset %d greater than input length %d.", int32(offset), int32(len(s)))
	}
	if decodeAll {
		limit = math.MaxInt32
	}
	c := &mpCursor{L: L, b: s, p: int(offset)}
	base := L.GetTop()
	cnt := 0
	for ; c.left() > 0 && int64(cnt) < limit; cnt++ {
		v := c.decode()
		switch c.err {
		case mpErrEOF:
			luaError(L, "Missing bytes in input.")
		case mpErrBadFmt:
			luaError(L, "Bad data format in input.")
		}
		L.Push(v)
	}
	if !decodeAll {
		next := lua.LNumber(-1)
		if c.left() != 0 {
			next = lua.LNumber(c.p)
		}
		L.Insert(next, base+1)
		cnt++
	}
	return cnt
}
