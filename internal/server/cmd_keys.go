package server

import (
	"math"
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/glob"
	"github.com/peregrinedb/peregrine/internal/keyspace"
)

func keyCommands() []*Command {
	return []*Command{
		spec("del", -2, "write", 1, -1, 1, "generic", delCommand).acl("@keyspace"),
		spec("unlink", -2, "write fast", 1, -1, 1, "generic", delCommand),
		spec("exists", -2, "readonly fast", 1, -1, 1, "generic", existsCommand),
		spec("type", 2, "readonly fast", 1, 1, 1, "generic", typeCommand),
		spec("touch", -2, "readonly fast", 1, -1, 1, "generic", touchCommand),
		spec("expire", -3, "write fast", 1, 1, 1, "generic", expireCommand),
		spec("pexpire", -3, "write fast", 1, 1, 1, "generic", expireCommand),
		spec("expireat", -3, "write fast", 1, 1, 1, "generic", expireCommand),
		spec("pexpireat", -3, "write fast", 1, 1, 1, "generic", expireCommand),
		spec("ttl", 2, "readonly fast", 1, 1, 1, "generic", ttlCommand),
		spec("pttl", 2, "readonly fast", 1, 1, 1, "generic", ttlCommand),
		spec("expiretime", 2, "readonly fast", 1, 1, 1, "generic", ttlCommand),
		spec("pexpiretime", 2, "readonly fast", 1, 1, 1, "generic", ttlCommand),
		spec("persist", 2, "write fast", 1, 1, 1, "generic", persistCommand),
		spec("keys", 2, "readonly", 0, 0, 0, "generic", keysCommand).acl("@dangerous"),
		spec("scan", -2, "readonly", 0, 0, 0, "generic", scanCommand),
		spec("randomkey", 1, "readonly", 0, 0, 0, "generic", randomkeyCommand),
		spec("rename", 3, "write", 1, 2, 1, "generic", renameCommand),
		spec("renamenx", 3, "write fast", 1, 2, 1, "generic", renameCommand),
		spec("move", 3, "write fast", 1, 1, 1, "generic", moveCommand),
		spec("copy", -3, "write denyoom", 1, 2, 1, "generic", copyCommand),
		spec("migrate", -6, "write", 3, 3, 1, "generic", migrateCommand).acl("@keyspace", "@dangerous").keys(migrateKeys),
		container("object", -2, "generic",
			spec("encoding", 3, "readonly", 2, 2, 1, "", objectEncodingCommand),
			spec("freq", 3, "readonly", 2, 2, 1, "", objectFreqCommand),
			spec("idletime", 3, "readonly", 2, 2, 1, "", objectIdletimeCommand),
			spec("refcount", 3, "readonly", 2, 2, 1, "", objectRefcountCommand),
			spec("help", 2, "loading stale", 0, 0, 0, "", objectHelpCommand),
		),
	}
}

func delCommand(x *Ctx) {
	n := 0
	for _, k := range x.args[1:] {
		// The lookup expires a stale key (a master deletes it and
		// propagates the DEL); a replica keeps its master's stale keys,
		// which an explicit DEL (its master's, or its own client's on a
		// writable replica) does delete and count, as in Redis.
		x.lookupWrite(k)
		if x.db.Delete(k) {
			x.changed(k, keyspace.NotifyGeneric, "del")
			n++
		}
	}
	x.w.Int(int64(n))
}

func existsCommand(x *Ctx) {
	n := 0
	for _, k := range x.args[1:] {
		if x.db.LookupNoTouch(k, x.now) != nil {
			n++
		}
	}
	x.w.Int(int64(n))
}

func touchCommand(x *Ctx) {
	n := 0
	for _, k := range x.args[1:] {
		if x.lookupRead(k) != nil {
			n++
		}
	}
	x.w.Int(int64(n))
}

func typeCommand(x *Ctx) {
	e := x.db.LookupNoTouch(x.args[1], x.now)
	if e == nil {
		x.w.Simple("none")
		return
	}
	x.w.Simple(e.Type.String())
}

// Expire option flags.
const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

func expireCommand(x *Ctx) {
	name := x.cmd.Name
	var base int64
	seconds := name == "expire" || name == "expireat"
	if name == "expire" || name == "pexpire" {
		base = x.now
	}
	flags := 0
	for _, a := range x.args[3:] {
		switch {
		case eqFold(a, "nx"):
			flags |= expNX
		case eqFold(a, "xx"):
			flags |= expXX
		case eqFold(a, "gt"):
			flags |= expGT
		case eqFold(a, "lt"):
			flags |= expLT
		default:
			x.Err("ERR Unsupported option " + string(a))
			return
		}
	}
	if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
		x.Err(errExpireNXXX)
		return
	}
	if flags&expGT != 0 && flags&expLT != 0 {
		x.Err(errExpireGTLT)
		return
	}
	when, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			x.Err(errInvalidExpire(name))
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		x.Err(errInvalidExpire(name))
		return
	}
	when += base
	key := x.args[1]
	e := x.lookupWrite(key)
	if e == nil {
		x.w.Int(0)
		return
	}
	cur := int64(-1)
	if e.Expire != 0 {
		cur = e.Expire
	}
	if flags&expNX != 0 && cur != -1 ||
		flags&expXX != 0 && cur == -1 ||
		flags&expGT != 0 && (cur == -1 || when <= cur) ||
		flags&expLT != 0 && cur != -1 && when >= cur {
		x.w.Int(0)
		return
	}
	if when <= x.now {
		x.db.Delete(key)
		x.changed(key, keyspace.NotifyGeneric, "del")
		x.w.Int(1)
		return
	}
	x.db.SetExpire(key, e, when)
	x.changed(key, keyspace.NotifyGeneric, "expire")
	x.w.Int(1)
}

func ttlCommand(x *Ctx) {
	e := x.db.LookupNoTouch(x.args[1], x.now)
	if e == nil {
		x.db.Keyspace().Stats.Misses++
		x.w.Int(-2)
		return
	}
	x.db.Keyspace().Stats.Hits++
	if e.Expire == 0 {
		x.w.Int(-1)
		return
	}
	switch x.cmd.Name {
	case "ttl":
		ttl := e.Expire - x.now
		if ttl < 0 {
			ttl = 0
		}
		x.w.Int((ttl + 500) / 1000)
	case "pttl":
		ttl := e.Expire - x.now
		if ttl < 0 {
			ttl = 0
		}
		x.w.Int(ttl)
	case "expiretime":
		x.w.Int((e.Expire + 500) / 1000)
	default:
		x.w.Int(e.Expire)
	}
}

func persistCommand(x *Ctx) {
	e := x.lookupWrite(x.args[1])
	if e == nil || !x.db.Persist(x.args[1], e) {
		x.w.Int(0)
		return
	}
	x.changed(x.args[1], keyspace.NotifyGeneric, "persist")
	x.w.Int(1)
}

func keysCommand(x *Ctx) {
	pat := x.args[1]
	all := len(pat) == 1 && pat[0] == '*'
	var out []string
	size := int64(0)
	x.db.Range(func(k string, e *keyspace.Entry) bool {
		if e.Expire != 0 && e.Expire <= x.now {
			return true
		}
		if all || glob.Match(string(pat), k, false) {
			out = append(out, k)
			size += int64(len(k)) + 8
			if len(out)%limitCheckEvery == 0 && x.outputOverLimit(size) {
				return false
			}
		}
		return true
	})
	if x.c.flags&clientCloseASAP != 0 {
		return
	}
	x.w.BulkStrings(out)
}

// parseCursor parses a SCAN cursor as Redis's strtoul-based parser does.
func parseCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if isSpaceByte(b[0]) {
		return 0, false
	}
	neg := false
	s := b
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(s), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// scanOptions are the MATCH/COUNT/TYPE options of the SCAN family.
type scanOptions struct {
	pattern []byte
	count   int
	typ     string
	hasType bool
}

// parseScanOptions parses options from args[start:], replying on error.
func (x *Ctx) parseScanOptions(start int, allowType bool) (scanOptions, bool) {
	o := scanOptions{count: 10}
	for i := start; i < len(x.args); i += 2 {
		more := len(x.args) - i
		a := x.args[i]
		switch {
		case eqFold(a, "count") && more >= 2:
			n, ok := parseInt(x.args[i+1])
			if !ok {
				x.Err(errNotInt)
				return o, false
			}
			if n < 1 {
				x.Err(errSyntax)
				return o, false
			}
			if n > 1<<30 {
				n = 1 << 30
			}
			o.count = int(n)
		case eqFold(a, "match") && more >= 2:
			o.pattern = x.args[i+1]
			if len(o.pattern) == 1 && o.pattern[0] == '*' {
				o.pattern = nil
			}
		case allowType && eqFold(a, "type") && more >= 2:
			o.typ = string(x.args[i+1])
			o.hasType = true
		default:
			x.Err(errSyntax)
			return o, false
		}
	}
	return o, true
}

func scanCommand(x *Ctx) {
	cursor, ok := parseCursor(x.args[1])
	if !ok {
		x.Err(errInvalidCursor)
		return
	}
	o, ok := x.parseScanOptions(2, true)
	if !ok {
		return
	}
	var keys, dead []string
	// Scan with a clock before every deadline, then expire the dead keys
	// that passed the filters, as Redis's SCAN does (they propagate DELs).
	next := x.db.Scan(cursor, o.count, 0, func(k string, e *keyspace.Entry) {
		if o.hasType && !strings.EqualFold(e.Type.String(), o.typ) {
			return
		}
		if o.pattern != nil && !glob.Match(string(o.pattern), k, false) {
			return
		}
		if e.Expire != 0 && e.Expire <= x.now {
			dead = append(dead, k)
			return
		}
		keys = append(keys, k)
	})
	for _, k := range dead {
		x.db.LookupNoTouch([]byte(k), x.now)
	}
	x.w.Array(2)
	x.w.BulkString(strconv.FormatUint(next, 10))
	x.w.BulkStrings(keys)
}

func randomkeyCommand(x *Ctx) {
	k, ok := x.db.RandomKey(x.now)
	if !ok {
		x.w.Null()
		return
	}
	x.w.BulkString(k)
}

func renameCommand(x *Ctx) {
	nx := x.cmd.Name == "renamenx"
	src, dst := x.args[1], x.args[2]
	e := x.lookupWrite(src)
	if e == nil {
		x.Err(errNoSuchKey)
		return
	}
	if string(src) == string(dst) {
		if nx {
			x.w.Int(0)
		} else {
			x.w.OK()
		}
		return
	}
	if x.lookupWrite(dst) != nil {
		if nx {
			x.w.Int(0)
			return
		}
		x.db.Delete(dst)
		x.changed(dst, keyspace.NotifyGeneric, "del")
	}
	moved := *e
	x.db.Rename(src, dst, moved)
	x.changed(src, keyspace.NotifyGeneric, "rename_from")
	x.changed(dst, keyspace.NotifyGeneric, "rename_to")
	if nx {
		x.w.Int(1)
	} else {
		x.w.OK()
	}
}

func moveCommand(x *Ctx) {
	id, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if id < 0 || id >= int64(x.s.ks.Count()) {
		x.Err(errDBIndex)
		return
	}
	if int(id) == x.c.db {
		x.Err(errSameObject)
		return
	}
	key := x.args[1]
	e := x.lookupWrite(key)
	if e == nil {
		x.w.Int(0)
		return
	}
	dst := x.s.ks.DB(int(id))
	if dst.Lookup(key, x.now) != nil {
		x.w.Int(0)
		return
	}
	moved := *e
	x.db.Delete(key)
	dst.Set(key, moved)
	x.changed(key, keyspace.NotifyGeneric, "move_from")
	dst.Changed(key, keyspace.NotifyGeneric, "move_to")
	x.w.Int(1)
}

func copyCommand(x *Ctx) {
	src, dstKey := x.args[1], x.args[2]
	dst := x.db
	replace := false
	for j := 3; j < len(x.args); j++ {
		switch {
		case eqFold(x.args[j], "replace"):
			replace = true
		case eqFold(x.args[j], "db") && j+1 < len(x.args):
			id, ok := parseInt(x.args[j+1])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if id < 0 || id >= int64(x.s.ks.Count()) {
				x.Err(errDBIndex)
				return
			}
			dst = x.s.ks.DB(int(id))
			j++
		default:
			x.Err(errSyntax)
			return
		}
	}
	if dst == x.db && string(src) == string(dstKey) {
		x.Err(errSameObject)
		return
	}
	e := x.lookupWrite(src)
	if e == nil {
		x.w.Int(0)
		return
	}
	if dst.Lookup(dstKey, x.now) != nil {
		if !replace {
			x.w.Int(0)
			return
		}
		dst.Delete(dstKey)
		dst.Changed(dstKey, keyspace.NotifyGeneric, "del")
	}
	cp := *e
	cp.Access = x.newAccess() // a new object, as Redis's copy makes
	cp.Str = append([]byte(nil), e.Str...)
	cp.Obj = copyObject(e.Obj)
	dst.Set(dstKey, cp)
	dst.Changed(dstKey, keyspace.NotifyGeneric, "copy_to")
	x.w.Int(1)
}

// copyObject deep-copies a collection value for COPY.
func copyObject(o any) any {
	if c, ok := o.(interface{ Clone() any }); ok {
		return c.Clone()
	}
	return o
}

// objectEntry looks a key up for OBJECT without touching it; missing keys reply null.
func (x *Ctx) objectEntry() *keyspace.Entry {
	e := x.db.LookupNoTouch(x.args[2], x.now)
	if e == nil {
		x.w.Null()
	}
	return e
}

func objectEncodingCommand(x *Ctx) {
	if e := x.objectEntry(); e != nil {
		x.w.BulkString(encodingName(e))
	}
}

// encodingName is what OBJECT ENCODING reports for an entry.
func encodingName(e *keyspace.Entry) string {
	if e.Type == keyspace.TypeString {
		switch e.Enc {
		case keyspace.EncInt:
			return "int"
		case keyspace.EncEmbstr:
			return "embstr"
		default:
			return "raw"
		}
	}
	if n, ok := e.Obj.(interface{ Encoding() string }); ok {
		return n.Encoding()
	}
	return "unknown"
}

func objectRefcountCommand(x *Ctx) {
	if e := x.objectEntry(); e != nil {
		x.w.Int(refcount(x.s, e))
	}
}

func objectIdletimeCommand(x *Ctx) {
	if e := x.objectEntry(); e != nil {
		if x.s.lfuPolicy() {
			x.Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
			return
		}
		x.w.Int(keyspace.LRUIdle(e.Access, x.now) / 1000)
	}
}

func objectFreqCommand(x *Ctx) {
	if e := x.objectEntry(); e != nil {
		if !x.s.lfuPolicy() {
			x.Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
			return
		}
		// The counter as decayed to now; the entry is left as it is.
		x.w.Int(int64(x.db.Keyspace().LFUCounter(e.Access, x.now)))
	}
}

// lfuPolicy reports whether maxmemory-policy is an LFU policy.
func (s *Server) lfuPolicy() bool { return s.ks.LFU() }

func objectHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "OBJECT",
		"ENCODING <key>",
		"    The internal representation of the value stored at <key>.",
		"FREQ <key>",
		"    The logarithmic access-frequency counter of <key> (LFU policies only).",
		"IDLETIME <key>",
		"    Seconds since <key> was last read or written (LRU policies only).",
		"REFCOUNT <key>",
		"    How many references the value of <key> has.",
	)
}

// replyHelp writes a HELP reply: a header line, the given lines, and the
// HELP line, as Redis's addReplyHelp does.
func (s *Server) replyHelp(x *Ctx, cmd string, lines ...string) {
	x.w.Array(len(lines) + 3)
	x.w.Simple(cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		x.w.Simple(l)
	}
	x.w.Simple("HELP")
	x.w.Simple("    Prints this help.") // sic, as Redis 7.0 words it
}

// migrateArgs is the parsed form of MIGRATE host port key|"" db timeout
// [COPY] [REPLACE] [AUTH password | AUTH2 username password] [KEYS key ...].
type migrateArgs struct {
	copy, replace     bool
	user, pass        []byte
	firstKey, numKeys int
	db, timeoutMs     int64
}

// parseMigrate parses MIGRATE's options, redacting the credentials from
// what MONITOR and SLOWLOG record; it writes the error reply itself.
func parseMigrate(x *Ctx) (migrateArgs, bool) {
	m := migrateArgs{firstKey: 3, numKeys: 1}
	for j := 6; j < len(x.args); j++ {
		more := len(x.args) - 1 - j
		switch a := x.args[j]; {
		case eqFold(a, "copy"):
			m.copy = true
		case eqFold(a, "replace"):
			m.replace = true
		case eqFold(a, "auth"):
			if more < 1 {
				x.Err(errSyntax)
				return m, false
			}
			j++
			m.pass = append([]byte(nil), x.args[j]...)
			x.redactArg(j)
		case eqFold(a, "auth2"):
			if more < 2 {
				x.Err(errSyntax)
				return m, false
			}
			m.user = append([]byte(nil), x.args[j+1]...)
			m.pass = append([]byte(nil), x.args[j+2]...)
			x.redactArg(j + 1)
			x.redactArg(j + 2)
			j += 2
		case eqFold(a, "keys"):
			if len(x.args[3]) != 0 {
				x.Err(errMigrateKeysArg)
				return m, false
			}
			m.firstKey, m.numKeys = j+1, len(x.args)-j-1
			j = len(x.args)
		default:
			x.Err(errSyntax)
			return m, false
		}
	}
	var ok bool
	if m.timeoutMs, ok = parseInt(x.args[5]); !ok {
		x.Err(errNotInt)
		return m, false
	}
	if m.db, ok = parseInt(x.args[4]); !ok {
		x.Err(errNotInt)
		return m, false
	}
	if m.timeoutMs <= 0 {
		m.timeoutMs = 1000
	}
	return m, true
}

// migrateKeys returns MIGRATE's key positions: argument 3, or everything
// after KEYS.
func migrateKeys(args [][]byte) []int {
	for j := 6; j < len(args); j++ {
		switch {
		case eqFold(args[j], "auth"):
			j++
		case eqFold(args[j], "auth2"):
			j += 2
		case eqFold(args[j], "keys"):
			out := make([]int, 0, len(args)-j-1)
			for i := j + 1; i < len(args); i++ {
				out = append(out, i)
			}
			return out
		}
	}
	if len(args) > 3 {
		return []int{3}
	}
	return nil
}
