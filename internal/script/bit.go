package script

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The bit library (LuaBitOp 1.0, as Redis ships it): 32-bit operations on
// Lua numbers, results as signed 32-bit integers.

// argError raises Lua's "bad argument #n to 'fname' (msg)".
func argError(L *lua.LState, n int, fname, msg string) {
	luaError(L, "bad argument #%d to '%s' (%s)", n, fname, msg)
}

// typeName is luaL_typename: "no value" for a missing argument.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// argTypeError raises luaL_typerror's "expected, got" message.
func argTypeError(L *lua.LState, n int, fname, expected string) {
	argError(L, n, fname, expected+" expected, got "+typeName(L, n))
}

// checkNumberArg is luaL_checknumber with Lua's error wording.
func checkNumberArg(L *lua.LState, n int, fname string) float64 {
	f, ok := toNumber(L.Get(n))
	if !ok {
		argTypeError(L, n, fname, "number")
	}
	return f
}

// optIntegerArg is luaL_optinteger.
func optIntegerArg(L *lua.LState, n int, fname string, def int64) int64 {
	if L.Get(n) == lua.LNil {
		return def
	}
	return int64(checkNumberArg(L, n, fname))
}

// bitArg converts argument n as LuaBitOp does: the number is rounded by
// adding 2^52+2^51 and the low 32 bits of the double are taken, so values
// wrap modulo 2^32.
func bitArg(L *lua.LState, n int, fname string) uint32 {
	f, ok := toNumber(L.Get(n))
	b := uint32(math.Float64bits(f + 6755399441055744.0))
	if b == 0 && !ok {
		argTypeError(L, n, fname, "number")
	}
	return b
}

func bitRet(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(float64(int32(b))))
	return 1
}

func openBit(L *lua.LState) *lua.LTable {
	t := L.CreateTable(0, 12)
	set := func(name string, fn lua.LGFunction) { t.RawSetString(name, L.NewFunction(fn)) }
	set("tobit", func(L *lua.LState) int { return bitRet(L, bitArg(L, 1, "tobit")) })
	set("bnot", func(L *lua.LState) int { return bitRet(L, ^bitArg(L, 1, "bnot")) })
	fold := func(name string, op func(a, b uint32) uint32) {
		set(name, func(L *lua.LState) int {
			b := bitArg(L, 1, name)
			for i := L.GetTop(); i > 1; i-- {
				b = op(b, bitArg(L, i, name))
			}
			return bitRet(L, b)
		})
	}
	fold("band", func(a, b uint32) uint32 { return a & b })
	fold("bor", func(a, b uint32) uint32 { return a | b })
	fold("bxor", func(a, b uint32) uint32 { return a ^ b })
	shift := func(name string, op func(b, n uint32) uint32) {
		set(name, func(L *lua.LState) int {
			b := bitArg(L, 1, name)
			n := bitArg(L, 2, name) & 31
			return bitRet(L, op(b, n))
		})
	}
	shift("lshift", func(b, n uint32) uint32 { return b << n })
	shift("rshift", func(b, n uint32) uint32 { return b >> n })
	shift("arshift", func(b, n uint32) uint32 { return uint32(int32(b) >> n) })
	shift("rol", func(b, n uint32) uint32 { return b<<n | b>>((32-n)&31) })
	shift("ror", func(b, n uint32) uint32 { return b<<((32-n)&31) | b>>n })
	set("bswap", func(L *lua.LState) int {
		b := bitArg(L, 1, "bswap")
		return bitRet(L, b>>24|(b>>8)&0xff00|(b&0xff00)<<8|b<<24)
	})
	set("tohex", func(L *lua.LState) int {
		b := bitArg(L, 1, "tohex")
		n := int32(8)
		if L.GetTop() >= 2 {
			n = int32(bitArg(L, 2, "tohex"))
		}
		digits := "0123456789abcdef"
		if n < 0 {
			n = -n
			digits = "0123456789ABCDEF"
		}
		if n > 8 {
			n = 8
		}
		buf := make([]byte, n)
		for i := int(n) - 1; i >= 0; i-- {
			buf[i] = digits[b&15]
			b >>= 4
		}
		L.Push(lua.LString(buf))
		return 1
	})
	return t
}
