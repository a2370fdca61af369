package server

import (
	"strconv"

	"github.com/peregrinedb/peregrine/internal/aof"
	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// Command propagation: the stream of write commands the AOF (and later
// replication) receives, built as Redis 7.0 builds it.
//
//   - A command is propagated when it changed data: the keyspace Dirty
//     counter moved during its call (expirations and evictions it caused
//     excluded: they propagate as DEL on their own), or its table entry
//     forces propagation (FLUSHALL/FLUSHDB even on an empty keyspace).
//   - Non-deterministic or relative commands are rewritten so replaying
//     the stream gives the same data (the table below, read after the
//     handler ran; a handler that alone knows what it did, such as which
//     member SPOP took, sets Ctx.propagateAs).
//   - Everything one top-level call propagates (an EXEC's commands, a
//     script's writes, a lazily expired key's DEL plus the command) is
//     wrapped in MULTI ... EXEC when it is more than one command; EXEC
//     and scripts never propagate themselves (script effects replication).
//   - Keys expired by the active cycle and evicted keys propagate as DEL,
//     never wrapped.
//   - A SELECT precedes a command whose database differs from the last
//     one written to the stream (and starts every new incremental file).
//
// All of it runs under the keyspace lock.

// propTarget says which consumers receive an operation.
type propTarget uint8

const (
	propAOF  propTarget = 1 << iota // the append-only file
	propRepl                        // replicas (replication_master.go)
	propAll  = propAOF | propRepl
)

// propOp is one command waiting for the end of the top-level call.
type propOp struct {
	db     int
	argv   [][]byte
	target propTarget
}

// propagation is the server's propagation state (keyspace lock).
type propagation struct {
	pending []propOp
	// depth counts nested calls (EXEC and scripts call commands): the
	// pending operations are written out when the outermost call ends.
	depth int
	// sideDirty counts Dirty increments caused by expiry and eviction, so
	// they do not make the command that triggered them look like a write.
	sideDirty int64
	// loading suppresses propagation while the AOF is replayed.
	loading bool
	// selectedDB is the database of the last SELECT in the AOF stream (-1:
	// none yet in the current file).
	selectedDB int
	// lastTS is the last "#TS:" annotation written (aof-timestamp-enabled).
	lastTS  int64
	scratch []byte
}

// ctxProp are a handler's instructions about its own propagation.
type ctxProp struct {
	as [][]byte // propagate this instead of the command's argv
	// ops, when set, are propagated instead of the command, one
	// operation each (XREADGROUP propagates an XCLAIM per entry, as
	// Redis's alsoPropagate does).
	ops [][][]byte
}

// alsoPropagate adds an operation the current command propagates
// instead of itself.
func (x *Ctx) alsoPropagate(argv ...[]byte) { x.prop.ops = append(x.prop.ops, copyArgv(argv)) }

// propagateAs makes the current command propagate as argv (for example
// BLPOP served at once propagates as LPOP key).
func (x *Ctx) propagateAs(argv ...[]byte) { x.prop.as = argv }

// propMark is the state a call starts from.
type propMark struct{ dirty, side int64 }

// propagating reports whether anything consumes the stream.
func (s *Server) propagating() bool {
	return !s.prop.loading && (s.aof.sinkOn || s.replicating() && s.isMaster())
}

// propEnter is called when a command call starts.
func (s *Server) propEnter() propMark {
	s.prop.depth++
	return propMark{s.ks.Dirty, s.prop.sideDirty}
}

// propExit is called when a command call ends: it queues the command if
// it has to be propagated and, at the outermost call, writes the queue.
func (s *Server) propExit(x *Ctx, m propMark) {
	s.prop.depth--
	dirty := (s.ks.Dirty - m.dirty) - (s.prop.sideDirty - m.side)
	if s.aof.rw != nil && (dirty > 0 || propRules[x.cmd.FullName()].force) {
		s.rewriteNoteCommand(x)
	}
	if s.propagating() {
		if argv, target := propagationOf(x, dirty); target != 0 {
			if x.prop.ops != nil {
				for _, op := range x.prop.ops {
					s.prop.pending = append(s.prop.pending, propOp{db: x.db.ID, argv: op, target: target})
				}
			} else {
				s.prop.pending = append(s.prop.pending, propOp{db: x.db.ID, argv: copyArgv(argv), target: target})
			}
		}
	}
	if s.prop.depth == 0 && len(s.prop.pending) > 0 {
		// Commands that touch arbitrary keys (Redis's
		// CMD_TOUCHES_ARBITRARY_KEYS) propagate their lazy expirations
		// unwrapped, like the active expire cycle.
		s.flushPropagation(propRules[x.cmd.FullName()].arbitraryKeys)
	}
}

// propagationOf decides what a finished call propagates, and to whom.
func propagationOf(x *Ctx, dirty int64) ([][]byte, propTarget) {
	rule := propRules[x.cmd.FullName()]
	if rule.never {
		return nil, 0
	}
	if dirty <= 0 && !rule.force {
		return nil, 0
	}
	target := propAll
	if rule.replOnly {
		target = propRepl
	}
	if x.prop.as != nil {
		return x.prop.as, target
	}
	if rule.rewrite != nil {
		return rule.rewrite(x), target
	}
	return x.args, target
}

// propagateKeyRemoval is called by the change hook for every key the
// keyspace expires or evicts: outside a command the DEL goes straight to
// the stream; inside one it joins the command's operations, as Redis's
// propagateDeletion does.
func (s *Server) propagateKeyRemoval(db *keyspace.DB, key []byte) {
	s.prop.sideDirty++
	if !s.propagating() {
		return
	}
	op := propOp{db: db.ID, argv: [][]byte{[]byte("DEL"), append([]byte(nil), key...)}, target: propAll}
	if s.prop.depth > 0 {
		s.prop.pending = append(s.prop.pending, op)
		return
	}
	s.feedOps([]propOp{op}, false)
}

// flushPropagation writes the pending operations to the stream, wrapped
// in MULTI/EXEC when there are several (unless noMulti).
func (s *Server) flushPropagation(noMulti bool) {
	ops := s.prop.pending
	s.prop.pending = s.prop.pending[:0]
	s.feedOps(ops, !noMulti && len(ops) > 1)
	clear(ops)
}

var (
	argvMulti = [][]byte{[]byte("MULTI")}
	argvExec  = [][]byte{[]byte("EXEC")}
)

// feedOps encodes ops for the AOF and for replication and hands them to
// the AOF writer and the replication stream: one list of operations, two
// encodings (each stream has its own SELECT state; only the AOF carries
// timestamps, only replicas get PUBLISH).
func (s *Server) feedOps(ops []propOp, transaction bool) {
	if s.aof.sinkOn {
		b := s.encodeOps(s.prop.scratch[:0], ops, transaction, propAOF, &s.prop.selectedDB)
		if len(b) > 0 {
			s.aofFeed(b)
		}
		s.prop.scratch = keepScratch(b)
	}
	if s.replicating() && s.isMaster() {
		b := s.encodeOps(s.repl.scratch[:0], ops, transaction, propRepl, &s.repl.selDB)
		s.replFeed(b)
		s.repl.scratch = keepScratch(b)
	}
}

// keepScratch returns b emptied for reuse, unless it grew large.
func keepScratch(b []byte) []byte {
	if cap(b) <= 64<<10 {
		return b[:0]
	}
	return nil
}

// encodeOps appends the operations meant for target, wrapped in
// MULTI/EXEC when transaction is set, with SELECTs tracked in *selected.
func (s *Server) encodeOps(b []byte, ops []propOp, transaction bool, target propTarget, selected *int) []byte {
	first := true
	for i, op := range ops {
		if op.target&target == 0 {
			continue
		}
		if first {
			if target == propAOF {
				b = s.aofTimestamp(b)
			}
			if transaction {
				b = appendPropCommand(b, selected, ops[0].db, argvMulti)
			}
			first = false
		}
		b = appendPropCommand(b, selected, op.db, op.argv)
		if transaction && i == len(ops)-1 {
			b = appendPropCommand(b, selected, op.db, argvExec)
		}
	}
	if transaction && !first && ops[len(ops)-1].target&target == 0 {
		b = appendPropCommand(b, selected, ops[len(ops)-1].db, argvExec)
	}
	return b
}

// appendPropCommand encodes argv for db, preceded by a SELECT when the
// stream (whose current database is *selected) is in another database.
func appendPropCommand(b []byte, selected *int, db int, argv [][]byte) []byte {
	if db != *selected {
		b = aof.AppendCommand(b, []byte("SELECT"), []byte(strconv.Itoa(db)))
		*selected = db
	}
	return aof.AppendCommand(b, argv...)
}

// copyArgv copies argv: arguments may point into buffers reused before
// the stream is written (scripts, read buffers).
func copyArgv(argv [][]byte) [][]byte {
	n := 0
	for _, a := range argv {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(argv))
	for i, a := range argv {
		start := len(buf)
		buf = append(buf, a...)
		out[i] = buf[start:len(buf):len(buf)]
	}
	return out
}

// propRule is a command's propagation entry.
type propRule struct {
	never    bool // EXEC and scripts: only their effects propagate
	force    bool // propagate even when nothing changed
	replOnly bool // replicas only (PUBLISH)
	// arbitraryKeys: the command may expire keys it did not declare
	// (RANDOMKEY, SCAN); they propagate without MULTI/EXEC.
	arbitraryKeys bool
	rewrite       func(x *Ctx) [][]byte
}

// propRules is the per-command propagation table (by full name); commands
// not listed propagate their own argv when they changed data.
var propRules = map[string]propRule{
	"exec":       {never: true},
	"eval":       {never: true},
	"evalsha":    {never: true},
	"eval_ro":    {never: true},
	"evalsha_ro": {never: true},
	"fcall":      {never: true},
	"fcall_ro":   {never: true},
	"flushall":   {force: true},
	"randomkey":  {arbitraryKeys: true},
	"scan":       {arbitraryKeys: true},
	"restore":    {rewrite: rewriteRestore},
	"flushdb":    {force: true},
	"publish":    {replOnly: true, force: true},
	"spublish":   {replOnly: true, force: true},

	"expire":    {rewrite: rewriteExpire(1000, false)},
	"pexpire":   {rewrite: rewriteExpire(1, false)},
	"expireat":  {rewrite: rewriteExpire(1000, true)},
	"pexpireat": {rewrite: rewriteExpire(1, true)},
	"setex":     {rewrite: func(x *Ctx) [][]byte { return propSetPXAT(x, x.args[1], x.args[3], x.now+atoi(x.args[2])*1000) }},
	"psetex":    {rewrite: func(x *Ctx) [][]byte { return propSetPXAT(x, x.args[1], x.args[3], x.now+atoi(x.args[2])) }},
	"set":       {rewrite: rewriteSet},
	"getex":     {rewrite: rewriteGetex},
	"getdel":    {rewrite: func(x *Ctx) [][]byte { return argv("DEL", x.args[1]) }},
	"getset":    {rewrite: func(x *Ctx) [][]byte { return argv("SET", x.args[1], x.args[2]) }},
	"incrbyfloat": {rewrite: func(x *Ctx) [][]byte {
		// The float result is what replays identically everywhere.
		if e := x.db.Peek(x.args[1]); e != nil && e.Type == keyspace.TypeString {
			return argv("SET", x.args[1], e.Str, []byte("KEEPTTL"))
		}
		return x.args
	}},
	"hincrbyfloat": {rewrite: func(x *Ctx) [][]byte {
		if e := x.db.Peek(x.args[1]); e != nil && e.Type == keyspace.TypeHash {
			if v, ok := hashOf(e).Get(x.args[2]); ok {
				return argv("HSET", x.args[1], x.args[2], v)
			}
		}
		return x.args
	}},
	"hexpire":   {rewrite: rewriteHExpire(1000, false)},
	"hpexpire":  {rewrite: rewriteHExpire(1, false)},
	"hexpireat": {rewrite: rewriteHExpire(1000, true)},
}

// argv builds an argument vector from a command name and arguments.
func argv(name string, args ...[]byte) [][]byte {
	return append([][]byte{[]byte(name)}, args...)
}

func msArg(ms int64) []byte { return strconv.AppendInt(nil, ms, 10) }

// propSetPXAT is "SET key value PXAT ms", what every relative string TTL
// becomes.
func propSetPXAT(_ *Ctx, key, value []byte, ms int64) [][]byte {
	return argv("SET", key, value, []byte("PXAT"), msArg(ms))
}

// rewriteExpire turns EXPIRE/PEXPIRE/EXPIREAT into PEXPIREAT with an
// absolute time (keeping NX/XX/GT/LT), or into DEL when that time had
// already passed and the key was deleted.
func rewriteExpire(unit int64, absolute bool) func(x *Ctx) [][]byte {
	return func(x *Ctx) [][]byte {
		t := atoi(x.args[2])
		when := t * unit
		if !absolute {
			when += x.now
		}
		if when <= x.now {
			return argv("DEL", x.args[1])
		}
		out := argv("PEXPIREAT", x.args[1], msArg(when))
		return append(out, x.args[3:]...)
	}
}

// rewriteRestore gives RESTORE an absolute TTL (ttl+now ... ABSTTL), as
// Redis's restoreCommand rewrites its arguments.
func rewriteRestore(x *Ctx) [][]byte {
	ttl := atoi(x.args[2])
	if ttl <= 0 {
		return x.args
	}
	for _, a := range x.args[4:] {
		if eqFold(a, "absttl") {
			return x.args
		}
	}
	out := append([][]byte{}, x.args...)
	out[2] = msArg(x.now + ttl)
	return append(out, []byte("ABSTTL"))
}

// rewriteHExpire turns HEXPIRE/HPEXPIRE/HEXPIREAT into HPEXPIREAT.
func rewriteHExpire(unit int64, absolute bool) func(x *Ctx) [][]byte {
	return func(x *Ctx) [][]byte {
		when := atoi(x.args[2]) * unit
		if !absolute {
			when += x.now
		}
		out := argv("HPEXPIREAT", x.args[1], msArg(when))
		return append(out, x.args[3:]...)
	}
}

// rewriteSet drops GET and turns EX/PX/EXAT/PXAT into PXAT with an
// absolute time, as Redis's setGenericCommand does.
func rewriteSet(x *Ctx) [][]byte {
	hasGet := false
	for i := 3; i < len(x.args); i++ {
		a := x.args[i]
		var unit int64
		abs := false
		switch {
		case eqFold(a, "ex"):
			unit = 1000
		case eqFold(a, "px"):
			unit = 1
		case eqFold(a, "exat"):
			unit, abs = 1000, true
		case eqFold(a, "pxat"):
			unit, abs = 1, true
		case eqFold(a, "get"):
			hasGet = true
			continue
		default:
			continue
		}
		if i+1 >= len(x.args) {
			break
		}
		when := atoi(x.args[i+1]) * unit
		if !abs {
			when += x.now
		}
		return propSetPXAT(x, x.args[1], x.args[2], when)
	}
	if !hasGet {
		return x.args
	}
	out := make([][]byte, 0, len(x.args))
	for i, a := range x.args {
		if i >= 3 && eqFold(a, "get") {
			continue
		}
		out = append(out, a)
	}
	return out
}

// rewriteGetex: GETEX propagates as PEXPIREAT, DEL (an absolute time in
// the past) or PERSIST.
func rewriteGetex(x *Ctx) [][]byte {
	key := x.args[1]
	if len(x.args) < 3 {
		return x.args
	}
	a := x.args[2]
	if eqFold(a, "persist") {
		return argv("PERSIST", key)
	}
	if len(x.args) < 4 {
		return x.args
	}
	t := atoi(x.args[3])
	switch {
	case eqFold(a, "ex"):
		return argv("PEXPIREAT", key, msArg(x.now+t*1000))
	case eqFold(a, "px"):
		return argv("PEXPIREAT", key, msArg(x.now+t))
	case eqFold(a, "exat"), eqFold(a, "pxat"):
		when := t
		if eqFold(a, "exat") {
			when *= 1000
		}
		if when <= x.now {
			return argv("DEL", key)
		}
		return argv("PEXPIREAT", key, msArg(when))
	}
	return x.args
}

// popName picks the command name for the end a pop used.
func popName(first bool, a, b string) []byte {
	if first {
		return []byte(a)
	}
	return []byte(b)
}
