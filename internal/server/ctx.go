package server

import (
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/resp"
)

// Ctx is the execution context of one command call.
type Ctx struct {
	s    *Server
	c    *Client
	cmd  *Command
	args [][]byte
	w    *resp.Writer
	db   *keyspace.DB
	now  int64 // ms; one clock read per command, as Redis caches mstime
	// failed records that the call replied with an error.
	failed bool
	// noBlock makes blocking commands reply their timeout reply at once
	// (inside MULTI and scripts).
	noBlock bool
	// reblocking is set when the server re-runs a parked client's command
	// because readyKey received data; stillBlocked reports that there was
	// still nothing to serve.
	reblocking   bool
	stillBlocked bool
	readyKey     []byte
	// prop holds the handler's propagation instructions (propagate.go).
	prop ctxProp
}

// takeCtx returns the client's command context for a top-level command.
// Handlers are called through the command table, so a Ctx on the stack
// would escape: one per client, reused, saves an allocation per command.
// A nested top-level call (none exists today) would get a fresh one.
// Client goroutine only.
func (c *Client) takeCtx() *Ctx {
	if c.ctxBusy {
		return new(Ctx)
	}
	c.ctxBusy = true
	return &c.ctx
}

// releaseCtx gives back a context from takeCtx once its command returned;
// nothing may keep it past the command.
func (c *Client) releaseCtx(x *Ctx) {
	if x == &c.ctx {
		*x = Ctx{}
		c.ctxBusy = false
	}
}

// Err writes an error reply and counts it in the error statistics.
func (x *Ctx) Err(msg string) {
	x.failed = true
	x.s.countError(msg)
	x.w.Error(msg)
}

// ErrArity writes the wrong-arity error for the current command.
func (x *Ctx) ErrArity() { x.Err(errArity(x.cmd.FullName())) }

// lookupRead returns the live entry for a reading command, counting hits/misses.
func (x *Ctx) lookupRead(key []byte) *keyspace.Entry { return x.db.LookupRead(key, x.now) }

// lookupWrite returns the live entry for a writing command.
func (x *Ctx) lookupWrite(key []byte) *keyspace.Entry { return x.db.Lookup(key, x.now) }

// changed reports a write to key.
func (x *Ctx) changed(key []byte, class int, event string) { x.db.Changed(key, class, event) }

// newAccess is the access field of a value created by this command (the
// LRU clock, or a fresh LFU counter).
func (x *Ctx) newAccess() uint32 { return x.db.Keyspace().NewAccess(x.now) }
