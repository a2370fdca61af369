package script

import (
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/resp"
	lua "github.com/yuin/gopher-lua"
)

// maxReplyDepth bounds the nesting of a script's return value, as Lua's
// C stack limit bounds Redis's recursive conversion: a table that
// contains itself ends in "reached lua stack limit".
const maxReplyDepth = luaMaxCStack - 10

// parseReply converts the RESP reply at b[i:] into a Lua value with
// Redis's rules and returns the index after it. Replies come from the
// server's own writer, so the input is trusted to be well formed.
//
//	integer -> number            bulk -> string          null bulk/array -> false
//	status  -> {ok=s}            error -> {err=s}        array -> table (1..n)
//	RESP3: null -> nil, boolean -> boolean, double -> {double=n},
//	map -> {map={k=v}}, set -> {set={m=true}}, big number -> {big_number=s},
//	verbatim -> {verbatim_string={format=f, string=s}}; attributes are skipped.
func (v *vm) parseReply(b []byte, i int) (lua.LValue, int) {
	if i >= len(b) {
		return lua.LNil, i
	}
	L := v.L
	typ := b[i]
	line, next := replyLine(b, i+1)
	switch typ {
	case ':':
		n, _ := strconv.ParseInt(line, 10, 64)
		return lua.LNumber(float64(n)), next
	case '$':
		n, _ := strconv.Atoi(line)
		if n < 0 {
			return lua.LFalse, next
		}
		return lua.LString(b[next : next+n]), next + n + 2
	case '+':
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(line))
		return t, next
	case '-':
		t := v.errorTable(errorText("-"+line), true)
		return t, next
	case '*', '~', '%', '|', '>':
		n, _ := strconv.Atoi(line)
		if n < 0 {
			return lua.LFalse, next
		}
		switch typ {
		case '*', '>':
			t := L.CreateTable(n, 0)
			for j := 1; j <= n; j++ {
				var val lua.LValue
				val, next = v.parseReply(b, next)
				t.RawSetInt(j, val)
			}
			return t, next
		case '~':
			set := L.CreateTable(0, n)
			for j := 0; j < n; j++ {
				var val lua.LValue
				val, next = v.parseReply(b, next)
				if val != lua.LNil {
					set.RawSet(val, lua.LTrue)
				}
			}
			t := L.CreateTable(0, 1)
			t.RawSetString("set", set)
			return t, next
		case '%':
			m := L.CreateTable(0, n)
			for j := 0; j < n; j++ {
				var key, val lua.LValue
				key, next = v.parseReply(b, next)
				val, next = v.parseReply(b, next)
				if key != lua.LNil {
					m.RawSet(key, val)
				}
			}
			t := L.CreateTable(0, 1)
			t.RawSetString("map", m)
			return t, next
		default: // attribute: skipped, the reply follows it
			for j := 0; j < 2*n; j++ {
				_, next = v.parseReply(b, next)
			}
			return v.parseReply(b, next)
		}
	case '_':
		return lua.LNil, next
	case '#':
		return lua.LBool(line == "t"), next
	case ',':
		f, _ := parseDouble(line)
		t := L.CreateTable(0, 1)
		t.RawSetString("double", lua.LNumber(f))
		return t, next
	case '(':
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", lua.LString(line))
		return t, next
	case '=':
		n, _ := strconv.Atoi(line)
		body := string(b[next : next+n])
		next += n + 2
		inner := L.CreateTable(0, 2)
		format, str := body, ""
		if len(body) >= 4 {
			format, str = body[:3], body[4:]
		}
		inner.RawSetString("string", lua.LString(str))
		inner.RawSetString("format", lua.LString(format))
		t := L.CreateTable(0, 1)
		t.RawSetString("verbatim_string", inner)
		return t, next
	}
	return lua.LNil, next
}

// replyLine returns the line starting at b[i] (without CRLF) and the
// index after its CRLF.
func replyLine(b []byte, i int) (string, int) {
	for j := i; j+1 < len(b); j++ {
		if b[j] == '\r' && b[j+1] == '\n' {
			return string(b[i:j]), j + 2
		}
	}
	return string(b[i:]), len(b)
}

// parseDouble reads a RESP3 double ("inf", "-inf", "nan" included).
func parseDouble(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// writeReply converts a script's return value into a reply, as Redis's
// luaReplyToRedisReply: strings are bulk strings, numbers integers
// (truncated), true is 1 (or a RESP3 boolean when the script speaks
// RESP3), false and nil are nulls, and tables are {err=}, {ok=},
// {double=}, {big_number=}, {verbatim_string=}, {map=}, {set=} or arrays
// that stop at the first nil.
func (v *vm) writeReply(w *resp.Writer, host Host, val lua.LValue, scriptProto int, depth int) {
	if depth > maxReplyDepth {
		msg := "ERR reached lua stack limit"
		w.Error(msg)
		host.ErrorReply(msg, true)
		return
	}
	switch x := val.(type) {
	case lua.LString:
		w.BulkString(string(x))
	case lua.LBool:
		switch {
		case scriptProto == 3:
			w.Bool(bool(x))
		case bool(x):
			w.Int(1)
		default:
			w.Null()
		}
	case lua.LNumber:
		w.Int(int64(float64(x)))
	case *lua.LTable:
		v.writeTable(w, host, x, scriptProto, depth)
	default:
		w.Null()
	}
}

func (v *vm) writeTable(w *resp.Writer, host Host, t *lua.LTable, scriptProto, depth int) {
	if s, ok := t.RawGetString("err").(lua.LString); ok {
		msg := string(s)
		w.Error(msg)
		ignore := t.RawGetString("ignore_error_stats_update") == lua.LTrue
		host.ErrorReply(msg, !ignore)
		return
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		w.Simple(noNewlines(string(s)))
		return
	}
	if n, ok := t.RawGetString("double").(lua.LNumber); ok {
		w.Double(float64(n))
		return
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		w.BigNumber(noNewlines(string(s)))
		return
	}
	if vs, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		format, okf := vs.RawGetString("format").(lua.LString)
		str, oks := vs.RawGetString("string").(lua.LString)
		if okf && oks {
			w.Verbatim(string(format), string(str))
			return
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		n := 0
		for k, _ := m.Next(lua.LNil); k != lua.LNil; k, _ = m.Next(k) {
			n++
		}
		w.Map(n)
		for k, val := m.Next(lua.LNil); k != lua.LNil; k, val = m.Next(k) {
			v.writeReply(w, host, k, scriptProto, depth+1)
			v.writeReply(w, host, val, scriptProto, depth+1)
		}
		return
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		n := 0
		for k, _ := s.Next(lua.LNil); k != lua.LNil; k, _ = s.Next(k) {
			n++
		}
		w.Set(n)
		for k, _ := s.Next(lua.LNil); k != lua.LNil; k, _ = s.Next(k) {
			v.writeReply(w, host, k, scriptProto, depth+1)
		}
		return
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	w.Array(n)
	for j := 1; j <= n; j++ {
		v.writeReply(w, host, t.RawGetInt(j), scriptProto, depth+1)
	}
}

// noNewlines replaces CR and LF by spaces, as Redis does for status and
// big number replies built from script values.
func noNewlines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}
