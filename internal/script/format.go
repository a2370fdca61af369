package script

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// luaError raises an error the way luaL_error does: prefixed with the
// position of the function at level 1 when it is a Lua function (so an
// error raised in a library function called by pcall has no position).
func luaError(L *lua.LState, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	L.Error(lua.LString(where(L, 1)+msg), 0)
}

// where is luaL_where: "source:line: " of the function at level, or ""
// when that is not a Lua function.
func where(L *lua.LState, level int) string {
	dbg, ok := L.GetStack(level)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.What == "G" || dbg.CurrentLine < 0 {
		return ""
	}
	return dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": "
}

// strFormat is Lua 5.1's string.format: C printf conversions (d i o u x X
// c e E f g G s q %), flags "-+ #0", width and precision of at most two
// digits.
func strFormat(L *lua.LState) int {
	f := checkStringArg(L, 1, "format")
	arg := 1
	var out []byte
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			out = append(out, '%')
			continue
		}
		// Scan the specification.
		start := i
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		if i-start > 5 {
			luaError(L, "invalid format (repeated flags)")
		}
		digits := 0
		for i < len(f) && isDigit(f[i]) {
			i++
			digits++
		}
		if i < len(f) && f[i] == '.' {
			i++
			d2 := 0
			for i < len(f) && isDigit(f[i]) {
				i++
				d2++
			}
			if d2 > 2 {
				digits = 3
			}
		}
		if digits > 2 {
			luaError(L, "invalid format (width or precision too long)")
		}
		if i >= len(f) {
			luaError(L, "invalid option '%%' to 'format'")
		}
		spec := "%" + f[start:i]
		conv := f[i]
		arg++
		if arg > L.GetTop() && conv != '%' {
			argError(L, arg, "format", "no value")
		}
		switch conv {
		case 'c':
			b := byte(int64(checkNumberArg(L, arg, "format")))
			out = appendPadded(out, spec, []byte{b}, false)
		case 'd', 'i':
			n := int64(checkNumberArg(L, arg, "format"))
			out = append(out, fmt.Sprintf(goSpec(spec, 'd'), n)...)
		case 'o', 'u', 'x', 'X':
			n := checkNumberArg(L, arg, "format")
			u := uint64(int64(n))
			if n >= 0 {
				u = uint64(n)
			}
			verb := conv
			if conv == 'u' {
				verb = 'd'
			}
			out = append(out, fmt.Sprintf(goSpec(spec, verb), u)...)
		case 'e', 'E', 'f', 'g', 'G':
			n := checkNumberArg(L, arg, "format")
			out = append(out, cFloat(spec, conv, n)...)
		case 'q':
			out = appendQuoted(out, checkStringArg(L, arg, "format"))
		case 's':
			s := checkStringArg(L, arg, "format")
			if !strings.Contains(spec, ".") && len(s) >= 100 {
				out = append(out, s...)
			} else {
				out = appendPadded(out, spec, []byte(s), true)
			}
		default:
			luaError(L, "invalid option '%%%c' to 'format'", conv)
		}
	}
	L.Push(lua.LString(out))
	return 1
}

// goSpec turns a C specification (without its conversion) into Go's: the
// flags and numbers mean the same for these verbs.
func goSpec(spec string, verb byte) string { return spec + string(verb) }

// appendPadded applies a C %s/%c specification's width ("-" to pad on
// the right) and, for strings, precision, counting bytes as C does.
func appendPadded(out []byte, spec string, b []byte, usePrec bool) []byte {
	body := spec[1:]
	left := strings.Contains(body, "-")
	body = strings.TrimLeft(body, "-+ #0")
	width, prec := 0, -1
	if j := strings.IndexByte(body, '.'); j >= 0 {
		prec, _ = strconv.Atoi(body[j+1:])
		body = body[:j]
	}
	width, _ = strconv.Atoi(body)
	if usePrec && prec >= 0 && prec < len(b) {
		b = b[:prec]
	}
	pad := width - len(b)
	if !left {
		for ; pad > 0; pad-- {
			out = append(out, ' ')
		}
	}
	out = append(out, b...)
	for ; pad > 0; pad-- {
		out = append(out, ' ')
	}
	return out
}

// cFloat formats a float conversion as C does (inf/nan spelled C's way,
// and %g with its default precision of 6).
func cFloat(spec string, conv byte, n float64) string {
	if math.IsInf(n, 0) || math.IsNaN(n) {
		s := "inf"
		if math.IsNaN(n) {
			s = "nan"
			if math.Signbit(n) {
				s = "-nan"
			}
		} else if n < 0 {
			s = "-inf"
		} else if strings.Contains(spec, "+") {
			s = "+inf"
		}
		if conv == 'E' || conv == 'G' {
			s = strings.ToUpper(s)
		}
		w := strings.TrimLeft(spec[1:], "-+ #0")
		if j := strings.IndexByte(w, '.'); j >= 0 {
			w = w[:j]
		}
		width, _ := strconv.Atoi(w)
		for len(s) < width {
			if strings.Contains(spec, "-") {
				s += " "
			} else {
				s = " " + s
			}
		}
		return s
	}
	if !strings.Contains(spec, ".") {
		spec += ".6"
	}
	return fmt.Sprintf(spec+string(conv), n)
}

// appendQuoted is %q: a Lua string literal that reads back the same.
func appendQuoted(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\n':
			out = append(out, '\\', '\n')
		case '\r':
			out = append(out, '\\', 'r')
		case 0:
			out = append(out, '\\', '0', '0', '0')
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}
