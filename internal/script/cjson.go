package script

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library (Lua CJSON 2.1.0, as Redis ships it): JSON encoding
// and strict decoding, with its configuration functions. Encoded numbers
// use "%.14g" (encode_number_precision); JSON null decodes to cjson.null.

// cjsonConfig is one cjson module's settings (cjson.new makes another).
type cjsonConfig struct {
	sparseConvert  bool
	sparseRatio    int
	sparseSafe     int
	encodeMaxDepth int
	decodeMaxDepth int
	encodeInvalid  int // 0 off, 1 on, 2 "null"
	decodeInvalid  bool
	keepBuffer     bool
	precision      int
	null           *lua.LUserData
}

func newCjsonConfig(null *lua.LUserData) *cjsonConfig {
	return &cjsonConfig{sparseRatio: 2, sparseSafe: 10, encodeMaxDepth: 1000, decodeMaxDepth: 1000,
		decodeInvalid: true, keepBuffer: true, precision: 14, null: null}
}

func openCjson(L *lua.LState) *lua.LTable {
	return newCjsonModule(L, L.NewUserData())
}

func newCjsonModule(L *lua.LState, null *lua.LUserData) *lua.LTable {
	cfg := newCjsonConfig(null)
	t := L.CreateTable(0, 14)
	set := func(name string, fn lua.LGFunction) { t.RawSetString(name, L.NewFunction(fn)) }
	set("encode", cfg.encode)
	set("decode", cfg.decode)
	set("encode_sparse_array", cfg.cfgSparse)
	set("encode_max_depth", func(L *lua.LState) int {
		cfg.argInit(L, 1, "encode_max_depth")
		return intOption(L, 1, "encode_max_depth", &cfg.encodeMaxDepth, 1, math.MaxInt32)
	})
	set("decode_max_depth", func(L *lua.LState) int {
		cfg.argInit(L, 1, "decode_max_depth")
		return intOption(L, 1, "decode_max_depth", &cfg.decodeMaxDepth, 1, math.MaxInt32)
	})
	set("encode_number_precision", func(L *lua.LState) int {
		cfg.argInit(L, 1, "encode_number_precision")
		return intOption(L, 1, "encode_number_precision", &cfg.precision, 1, 14)
	})
	set("encode_keep_buffer", func(L *lua.LState) int {
		cfg.argInit(L, 1, "encode_keep_buffer")
		return boolOption(L, 1, "encode_keep_buffer", &cfg.keepBuffer)
	})
	set("encode_invalid_numbers", func(L *lua.LState) int {
		cfg.argInit(L, 1, "encode_invalid_numbers")
		return enumOption(L, 1, "encode_invalid_numbers", &cfg.encodeInvalid, []string{"off", "on", "null"})
	})
	set("decode_invalid_numbers", func(L *lua.LState) int {
		cfg.argInit(L, 1, "decode_invalid_numbers")
		return boolOption(L, 1, "decode_invalid_numbers", &cfg.decodeInvalid)
	})
	set("new", func(L *lua.LState) int {
		L.Push(newCjsonModule(L, null))
		return 1
	})
	t.RawSetString("null", null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

// argInit checks the argument count of a configuration function and pads
// with nils.
func (c *cjsonConfig) argInit(L *lua.LState, n int, fname string) {
	if L.GetTop() > n {
		argError(L, n+1, fname, "found too many arguments")
	}
	for L.GetTop() < n {
		L.Push(lua.LNil)
	}
}

func intOption(L *lua.LState, idx int, fname string, setting *int, lo, hi int) int {
	if L.Get(idx) != lua.LNil {
		v := int(int64(checkNumberArg(L, idx, fname)))
		if v < lo || v > hi {
			argError(L, 1, fname, "expected integer between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi))
		}
		*setting = v
	}
	L.Push(lua.LNumber(*setting))
	return 1
}

// enumOption is json_enum_option with boolean true meaning option 1.
func enumOption(L *lua.LState, idx int, fname string, setting *int, options []string) int {
	switch v := L.Get(idx).(type) {
	case *lua.LNilType:
	case lua.LBool:
		if v {
			*setting = 1
		} else {
			*setting = 0
		}
	default:
		s, ok := v.(lua.LString)
		if !ok {
			argTypeError(L, idx, fname, "string")
		}
		found := false
		for i, o := range options {
			if o == string(s) {
				*setting, found = i, true
			}
		}
		if !found {
			argError(L, idx, fname, "invalid option '"+string(s)+"'")
		}
	}
	if *setting <= 1 {
		L.Push(lua.LBool(*setting == 1))
	} else {
		L.Push(lua.LString(options[*setting]))
	}
	return 1
}

func boolOption(L *lua.LState, idx int, fname string, setting *bool) int {
	n := 0
	if *setting {
		n = 1
	}
	enumOption(L, idx, fname, &n, []string{"off", "on"})
	*setting = n == 1
	return 1
}

func (c *cjsonConfig) cfgSparse(L *lua.LState) int {
	c.argInit(L, 3, "encode_sparse_array")
	boolOption(L, 1, "encode_sparse_array", &c.sparseConvert)
	intOption(L, 2, "encode_sparse_array", &c.sparseRatio, 0, math.MaxInt32)
	intOption(L, 3, "encode_sparse_array", &c.sparseSafe, 0, math.MaxInt32)
	return 3
}

// --- encoding ---

func (c *cjsonConfig) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "encode", "expected 1 argument")
	}
	buf := c.appendValue(L, nil, L.Get(1), 0)
	L.Push(lua.LString(buf))
	return 1
}

func (c *cjsonConfig) fail(L *lua.LState, val lua.LValue, reason string) {
	luaError(L, "Cannot serialise %s: %s", val.Type().String(), reason)
}

func (c *cjsonConfig) appendValue(L *lua.LState, buf []byte, val lua.LValue, depth int) []byte {
	switch x := val.(type) {
	case lua.LString:
		return appendJSONString(buf, string(x))
	case lua.LNumber:
		return c.appendNumber(L, buf, float64(x), val)
	case lua.LBool:
		if x {
			return append(buf, "true"...)
		}
		return append(buf, "false"...)
	case *lua.LNilType:
		return append(buf, "null"...)
	case *lua.LUserData:
		if x == c.null {
			return append(buf, "null"...)
		}
	case *lua.LTable:
		depth++
		if depth > c.encodeMaxDepth {
			luaError(L, "Cannot serialise, excessive nesting (%d)", depth)
		}
		n := c.arrayLength(L, x)
		if n > 0 {
			buf = append(buf, '[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					buf = append(buf, ',')
				}
				buf = c.appendValue(L, buf, x.RawGetInt(i), depth)
			}
			return append(buf, ']')
		}
		buf = append(buf, '{')
		first := true
		for k, v := x.Next(lua.LNil); k != lua.LNil; k, v = x.Next(k) {
			if !first {
				buf = append(buf, ',')
			}
			first = false
			switch key := k.(type) {
			case lua.LNumber:
				buf = append(buf, '"')
				buf = c.appendNumber(L, buf, float64(key), key)
				buf = append(buf, '"', ':')
			case lua.LString:
				buf = appendJSONString(buf, string(key))
				buf = append(buf, ':')
			default:
				c.fail(L, k, "table key must be a number or string")
			}
			buf = c.appendValue(L, buf, v, depth)
		}
		return append(buf, '}')
	}
	c.fail(L, val, "type not supported")
	return buf
}

// arrayLength returns the array size of t, or -1 when t must be encoded
// as an object (a non positive-integer key, or a too sparse array).
func (c *cjsonConfig) arrayLength(L *lua.LState, t *lua.LTable) int {
	maxIdx, items := 0, 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f == 0 || math.Floor(f) != f || f < 1 {
			return -1
		}
		if f > float64(maxIdx) {
			maxIdx = int(f)
		}
		items++
	}
	if c.sparseRatio > 0 && maxIdx > items*c.sparseRatio && maxIdx > c.sparseSafe {
		if !c.sparseConvert {
			c.fail(L, t, "excessively sparse array")
		}
		return -1
	}
	return maxIdx
}

func (c *cjsonConfig) appendNumber(L *lua.LState, buf []byte, f float64, val lua.LValue) []byte {
	switch c.encodeInvalid {
	case 0:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			c.fail(L, val, "must not be NaN or Inf")
		}
	case 1:
		if math.IsNaN(f) {
			return append(buf, "nan"...)
		}
	default:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return append(buf, "null"...)
		}
	}
	return appendGFormat(buf, f, c.precision)
}

// appendGFormat formats like C's "%.<prec>g".
func appendGFormat(buf []byte, f float64, prec int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(buf, "inf"...)
	case math.IsInf(f, -1):
		return append(buf, "-inf"...)
	}
	return strconv.AppendFloat(buf, f, 'g', prec, 64)
}

// appendJSONString quotes s with CJSON's escapes (it escapes '/' and
// DEL, and leaves other bytes, UTF-8 or not, as they are).
func appendJSONString(buf []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"':
			buf = append(buf, '\\', '"')
		case ch == '\\':
			buf = append(buf, '\\', '\\')
		case ch == '/':
			buf = append(buf, '\\', '/')
		case ch == '\b':
			buf = append(buf, '\\', 'b')
		case ch == '\t':
			buf = append(buf, '\\', 't')
		case ch == '\n':
			buf = append(buf, '\\', 'n')
		case ch == '\f':
			buf = append(buf, '\\', 'f')
		case ch == '\r':
			buf = append(buf, '\\', 'r')
		case ch < 0x20 || ch == 0x7f:
			buf = append(buf, '\\', 'u', '0', '0', hexd[ch>>4], hexd[ch&15])
		default:
			buf = append(buf, ch)
		}
	}
	return append(buf, '"')
}

// --- decoding ---

type jsonTokenType int

const (
	tObjBegin jsonTokenType = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
	tUnknown
)

var jsonTokenNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"}

type jsonToken struct {
	typ   jsonTokenType
	index int
	str   string // string value, or the error text
	num   float64
	b     bool
}

type jsonParser struct {
	L     *lua.LState
	cfg   *cjsonConfig
	data  string
	ptr   int
	depth int
}

// at returns the byte at i, or 0 past the end (the C parser reads the
// string's terminating NUL).
func (p *jsonParser) at(i int) byte {
	if i < len(p.data) {
		return p.data[i]
	}
	return 0
}

func (c *cjsonConfig) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "decode", "expected 1 argument")
	}
	data := checkStringArg(L, 1, "decode")
	if len(data) >= 2 && (data[0] == 0 || data[1] == 0) {
		luaError(L, "JSON parser does not support UTF-16 or UTF-32")
	}
	p := &jsonParser{L: L, cfg: c, data: data}
	var tok jsonToken
	p.next(&tok)
	val := p.value(&tok)
	p.next(&tok)
	if tok.typ != tEnd {
		p.throw("the end", &tok)
	}
	L.Push(val)
	return 1
}

func (p *jsonParser) throw(expected string, tok *jsonToken) {
	found := jsonTokenNames[tok.typ]
	if tok.typ == tError {
		found = tok.str
	}
	luaError(p.L, "Expected %s but found %s at character %d", expected, found, tok.index+1)
}

func (p *jsonParser) setError(tok *jsonToken, msg string) {
	tok.typ = tError
	tok.index = p.ptr
	tok.str = msg
}

func (p *jsonParser) next(tok *jsonToken) {
	for {
		ch := p.at(p.ptr)
		if ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' {
			p.ptr++
			continue
		}
		break
	}
	tok.index = p.ptr
	ch := p.at(p.ptr)
	single := tUnknown
	switch ch {
	case '{':
		single = tObjBegin
	case '}':
		single = tObjEnd
	case '[':
		single = tArrBegin
	case ']':
		single = tArrEnd
	case ',':
		single = tComma
	case ':':
		single = tColon
	}
	if single != tUnknown {
		tok.typ = single
		p.ptr++
		return
	}
	switch {
	case ch == 0:
		tok.typ = tEnd
		return
	case ch == '"':
		p.stringToken(tok)
		return
	case ch == '-' || ('0' <= ch && ch <= '9'):
		if !p.cfg.decodeInvalid && p.invalidNumber() {
			p.setError(tok, "invalid number")
			return
		}
		p.numberToken(tok)
		return
	case strings.HasPrefix(p.data[p.ptr:], "true"):
		tok.typ, tok.b = tBoolean, true
		p.ptr += 4
		return
	case strings.HasPrefix(p.data[p.ptr:], "false"):
		tok.typ, tok.b = tBoolean, false
		p.ptr += 5
		return
	case strings.HasPrefix(p.data[p.ptr:], "null"):
		tok.typ = tNull
		p.ptr += 4
		return
	case (ch == 'i' || ch == 'I' || ch == 'n' || ch == 'N' || ch == '+') && p.cfg.decodeInvalid && p.invalidNumber():
		p.numberToken(tok)
		return
	}
	p.setError(tok, "invalid token")
}

// invalidNumber detects numbers strict JSON forbids (leading '+', hex,
// leading zeros, inf, nan).
func (p *jsonParser) invalidNumber() bool {
	i := p.ptr
	if p.at(i) == '+' {
		return true
	}
	if p.at(i) == '-' {
		i++
	}
	if p.at(i) == '0' {
		c2 := p.at(i + 1)
		return c2|0x20 == 'x' || ('0' <= c2 && c2 <= '9')
	} else if p.at(i) <= '9' {
		return false
	}
	rest := p.data[min(i, len(p.data)):]
	return hasPrefixFold(rest, "inf") || hasPrefixFold(rest, "nan")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func (p *jsonParser) numberToken(tok *jsonToken) {
	f, n := strtod(p.data[p.ptr:])
	if n == 0 {
		p.setError(tok, "invalid number")
		return
	}
	tok.typ, tok.num = tNumber, f
	p.ptr += n
}

func (p *jsonParser) stringToken(tok *jsonToken) {
	p.ptr++ // the opening quote
	var sb []byte
	for {
		ch := p.at(p.ptr)
		if ch == '"' {
			break
		}
		if ch == 0 {
			p.setError(tok, "unexpected end of string")
			return
		}
		if ch == '\\' {
			esc := p.at(p.ptr + 1)
			switch esc {
			case 'u':
				var ok bool
				if sb, ok = p.unicodeEscape(sb); !ok {
					p.setError(tok, "invalid unicode escape code")
					return
				}
				continue
			case '"', '\\', '/':
				ch = esc
			case 'b':
				ch = '\b'
			case 't':
				ch = '\t'
			case 'n':
				ch = '\n'
			case 'f':
				ch = '\f'
			case 'r':
				ch = '\r'
			default:
				p.setError(tok, "invalid escape code")
				return
			}
			p.ptr++
		}
		sb = append(sb, ch)
		p.ptr++
	}
	p.ptr++
	tok.typ, tok.str = tString, string(sb)
}

func (p *jsonParser) hex4(i int) int {
	v := 0
	for k := 0; k < 4; k++ {
		c := p.at(i + k)
		var d int
		switch {
		case '0' <= c && c <= '9':
			d = int(c - '0')
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			d = int(c|0x20-'a') + 10
		default:
			return -1
		}
		v = v<<4 | d
	}
	return v
}

// unicodeEscape decodes \uXXXX (and a surrogate pair) at p.ptr into UTF-8.
func (p *jsonParser) unicodeEscape(sb []byte) ([]byte, bool) {
	cp := p.hex4(p.ptr + 2)
	if cp < 0 {
		return sb, false
	}
	n := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 {
			return sb, false
		}
		if p.at(p.ptr+6) != '\\' || p.at(p.ptr+7) != 'u' {
			return sb, false
		}
		lo := p.hex4(p.ptr + 8)
		if lo < 0 || lo&0xFC00 != 0xDC00 {
			return sb, false
		}
		cp = (cp&0x3FF)<<10 | (lo & 0x3FF) + 0x10000
		n = 12
	}
	switch {
	case cp <= 0x7F:
		sb = append(sb, byte(cp))
	case cp <= 0x7FF:
		sb = append(sb, byte(cp>>6|0xC0), byte(cp&0x3F|0x80))
	case cp <= 0xFFFF:
		sb = append(sb, byte(cp>>12|0xE0), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	default:
		sb = append(sb, byte(cp>>18|0xF0), byte(cp>>12&0x3F|0x80), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	}
	p.ptr += n
	return sb, true
}

func (p *jsonParser) descend() {
	p.depth++
	if p.depth > p.cfg.decodeMaxDepth {
		luaError(p.L, "Found too many nested data structures (%d) at character %d", p.depth, p.ptr)
	}
}

func (p *jsonParser) value(tok *jsonToken) lua.LValue {
	switch tok.typ {
	case tString:
		return lua.LString(tok.str)
	case tNumber:
		return lua.LNumber(tok.num)
	case tBoolean:
		return lua.LBool(tok.b)
	case tNull:
		return p.cfg.null
	case tObjBegin:
		p.descend()
		t := p.L.CreateTable(0, 4)
		p.next(tok)
		if tok.typ == tObjEnd {
			p.depth--
			return t
		}
		for {
			if tok.typ != tString {
				p.throw("object key string", tok)
			}
			key := lua.LString(tok.str)
			p.next(tok)
			if tok.typ != tColon {
				p.throw("colon", tok)
			}
			p.next(tok)
			t.RawSet(key, p.value(tok))
			p.next(tok)
			if tok.typ == tObjEnd {
				p.depth--
				return t
			}
			if tok.typ != tComma {
				p.throw("comma or object end", tok)
			}
			p.next(tok)
		}
	case tArrBegin:
		p.descend()
		t := p.L.CreateTable(4, 0)
		p.next(tok)
		if tok.typ == tArrEnd {
			p.depth--
			return t
		}
		for i := 1; ; i++ {
			t.RawSetInt(i, p.value(tok))
			p.next(tok)
			if tok.typ == tArrEnd {
				p.depth--
				return t
			}
			if tok.typ != tComma {
				p.throw("comma or array end", tok)
			}
			p.next(tok)
		}
	}
	p.throw("value", tok)
	return lua.LNil
}

// strtod parses the longest prefix of s that C's strtod accepts and
// returns the value and the number of bytes used (0: no number).
func strtod(s string) (float64, int) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "infinity"):
		return sign(math.Inf(1)), i + 8
	case hasPrefixFold(rest, "inf"):
		return sign(math.Inf(1)), i + 3
	case hasPrefixFold(rest, "nan"):
		j := i + 3
		if j < len(s) && s[j] == '(' {
			k := j + 1
			for k < len(s) && (isAlnum(s[k]) || s[k] == '_') {
				k++
			}
			if k < len(s) && s[k] == ')' {
				j = k + 1
			}
		}
		return sign(math.NaN()), j
	}
	if len(rest) >= 2 && rest[0] == '0' && rest[1]|0x20 == 'x' {
		j := i + 2
		digits := 0
		for j < len(s) && isHexDigit(s[j]) {
			j++
			digits++
		}
		if j < len(s) && s[j] == '.' {
			j++
			for j < len(s) && isHexDigit(s[j]) {
				j++
				digits++
			}
		}
		if digits == 0 {
			return sign(0), i + 1 // just the "0"
		}
		mant := s[i:j]
		exp := "p0"
		if j < len(s) && s[j]|0x20 == 'p' {
			k := j + 1
			if k < len(s) && (s[k] == '+' || s[k] == '-') {
				k++
			}
			if k < len(s) && isDigit(s[k]) {
				for k < len(s) && isDigit(s[k]) {
					k++
				}
				exp = s[j:k]
				j = k
			}
		}
		f, _ := strconv.ParseFloat(mant+exp, 64)
		return sign(f), j
	}
	j := i
	digits := 0
	for j < len(s) && isDigit(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if j < len(s) && s[j]|0x20 == 'e' {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	f, _ := strconv.ParseFloat(s[i:j], 64)
	return sign(f), j
}

func isHexDigit(c byte) bool {
	return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f'
}
