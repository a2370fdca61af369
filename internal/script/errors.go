package script

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Error is an error whose text is shown to clients as Redis words it (the
// server adds the "ERR " code where Redis does).
type Error string

// Error returns the message.
func (e Error) Error() string { return string(e) }

// newErr wraps a client-facing message. (Redis's messages are capitalized
// and punctuated; they are interface text, not Go error prose.)
func newErr(msg string) error { return Error(msg) }

// handleError is the message handler of every script run (Redis's
// __redis__err__handler): it turns what the script raised into an error
// table {err=..., source=..., line=...}, the location being the Lua
// function that raised it (the caller, when a Go function raised it).
func (v *vm) handleError(L *lua.LState) int {
	obj := L.Get(1)
	level := 1
	dbg, ok := L.GetStack(level)
	var source string
	line := -1
	if ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What == "G" {
			level = 2
			dbg, ok = L.GetStack(level)
			if ok {
				_, err = L.GetInfo("Sl", dbg, lua.LNil)
				ok = err == nil
			}
		}
		if ok && dbg.What != "G" && dbg.Source != "" && dbg.CurrentLine >= 0 {
			source, line = "@"+dbg.Source, dbg.CurrentLine
		}
	}
	var t *lua.LTable
	switch x := obj.(type) {
	case *lua.LTable:
		t = x
	default:
		msg := "nil"
		switch s := obj.(type) {
		case lua.LString:
			msg = fixArgErrorName(string(s))
			if v.aborted == "" && level == 1 && ok {
				msg = v.translateRuntimeError(L, dbg, msg)
			}
		case lua.LNumber:
			msg = formatNumber(float64(s))
		case *lua.LNilType:
		default:
			msg = obj.String()
		}
		if v.aborted != "" {
			t = v.errorTable(v.aborted, false)
		} else {
			t = v.errorTable("ERR "+msg, false)
		}
	}
	if source != "" && !v.readonly(t) {
		t.RawSetString("source", lua.LString(source))
		t.RawSetString("line", lua.LNumber(line))
	}
	L.Push(t)
	return 1
}

// reArgError matches gopher-lua's argument errors, which leave the
// function name unquoted.
var reArgError = regexp.MustCompile(`bad argument #(-?\d+) to ([^' (][^ (]*) \(`)

// fixArgErrorName quotes the function name of an argument error as Lua
// does ("bad argument #1 to 'floor' (...)").
func fixArgErrorName(msg string) string {
	if !strings.Contains(msg, "bad argument #") {
		return msg
	}
	return reArgError.ReplaceAllString(msg, "bad argument #$1 to '$2' (")
}

// handleLoadError is the message handler of a library's load run: it
// only rewrites VM messages in Lua's wording (FUNCTION LOAD reports the
// raw error, without a location suffix).
func (v *vm) handleLoadError(L *lua.LState) int {
	obj := L.Get(1)
	if s, ok := obj.(lua.LString); ok && v.aborted == "" {
		msg := fixArgErrorName(string(s))
		if dbg, ok := L.GetStack(1); ok {
			if _, err := L.GetInfo("S", dbg, lua.LNil); err == nil && dbg.What != "G" {
				msg = v.translateRuntimeError(L, dbg, msg)
			}
		}
		obj = lua.LString(msg)
	}
	L.Push(obj)
	return 1
}

// failureText is the reply of a script that raised obj (the table the
// handler made): "<err> script: <name>, on <source>:<line>.".
func failureText(obj lua.LValue, name string) (msg string, ignoreStats bool) {
	t, ok := obj.(*lua.LTable)
	if !ok {
		return "ERR Error running script " + name + ", " + trunc100(obj.String()), false
	}
	if s, ok := t.RawGetString("err").(lua.LString); ok {
		msg = string(s)
	} else {
		msg = "ERR " + luaToString(t.RawGetString("err"))
	}
	src, okS := t.RawGetString("source").(lua.LString)
	lineV := t.RawGetString("line")
	if _, isNum := lineV.(lua.LNumber); okS && (isNum || lineV.Type() == lua.LTString) {
		msg += " script: " + name + ", on " + string(src) + ":" + luaToString(lineV) + "."
	}
	return msg, t.RawGetString("ignore_error_stats_update") == lua.LTrue
}

func trunc100(s string) string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}

// Runtime error messages of gopher-lua, rewritten into Lua 5.1's wording
// (Redis users and its test suite match on it).
var (
	reIndex  = regexp.MustCompile(`^attempt to index a non-table object\((\w+)\) with key '.*'$`)
	reArith  = regexp.MustCompile(`^cannot perform (\w+) operation between (\w+) and (\w+)$`)
	reConcat = regexp.MustCompile(`^cannot perform concat operation between (\w+) and (\w+)$`)
	reCmp    = regexp.MustCompile(`^attempt to compare (\w+) with (\w+)$`)
)

// translateRuntimeError rewrites a VM error raised in the Lua frame dbg
// ("user_script:3: attempt to call a non-function object") the way Lua
// 5.1 words it ("user_script:3: attempt to call field 'foo' (a nil
// value)"), naming the variable involved when the bytecode tells it.
func (v *vm) translateRuntimeError(L *lua.LState, dbg *lua.Debug, msg string) string {
	prefix, body := splitPosition(msg)
	fn, pc := frameCode(L, dbg)
	if fn == nil || pc < 0 || pc >= len(fn.Proto.Code) {
		return msg
	}
	inst := fn.Proto.Code[pc]
	op, a, b, c := int(inst>>26), int(inst>>18)&0xff, int(inst&0x1ff), int(inst>>9)&0x1ff
	typeOf := func(reg int) string { return regValue(L, dbg, reg).Type().String() }
	rkType := func(rk int) string {
		if rk&rkBit != 0 {
			if k := rk &^ rkBit; k < len(fn.Proto.Constants) {
				return fn.Proto.Constants[k].Type().String()
			}
		}
		return typeOf(rk)
	}
	var out string
	switch {
	case body == "attempt to call a non-function object":
		if op != lua.OP_CALL && op != lua.OP_TAILCALL && op != lua.OP_TFORLOOP {
			return msg
		}
		out = typeError("call", describe(fn, pc, a), typeOf(a))
	case reIndex.MatchString(body):
		var reg int
		switch op {
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF:
			reg = b
		case lua.OP_SETTABLE, lua.OP_SETTABLEKS:
			reg = a
		default:
			return msg
		}
		out = typeError("index", describe(fn, pc, reg), reIndex.FindStringSubmatch(body)[1])
	case reConcat.MatchString(body):
		if op != lua.OP_CONCAT {
			return msg
		}
		// Lua concatenates right to left and blames the left operand of
		// the failing pair unless it is a string or a number.
		reg := c
		for r := c; r >= b; r-- {
			if !stringy(regValue(L, dbg, r)) {
				reg = r
				break
			}
		}
		if reg == c && c > b && !stringy(regValue(L, dbg, c-1)) {
			reg = c - 1
		}
		out = typeError("concatenate", describe(fn, pc, reg), typeOf(reg))
	case reArith.MatchString(body), body == "__unm undefined":
		switch op {
		case lua.OP_ADD, lua.OP_SUB, lua.OP_MUL, lua.OP_DIV, lua.OP_MOD, lua.OP_POW:
			// Lua blames the first operand that is not a number.
			bad := b
			if _, isNum := toNumber(rkValue(L, dbg, fn, b)); isNum {
				bad = c
			}
			if bad&rkBit != 0 {
				out = typeError("perform arithmetic on", "", rkType(bad))
			} else {
				out = typeError("perform arithmetic on", describe(fn, pc, bad), typeOf(bad))
			}
		case lua.OP_UNM:
			out = typeError("perform arithmetic on", describe(fn, pc, b), typeOf(b))
		default:
			return msg
		}
	case body == "__len undefined":
		if op != lua.OP_LEN {
			return msg
		}
		out = typeError("get length of", describe(fn, pc, b), typeOf(b))
	case reCmp.MatchString(body):
		m := reCmp.FindStringSubmatch(body)
		if m[1] == m[2] {
			out = "attempt to compare two " + m[1] + " values"
		} else {
			out = "attempt to compare " + m[1] + " with " + m[2]
		}
	case body == "for statement init must be a number":
		out = "'for' initial value must be a number"
	case body == "for statement limit must be a number":
		out = "'for' limit must be a number"
	case body == "for statement step must be a number":
		out = "'for' step must be a number"
	default:
		return msg
	}
	return prefix + out
}

// typeError words Lua's luaG_typeerror: "attempt to call local 'f' (a
// nil value)", or "attempt to call a nil value" without a name.
func typeError(op, desc, typeName string) string {
	if desc == "" {
		return "attempt to " + op + " a " + typeName + " value"
	}
	return "attempt to " + op + " " + desc + "(a " + typeName + " value)"
}

// rkBit marks a constant operand (gopher-lua keeps Lua 5.1's encoding).
const rkBit = 1 << 8

func stringy(v lua.LValue) bool {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return true
	}
	return false
}

// splitPosition separates "source:line: " from a message.
func splitPosition(msg string) (prefix, body string) {
	i := strings.Index(msg, ": ")
	if i < 0 {
		return "", msg
	}
	head := msg[:i]
	j := strings.LastIndexByte(head, ':')
	if j < 0 {
		return "", msg
	}
	if _, err := strconv.Atoi(head[j+1:]); err != nil {
		return "", msg
	}
	return msg[:i+2], msg[i+2:]
}

// frameCode returns the Lua function of frame dbg and the index of the
// instruction it is executing. gopher-lua keeps the program counter in an
// unexported field of its call frame; it is read (never written) by
// reflection, pinned to gopher-lua v1.1.2 and covered by tests.
func frameCode(L *lua.LState, dbg *lua.Debug) (*lua.LFunction, int) {
	fv, err := L.GetInfo("f", dbg, lua.LNil)
	if err != nil {
		return nil, -1
	}
	L.Pop(1)
	fn, ok := fv.(*lua.LFunction)
	if !ok || fn.IsG {
		return nil, -1
	}
	frame := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if !frame.IsValid() || frame.Kind() != reflect.Pointer || frame.IsNil() {
		return nil, -1
	}
	pc := frame.Elem().FieldByName("Pc")
	if !pc.IsValid() || pc.Kind() != reflect.Int {
		return nil, -1
	}
	return fn, int(pc.Int()) - 1
}

// regValue reads register reg of the frame.
func regValue(L *lua.LState, dbg *lua.Debug, reg int) lua.LValue {
	_, val := L.GetLocal(dbg, reg+1)
	if val == nil {
		return lua.LNil
	}
	return val
}

// rkValue reads an RK operand: a constant or a register.
func rkValue(L *lua.LState, dbg *lua.Debug, fn *lua.LFunction, rk int) lua.LValue {
	if rk&rkBit != 0 {
		if k := rk &^ rkBit; k < len(fn.Proto.Constants) {
			return fn.Proto.Constants[k]
		}
		return lua.LNil
	}
	return regValue(L, dbg, rk)
}

// describe names register reg at instruction pc as Lua's getobjname does
// ("local 'x' ", "global 'x' ", "field 'x' ", "method 'x' ", "upvalue
// 'x' "), or returns "" when it cannot tell.
func describe(fn *lua.LFunction, pc, reg int) string {
	kind, name := objName(fn, pc, reg, 0)
	if kind == "" {
		return ""
	}
	return kind + " '" + name + "' "
}

func objName(fn *lua.LFunction, pc, reg, depth int) (kind, name string) {
	if depth > 8 {
		return "", ""
	}
	if n, ok := localName(fn.Proto, reg+1, pc); ok {
		return "local", n
	}
	p := fn.Proto
	// The last instruction before pc that wrote reg.
	for i := pc - 1; i >= 0; i-- {
		inst := p.Code[i]
		op, a, b, c := int(inst>>26), int(inst>>18)&0xff, int(inst&0x1ff), int(inst>>9)&0x1ff
		switch op {
		case lua.OP_JMP, lua.OP_SETGLOBAL, lua.OP_SETUPVAL, lua.OP_SETTABLE, lua.OP_SETTABLEKS,
			lua.OP_EQ, lua.OP_LT, lua.OP_LE, lua.OP_TEST, lua.OP_RETURN, lua.OP_CLOSE, lua.OP_NOP, lua.OP_SETLIST:
			continue
		case lua.OP_LOADNIL:
			if a <= reg && reg <= b {
				return "", ""
			}
			continue
		case lua.OP_CALL, lua.OP_TAILCALL:
			if reg >= a {
				return "", ""
			}
			continue
		case lua.OP_TFORLOOP:
			if reg >= a+2 {
				return "", ""
			}
			continue
		case lua.OP_SELF:
			if reg == a {
				return "method", constName(p, c)
			}
			if reg == a+1 {
				return "", ""
			}
			continue
		case lua.OP_MOVEN:
			if reg == a {
				if b < a {
					return objName(fn, i, b, depth+1)
				}
				return "", ""
			}
			// MOVEN is followed by C MOVE operations encoded inline.
			continue
		}
		if a != reg {
			continue
		}
		switch op {
		case lua.OP_GETGLOBAL:
			if bx := int(inst & 0x3ffff); bx < len(p.Constants) {
				if s, ok := p.Constants[bx].(lua.LString); ok {
					return "global", string(s)
				}
			}
			return "", ""
		case lua.OP_MOVE:
			if b < a {
				return objName(fn, i, b, depth+1)
			}
			return "", ""
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS:
			return "field", constName(p, c)
		case lua.OP_GETUPVAL:
			if b < len(p.DbgUpvalues) {
				return "upvalue", p.DbgUpvalues[b]
			}
			return "upvalue", "?"
		default:
			return "", ""
		}
	}
	return "", ""
}

// localName is luaF_getlocalname: the name of the regno-th (1-based)
// active local variable at instruction pc.
func localName(p *lua.FunctionProto, regno, pc int) (string, bool) {
	for _, l := range p.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc < l.EndPc {
			regno--
			if regno == 0 {
				return l.Name, true
			}
		}
	}
	return "", false
}

// constName is Lua's kname: the constant string an RK operand names, or "?".
func constName(p *lua.FunctionProto, rk int) string {
	if rk&rkBit != 0 {
		if k := rk &^ rkBit; k < len(p.Constants) {
			if s, ok := p.Constants[k].(lua.LString); ok {
				return string(s)
			}
		}
	}
	return "?"
}

// compileErrorText rewrites a gopher-lua syntax error
// ("user_script line:1(column:9) near 'x':   syntax error") in Lua 5.1's
// form ("user_script:1: unexpected symbol near 'x'").
func compileErrorText(err error, src string) string {
	msg := err.Error()
	if aerr, ok := err.(*lua.ApiError); ok {
		if aerr.Cause != nil {
			msg = aerr.Cause.Error()
		} else {
			msg = aerr.Object.String()
		}
	}
	msg = strings.TrimRight(msg, "\n")
	if m := reSyntax.FindStringSubmatch(msg); m != nil {
		name, line, near, what := m[1], m[2], m[3], strings.TrimSpace(m[4])
		if near == "EOF" {
			near = "<eof>"
		}
		return name + ":" + line + ": " + syntaxWording(what) + " near '" + near + "'"
	}
	if m := reCompile.FindStringSubmatch(msg); m != nil {
		return m[2] + ":" + m[1] + ": " + m[3]
	}
	if m := reSyntaxEOF.FindStringSubmatch(msg); m != nil {
		name, what := m[1], strings.TrimSpace(m[2])
		line := strconv.Itoa(strings.Count(src, "\n") + 1)
		return name + ":" + line + ": " + syntaxWording(what) + " near '<eof>'"
	}
	return msg
}

var (
	reSyntax    = regexp.MustCompile(`^(.*) line:(\d+)\(column:\d+\) near '(.*)':\s+(.*)$`)
	reSyntaxEOF = regexp.MustCompile(`^(.*) at EOF:\s+(.*)$`)
	reCompile   = regexp.MustCompile(`^compile error near line\((\d+)\) (\S+): (.*)$`)
)

func syntaxWording(what string) string {
	switch what {
	case "syntax error":
		return "unexpected symbol"
	case "parse error":
		// gopher-lua's only "parse error": an expression used as a
		// statement without being a call, where Lua expects '='.
		return "'=' expected"
	case "unterminated string":
		return "unfinished string"
	case "unterminated multiline string":
		return "unfinished long string"
	}
	return what
}
