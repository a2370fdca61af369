package server

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

func stringCommands() []*Command {
	return []*Command{
		spec("get", 2, "readonly fast", 1, 1, 1, "string", getCommand),
		spec("set", -3, "write denyoom", 1, 1, 1, "string", setCommand),
		spec("setnx", 3, "write denyoom fast", 1, 1, 1, "string", setnxCommand),
		spec("setex", 4, "write denyoom", 1, 1, 1, "string", setexCommand),
		spec("psetex", 4, "write denyoom", 1, 1, 1, "string", psetexCommand),
		spec("getex", -2, "write fast", 1, 1, 1, "string", getexCommand),
		spec("getdel", 2, "write fast", 1, 1, 1, "string", getdelCommand),
		spec("getset", 3, "write denyoom fast", 1, 1, 1, "string", getsetCommand),
		spec("mget", -2, "readonly fast", 1, -1, 1, "string", mgetCommand),
		spec("mset", -3, "write denyoom", 1, -1, 2, "string", msetCommand),
		spec("msetnx", -3, "write denyoom", 1, -1, 2, "string", msetnxCommand),
		spec("append", 3, "write denyoom fast", 1, 1, 1, "string", appendCommand),
		spec("strlen", 2, "readonly fast", 1, 1, 1, "string", strlenCommand),
		spec("incr", 2, "write denyoom fast", 1, 1, 1, "string", incrCommand),
		spec("decr", 2, "write denyoom fast", 1, 1, 1, "string", decrCommand),
		spec("incrby", 3, "write denyoom fast", 1, 1, 1, "string", incrbyCommand),
		spec("decrby", 3, "write denyoom fast", 1, 1, 1, "string", decrbyCommand),
		spec("incrbyfloat", 3, "write denyoom fast", 1, 1, 1, "string", incrbyfloatCommand),
		spec("getrange", 4, "readonly", 1, 1, 1, "string", getrangeCommand),
		spec("substr", 4, "readonly", 1, 1, 1, "string", getrangeCommand),
		spec("setrange", 4, "write denyoom", 1, 1, 1, "string", setrangeCommand),
		spec("lcs", -3, "readonly", 1, 2, 1, "string", lcsCommand),
	}
}

// stringValue returns key's string entry; ok is false after replying
// WRONGTYPE. A missing key gives (nil, true).
func (x *Ctx) stringValue(key []byte, read bool) (*keyspace.Entry, bool) {
	var e *keyspace.Entry
	if read {
		e = x.lookupRead(key)
	} else {
		e = x.lookupWrite(key)
	}
	if e != nil && e.Type != keyspace.TypeString {
		x.Err(errWrongType)
		return nil, false
	}
	return e, true
}

// setString stores a string value, keeping or clearing the TTL. An
// existing entry is overwritten in place (one lookup, no key allocation),
// reusing its buffer when the sizes are close.
func (x *Ctx) setString(key, val []byte, expire int64, keepTTL bool) {
	e := x.db.Lookup(key, x.now)
	if e == nil {
		x.db.SetString(key, val, keyspace.Entry{Type: keyspace.TypeString, Enc: keyspace.StringEncoding(val), Expire: expire, Access: x.newAccess()})
		return
	}
	switch {
	case keepTTL:
	case expire == 0:
		x.db.Persist(key, e)
	default:
		x.db.SetExpire(key, e, expire)
	}
	if e.Type == keyspace.TypeString && cap(e.Str) >= len(val) && cap(e.Str) <= 2*len(val)+16 {
		e.Str = append(e.Str[:0], val...)
	} else {
		x.db.Replacing(e)
		e.Str = append([]byte(nil), val...)
		x.db.Resized(e, 0)
	}
	// The lookup recorded the access: the LRU clock, or the LFU counter the
	// overwritten value passes on as Redis does.
	e.Type, e.Obj, e.Enc = keyspace.TypeString, nil, keyspace.StringEncoding(val)
}

// replyStringValue looks key up for reading and replies its value, or null
// when it is missing. It returns the entry (nil when missing), and false
// after replying WRONGTYPE.
func (x *Ctx) replyStringValue(key []byte) (*keyspace.Entry, bool) {
	e, ok := x.stringValue(key, true)
	if !ok {
		return nil, false
	}
	if e == nil {
		x.w.Null()
	} else {
		x.w.Bulk(e.Str)
	}
	return e, true
}

func getCommand(x *Ctx) { x.replyStringValue(x.args[1]) }

// SET option flags.
const (
	setNX = 1 << iota
	setXX
	setGet
	setKeepTTL
	setEX
	setPX
	setEXAT
	setPXAT
	setPersist
)

// parseSetOptions parses SET/GETEX's options from args[start:]. It returns
// the flags and the expire argument, or replies a syntax error.
func (x *Ctx) parseSetOptions(start int, getex bool) (flags int, expArg []byte, ok bool) {
	for j := start; j < len(x.args); j++ {
		a := x.args[j]
		hasNext := j+1 < len(x.args)
		// Redis accepts repeating the same option; only a different
		// expiry option conflicts.
		expireOther := func(own int) bool {
			return flags&^own&(setEX|setPX|setEXAT|setPXAT|setKeepTTL|setPersist) != 0
		}
		switch {
		case !getex && eqFold(a, "nx") && flags&setXX == 0:
			flags |= setNX
		case !getex && eqFold(a, "xx") && flags&setNX == 0:
			flags |= setXX
		case !getex && eqFold(a, "get"):
			flags |= setGet
		case !getex && eqFold(a, "keepttl") && !expireOther(setKeepTTL):
			flags |= setKeepTTL
		case getex && eqFold(a, "persist") && !expireOther(setPersist):
			flags |= setPersist
		case eqFold(a, "ex") && !expireOther(setEX) && hasNext:
			flags |= setEX
			expArg = x.args[j+1]
			j++
		case eqFold(a, "px") && !expireOther(setPX) && hasNext:
			flags |= setPX
			expArg = x.args[j+1]
			j++
		case eqFold(a, "exat") && !expireOther(setEXAT) && hasNext:
			flags |= setEXAT
			expArg = x.args[j+1]
			j++
		case eqFold(a, "pxat") && !expireOther(setPXAT) && hasNext:
			flags |= setPXAT
			expArg = x.args[j+1]
			j++
		default:
			x.Err(errSyntax)
			return 0, nil, false
		}
	}
	return flags, expArg, true
}

// expireMillis turns an EX/PX/EXAT/PXAT argument into an absolute unix ms
// time, replying the error Redis gives for bad values.
func (x *Ctx) expireMillis(arg []byte, flags int) (int64, bool) {
	n, ok := parseInt(arg)
	if !ok {
		x.Err(errNotInt)
		return 0, false
	}
	seconds := flags&(setEX|setEXAT) != 0
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		x.Err(errInvalidExpire(x.cmd.FullName()))
		return 0, false
	}
	if seconds {
		n *= 1000
	}
	if flags&(setEX|setPX) != 0 {
		n += x.now // wraps on overflow like Redis's C arithmetic, caught below
	}
	if n <= 0 {
		x.Err(errInvalidExpire(x.cmd.FullName()))
		return 0, false
	}
	return n, true
}

func setCommand(x *Ctx) {
	flags, expArg, ok := x.parseSetOptions(3, false)
	if !ok {
		return
	}
	x.setGeneric(flags, x.args[1], x.args[2], expArg, flags&(setEX|setEXAT|setPX|setPXAT))
}

// setGeneric implements SET and its older forms.
func (x *Ctx) setGeneric(flags int, key, val, expArg []byte, unit int) {
	var expire int64
	if expArg != nil {
		var ok bool
		if expire, ok = x.expireMillis(expArg, unit); !ok {
			return
		}
	}
	if flags&setGet != 0 {
		if _, ok := x.replyStringValue(key); !ok {
			return
		}
	}
	if flags&(setNX|setXX) != 0 {
		found := x.lookupWrite(key) != nil
		if flags&setNX != 0 && found || flags&setXX != 0 && !found {
			if flags&setGet == 0 {
				x.w.Null()
			}
			return
		}
	}
	x.setString(key, val, expire, flags&setKeepTTL != 0)
	x.changed(key, keyspace.NotifyString, "set")
	if expire != 0 {
		x.changed(key, keyspace.NotifyGeneric, "expire")
	}
	if flags&setGet == 0 {
		x.w.OK()
	}
}

func setnxCommand(x *Ctx) {
	if x.lookupWrite(x.args[1]) != nil {
		x.w.Int(0)
		return
	}
	x.setString(x.args[1], x.args[2], 0, false)
	x.changed(x.args[1], keyspace.NotifyString, "set")
	x.w.Int(1)
}

func setexCommand(x *Ctx)  { x.setGeneric(0, x.args[1], x.args[3], x.args[2], setEX) }
func psetexCommand(x *Ctx) { x.setGeneric(0, x.args[1], x.args[3], x.args[2], setPX) }

func getexCommand(x *Ctx) {
	flags, expArg, ok := x.parseSetOptions(2, true)
	if !ok {
		return
	}
	key := x.args[1]
	var expire int64
	if expArg != nil {
		if expire, ok = x.expireMillis(expArg, flags); !ok {
			return
		}
	}
	e, ok := x.replyStringValue(key)
	if !ok || e == nil {
		return
	}
	switch {
	case expArg != nil && expire <= x.now:
		x.db.Delete(key)
		x.changed(key, keyspace.NotifyGeneric, "del")
	case expArg != nil:
		x.db.SetExpire(key, e, expire)
		x.changed(key, keyspace.NotifyGeneric, "expire")
	case flags&setPersist != 0:
		if x.db.Persist(key, e) {
			x.changed(key, keyspace.NotifyGeneric, "persist")
		}
	}
}

func getdelCommand(x *Ctx) {
	if e, ok := x.replyStringValue(x.args[1]); !ok || e == nil {
		return
	}
	x.db.Delete(x.args[1])
	x.changed(x.args[1], keyspace.NotifyGeneric, "del")
}

func getsetCommand(x *Ctx) {
	if _, ok := x.replyStringValue(x.args[1]); !ok {
		return
	}
	x.setString(x.args[1], x.args[2], 0, false)
	x.changed(x.args[1], keyspace.NotifyString, "set")
}

func mgetCommand(x *Ctx) {
	x.w.Array(len(x.args) - 1)
	for _, k := range x.args[1:] {
		e := x.lookupRead(k)
		if e == nil || e.Type != keyspace.TypeString {
			x.w.Null()
			continue
		}
		x.w.Bulk(e.Str)
	}
}

func msetCommand(x *Ctx) {
	if len(x.args)%2 == 0 {
		x.ErrArity()
		return
	}
	for i := 1; i < len(x.args); i += 2 {
		x.setString(x.args[i], x.args[i+1], 0, false)
		x.changed(x.args[i], keyspace.NotifyString, "set")
	}
	x.w.OK()
}

func msetnxCommand(x *Ctx) {
	if len(x.args)%2 == 0 {
		x.ErrArity()
		return
	}
	for i := 1; i < len(x.args); i += 2 {
		if x.lookupWrite(x.args[i]) != nil {
			x.w.Int(0)
			return
		}
	}
	for i := 1; i < len(x.args); i += 2 {
		x.setString(x.args[i], x.args[i+1], 0, false)
		x.changed(x.args[i], keyspace.NotifyString, "set")
	}
	x.w.Int(1)
}

// checkStringLength enforces proto-max-bulk-len on values built by APPEND/SETRANGE.
func (x *Ctx) checkStringLength(n int64) bool {
	if n > x.s.live.maxBulk.Load() {
		x.Err(errStringTooLong)
		return false
	}
	return true
}

func appendCommand(x *Ctx) {
	key := x.args[1]
	e, ok := x.stringValue(key, false)
	if !ok {
		return
	}
	if e == nil {
		x.setString(key, x.args[2], 0, false)
		x.changed(key, keyspace.NotifyString, "append")
		x.w.Int(int64(len(x.args[2])))
		return
	}
	if !x.checkStringLength(int64(len(e.Str) + len(x.args[2]))) {
		return
	}
	oldCap := cap(e.Str)
	e.Str = append(e.Str, x.args[2]...)
	x.db.Resized(e, oldCap)
	e.Enc = keyspace.EncRaw
	x.changed(key, keyspace.NotifyString, "append")
	x.w.Int(int64(len(e.Str)))
}

func strlenCommand(x *Ctx) {
	e, ok := x.stringValue(x.args[1], true)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(int64(len(e.Str)))
}

func incrCommand(x *Ctx) { x.incrDecr(1) }
func decrCommand(x *Ctx) { x.incrDecr(-1) }

func incrbyCommand(x *Ctx) {
	n, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	x.incrDecr(n)
}

func decrbyCommand(x *Ctx) {
	n, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if n == math.MinInt64 {
		x.Err("ERR decrement would overflow")
		return
	}
	x.incrDecr(-n)
}

func (x *Ctx) incrDecr(by int64) {
	key := x.args[1]
	e, ok := x.stringValue(key, false)
	if !ok {
		return
	}
	var cur int64
	if e != nil {
		if cur, ok = parseInt(e.Str); !ok {
			x.Err(errNotInt)
			return
		}
	}
	if by < 0 && cur < 0 && by < math.MinInt64-cur || by > 0 && cur > 0 && by > math.MaxInt64-cur {
		x.Err(errOverflow)
		return
	}
	cur += by
	var buf [24]byte
	val := appendInt(buf[:0], cur)
	if e != nil {
		oldCap := cap(e.Str)
		e.Str = append(e.Str[:0], val...)
		x.db.Resized(e, oldCap)
		e.Enc = keyspace.EncInt
	} else {
		x.db.SetString(key, val, keyspace.Entry{Type: keyspace.TypeString, Enc: keyspace.EncInt, Access: x.newAccess()})
	}
	x.changed(key, keyspace.NotifyString, incrEvent(by, x.cmd.Name))
	x.w.Int(cur)
}

func incrEvent(_ int64, name string) string {
	if strings.HasPrefix(name, "decr") {
		return "decrby"
	}
	return "incrby"
}

// longDoublePrec is the mantissa precision of the x87 long double Redis
// uses for INCRBYFLOAT, emulated with big.Float so results print the same.
const longDoublePrec = 64

// parseLongDouble parses a value as Redis's string2ld (strtold) does.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) > 5000 || isSpaceByte(b[0]) || isSpaceByte(b[len(b)-1]) {
		return nil, false
	}
	s := strings.ToLower(string(b))
	if strings.Contains(s, "nan") || strings.ContainsRune(s, '_') {
		return nil, false
	}
	f, _, err := big.ParseFloat(s, 0, longDoublePrec, big.ToNearestEven)
	if err != nil {
		if v, ok := parseFloat(b); ok && math.IsInf(v, 0) {
			return new(big.Float).SetInf(v < 0), true
		}
		return nil, false
	}
	return f, true
}

func incrbyfloatCommand(x *Ctx) {
	key := x.args[1]
	e, ok := x.stringValue(key, false)
	if !ok {
		return
	}
	var cur []byte
	if e != nil {
		cur = e.Str
	}
	s, errMsg := longDoubleAdd(cur, x.args[2], errNotFloat)
	if errMsg != "" {
		x.Err(errMsg)
		return
	}
	x.setString(key, []byte(s), 0, true)
	if e := x.db.Peek(key); e != nil && e.Enc == keyspace.EncInt {
		e.Enc = keyspace.EncEmbstr // INCRBYFLOAT stores its result unencoded, as Redis does
	}
	x.changed(key, keyspace.NotifyString, "incrbyfloat")
	x.w.BulkString(s)
}

func getrangeCommand(x *Ctx) {
	start, ok1 := parseInt(x.args[2])
	end, ok2 := parseInt(x.args[3])
	if !ok1 || !ok2 {
		x.Err(errNotInt)
		return
	}
	e, ok := x.stringValue(x.args[1], true)
	if !ok {
		return
	}
	if e == nil {
		x.w.BulkString("")
		return
	}
	n := int64(len(e.Str))
	if start < 0 && end < 0 && start > end {
		x.w.BulkString("")
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		x.w.BulkString("")
		return
	}
	x.w.Bulk(e.Str[start : end+1])
}

func setrangeCommand(x *Ctx) {
	key, val := x.args[1], x.args[3]
	off, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if off < 0 {
		x.Err(errOffsetRange)
		return
	}
	e, ok := x.stringValue(key, false)
	if !ok {
		return
	}
	if e == nil {
		if len(val) == 0 {
			x.w.Int(0)
			return
		}
		if off > x.s.live.maxBulk.Load()-int64(len(val)) { // no overflow: off+len(val) > max
			x.Err(errStringTooLong)
			return
		}
		b := make([]byte, off+int64(len(val)))
		copy(b[off:], val)
		x.db.Set(key, keyspace.Entry{Type: keyspace.TypeString, Str: b, Enc: keyspace.EncRaw, Access: x.newAccess()})
		x.changed(key, keyspace.NotifyString, "setrange")
		x.w.Int(int64(len(b)))
		return
	}
	if len(val) == 0 {
		x.w.Int(int64(len(e.Str)))
		return
	}
	if off > x.s.live.maxBulk.Load()-int64(len(val)) { // no overflow: off+len(val) > max
		x.Err(errStringTooLong)
		return
	}
	if need := off + int64(len(val)); need > int64(len(e.Str)) {
		nb := make([]byte, need)
		copy(nb, e.Str)
		oldCap := cap(e.Str)
		e.Str = nb
		x.db.Resized(e, oldCap)
	}
	copy(e.Str[off:], val)
	e.Enc = keyspace.EncRaw
	x.changed(key, keyspace.NotifyString, "setrange")
	x.w.Int(int64(len(e.Str)))
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// longDoubleAdd adds incr to cur (nil means 0) in 80-bit long double
// arithmetic and formats the sum as Redis does (%.17Lf, trailing zeros
// trimmed). curErr is the error when cur is not a number (strings and hash
// fields word it differently); it returns an error message or "".
func longDoubleAdd(cur, incr []byte, curErr string) (string, string) {
	c := new(big.Float).SetPrec(longDoublePrec)
	if cur != nil {
		var ok bool
		if c, ok = parseLongDouble(cur); !ok {
			return "", curErr
		}
	}
	in, ok := parseLongDouble(incr)
	if !ok {
		return "", errNotFloat
	}
	if c.IsInf() || in.IsInf() {
		return "", errIncrFloatNaN
	}
	sum := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven).Add(c, in)
	if sum.IsInf() || sum.MantExp(nil) > 16384 {
		return "", errIncrFloatNaN
	}
	return trimHumanFloat(sum.Text('f', 17)), ""
}

// trimHumanFloat turns a "%.17f" rendering into Redis's human form
// (LD_STR_HUMAN): trailing zeros and a bare point removed, "-0" as "0".
func trimHumanFloat(s string) string {
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
