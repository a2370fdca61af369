package server

import (
	"context"
	"fmt"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/rdb"
	"strings"
)

// persistenceCommands are SAVE, BGSAVE, DUMP and RESTORE.
func persistenceCommands() []*Command {
	return []*Command{
		spec("save", 1, "admin noscript no_async_loading no_multi", 0, 0, 0, "server", saveCommand).acl("@dangerous"),
		spec("bgsave", -1, "admin noscript no_async_loading", 0, 0, 0, "server", bgsaveCommand).acl("@dangerous"),
		spec("dump", 2, "readonly", 1, 1, 1, "generic", dumpCommand).acl("@keyspace"),
		spec("restore", -4, "write denyoom", 1, 1, 1, "generic", restoreCommand).acl("@keyspace", "@dangerous"),
	}
}

func saveCommand(x *Ctx) {
	if x.s.persist.bgsave != nil {
		x.Err(errBgsaveRunning)
		return
	}
	x.s.persist.saves++
	if err := x.s.saveLocked(); err != nil {
		x.Err("ERR")
		return
	}
	x.w.OK()
}

func bgsaveCommand(x *Ctx) {
	schedule := false
	if len(x.args) > 1 {
		if len(x.args) != 2 || !eqFold(x.args[1], "schedule") {
			x.Err(errSyntax)
			return
		}
		schedule = true
	}
	switch {
	case x.s.persist.bgsave != nil && schedule:
		// Redis schedules only behind another kind of child (an AOF
		// rewrite); behind a running BGSAVE it refuses either way.
		x.Err(errBgsaveRunning)
	case x.s.persist.bgsave != nil:
		x.Err(errBgsaveRunning)
	case x.s.aof.rewriting.Load() && schedule, x.noBlock:
		// Inside MULTI/EXEC Redis defers the save to after the transaction.
		x.s.persist.scheduled = true
		x.w.Simple("Background saving scheduled")
	case x.s.aof.rewriting.Load():
		x.Err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
	default:
		if err := x.s.startBgsave(); err != nil {
			x.Err("ERR " + err.Error())
			return
		}
		x.w.Simple("Background saving started")
	}
}

func dumpCommand(x *Ctx) {
	e := x.lookupRead(x.args[1])
	if e == nil {
		x.w.Null()
		return
	}
	o := x.s.rdbWriteOptions()
	p, err := rdb.Payload(e, &o)
	if err != nil {
		x.Err("ERR " + err.Error())
		return
	}
	x.w.Bulk(p)
}

// restoreCommand implements RESTORE key ttl payload [REPLACE] [ABSTTL]
// [IDLETIME seconds] [FREQ frequency]. IDLETIME applies under an LRU
// policy and FREQ under an LFU one; each is ignored otherwise, as in Redis.
func restoreCommand(x *Ctx) {
	var replace, absttl bool
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(x.args); j++ {
		more := len(x.args) - j - 1
		switch a := x.args[j]; {
		case eqFold(a, "replace"):
			replace = true
		case eqFold(a, "absttl"):
			absttl = true
		case eqFold(a, "idletime") && more >= 1 && freq == -1:
			n, ok := parseInt(x.args[j+1])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n < 0 {
				x.Err("ERR Invalid IDLETIME value, must be >= 0")
				return
			}
			idle = n
			j++
		case eqFold(a, "freq") && more >= 1 && idle == -1:
			n, ok := parseInt(x.args[j+1])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n < 0 || n > 255 {
				x.Err("ERR Invalid FREQ value, must be >= 0 and <= 255")
				return
			}
			freq = n
			j++
		default:
			x.Err(errSyntax)
			return
		}
	}
	key := x.args[1]
	if !replace && x.lookupWrite(key) != nil {
		x.Err("BUSYKEY Target key name already exists.")
		return
	}
	ttl, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if ttl < 0 {
		x.Err("ERR Invalid TTL value, must be >= 0")
		return
	}
	payload := x.args[3]
	if !rdb.VerifyPayload(payload, x.s.debug.skipChecksumValidation.Load()) {
		x.Err("ERR DUMP payload version or checksum are wrong")
		return
	}
	lim := x.s.rdbLimits()
	lim.Shallow = !x.sanitizePayload()
	if lim.Shallow {
		lim.Warn = func(msg string) { x.s.log.Warn("RESTORE of key '" + string(key) + "': " + msg) }
	}
	e, err := rdb.ParsePayload(payload, &lim)
	if err != nil {
		// Redis logs what was wrong at verbose level and answers with
		// the bare error.
		x.s.log.Log(context.Background(), LevelVerbose, "Internal error in RDB reading (RESTORE payload) -> "+capitalize(strings.TrimPrefix(err.Error(), rdb.ErrBadPayload.Error()+": ")))
		x.Err("ERR Bad data format")
		return
	}
	deleted := false
	if replace {
		deleted = x.db.Delete(key)
	}
	if ttl != 0 && !absttl {
		ttl += x.now
	}
	if ttl != 0 && ttl <= x.now {
		// Already expired: nothing is created (an old value is gone).
		if deleted {
			x.changed(key, keyspace.NotifyGeneric, "del")
		}
		x.w.OK()
		return
	}
	e.Expire = ttl
	e.Access = x.newAccess()
	x.db.Keyspace().SetAccessRestored(x.db.Set(key, e), freq, idle, x.now)
	x.changed(key, keyspace.NotifyGeneric, "restore")
	x.w.OK()
}

// sanitizePayload reports whether this RESTORE's payload is deep-sanitized
// (sanitize-dump-payload): always with yes, never with no, and with
// clients unless the command is replayed from the AOF or comes from the
// master or from a user with
// skip-sanitize-payload. Without it the payload is decoded as Redis loads
// an unsanitized one (rdb.Limits.Shallow).
func (x *Ctx) sanitizePayload() bool {
	switch x.s.cfg.Int("sanitize-dump-payload") {
	case 1:
		return true
	case 2:
		if x.s.prop.loading || x.c == nil || x.c.flags&clientMaster != 0 { // AOF replay, master
			return false
		}
		if x.c.aclUser != nil && x.c.aclUser.User().SkipSanitizePayload() {
			return false
		}
		return true
	}
	return false
}

// flushallPersistence is FLUSHALL's part in persistence: a running BGSAVE
// is abandoned (it would only write data that is gone) and, when save
// points are configured, an empty snapshot replaces the file, as Redis
// does. The caller holds the lock.
func (s *Server) flushallPersistence() {
	if job := s.persist.bgsave; job != nil {
		job.cancel.Store(true)
	}
	for _, r := range s.repl.replicas {
		// As Redis kills its RDB child, replication's included: the
		// replicas whose snapshot is being produced sync again.
		if r.state == replWaitBgsave && !r.pending {
			s.log.Warn(fmt.Sprintf("Replica %s: full sync snapshot abandoned by FLUSHALL, disconnecting it", r.c.addr))
			r.c.kill()
		}
	}
	if len(s.cfg.SaveParams()) > 0 {
		if err := s.saveLocked(); err != nil {
			s.log.Warn("FLUSHALL could not save the empty dataset: " + err.Error())
		}
	}
}
