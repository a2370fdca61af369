package server

import (
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/peregrinedb/peregrine/internal/acl"
	"github.com/peregrinedb/peregrine/internal/resp"
)

// Client flags.
const (
	clientMonitor = 1 << iota
	clientCloseAfterReply
	clientReplyOff
	clientReplySkipNext
	clientReplySkip
	clientNoEvict
	clientNoTouch
	clientPubsub
	clientReplica // a replica attached with SYNC/PSYNC (replication_master.go)
	clientMaster  // the master's stream on a replica (replication_replica.go)
	// clientCloseASAP: the client overcame its output limit; it is
	// closed without the pending replies (obuf.go).
	clientCloseASAP
)

// Client is one connection's state. Fields changed by commands are guarded
// by the keyspace lock (commands run under it, and so does CLIENT LIST);
// the atomics are updated outside it by the connection goroutine.
type Client struct {
	// ctx is the reused context of this client's commands (takeCtx).
	ctx     Ctx
	ctxBusy bool
	// pf is the lookahead that loads the keys of pipelined commands
	// before they run (prefetch.go).
	pf      prefetchState
	id      int64
	srv     *Server
	conn    net.Conn
	out     io.Writer // conn's writes (rawio.go); nil for in-process clients
	rd      *resp.Reader
	raw     *rawReader // the reader under rd for plain sockets (conn.go's serveRaw), else nil
	w       *resp.Writer
	addr    string
	laddr   string
	fd      int
	db      int
	name    string
	user    string
	aclUser *acl.Ref // the ACL user (acl.go); nil for internal clients, which may run anything
	authed  bool
	flags   int
	lib     string
	libVer  string

	createdMs  int64
	lastCmd    *Command     // the last command run (its name is built only when shown)
	lastActive atomic.Int64 // ms of the last command
	// clock is the last clock reading: the end of the previous command, or
	// the arrival of the current batch. Chaining readings this way costs one
	// clock read per command (see execute).
	clock    time.Time
	qbuf     atomic.Int64 // bytes buffered, for CLIENT LIST
	qbufFree atomic.Int64 // free room in the query buffer
	lastTrim time.Time    // last query buffer trim check (connection goroutine)
	// wake is set by the cron before it interrupts the client's blocked
	// read to make it release an idle query buffer.
	wake     atomic.Bool
	killed   atomic.Bool
	outMu    sync.Mutex // guards async output (monitor, pub/sub)
	async    *outbox
	subs     clientSubs     // pub/sub subscriptions (keyspace lock)
	tracking *trackingState // client-side caching mode, nil when off
	multi    *multiState    // open transaction (MULTI), nil outside one
	dirtyCAS bool           // a WATCHed key changed
	watched  []watchedKey   // keys under WATCH
	// blocked is the request of a client parked by a blocking command
	// (guarded by the keyspace lock); pendingBlock is the connection
	// goroutine's own copy, taken when the command returns.
	blocked      *blockState
	pendingBlock *blockState
	preBlock     []byte // replies produced before the blocking command
	totalIn      atomic.Int64
	totalOut     atomic.Int64
	watchedBytes int64 // key bytes under WATCH (client memory)
	// Client memory (clientmem.go): memOwn is the published own part,
	// memSeen the connection goroutine's last computation of it; memReplica
	// says which total it is in.
	memOwn     atomic.Int64
	memSeen    int64
	memReplica bool
	// Replication (replication_master.go; keyspace lock): the REPLCONF
	// announcements, the replica state once SYNC/PSYNC ran, a WAIT.
	replConf *replConfig
	replica  *replica
	waitReq  *waitReq
}

// outbox holds output produced for a client by other clients (MONITOR
// feeds), drained by a writer goroutine so a slow reader never blocks them.
type outbox struct {
	mu  sync.Mutex
	buf []byte
	// writing is the bytes taken from buf for a write(2) in progress:
	// pending output too (CLIENT LIST omem, the output limits).
	writing int
	// outCap is the capacity of the buffer the writer holds; mem the
	// capacity of both as published in ctr (client memory, clientmem.go).
	outCap int
	mem    int64
	ctr    *atomic.Int64
	signal chan struct{}
	closed bool
	// softSince is when the pending output first passed the soft limit.
	softSince time.Time
	// done is closed when the writer goroutine has exited.
	done chan struct{}
}

// outboxKeepCap is the largest buffer an outbox keeps once written: a
// bigger one is dropped, as Redis frees reply blocks once they are sent.
const outboxKeepCap = 64 << 10

// push appends data; it returns false if the client exceeded limit bytes
// of pending output and must be disconnected.
func (o *outbox) push(b []byte, limit int) bool {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return true
	}
	o.buf = append(o.buf, b...)
	over := limit > 0 && len(o.buf) > limit
	o.account()
	o.mu.Unlock()
	select {
	case o.signal <- struct{}{}:
	default:
	}
	return !over
}

// send writes the client's pending replies: directly to the socket, or
// through its outbox once it receives asynchronous messages, so that order
// is kept.
func (c *Client) send(b []byte) error {
	if len(b) == 0 || c.replica != nil {
		// A replica's socket belongs to its replication writer; its
		// commands (REPLCONF ACK) get no replies.
		return nil
	}
	c.totalOut.Add(int64(len(b)))
	c.srv.stats.netOutput.Add(int64(len(b)))
	c.outMu.Lock()
	ob := c.async
	c.outMu.Unlock()
	rw, raw := c.out.(*rawWriter)
	if ob == nil && !raw && c.conn != nil {
		// Not a plain socket (TLS): its write could block this reader,
		// so replies always go through the outbox's writer.
		ob = c.asyncOutbox()
	}
	if ob != nil {
		c.queueReply(ob, b, rw)
		return nil
	}
	// AOF: writes reach the file (and the disk with appendfsync always)
	// before their replies leave (aof.go).
	if err := c.srv.aofBarrier(); err != nil {
		return err
	}
	if raw {
		// A client that does not read its replies fills the socket: the
		// rest waits in an outbox, as Redis keeps it in the client's
		// output buffer, and the client's next commands are still read
		// and run (their replies queue behind). Its memory counts
		// (clientmem.go) and its output limit applies.
		n, err := rw.TryWrite(b)
		if err != nil || n == len(b) {
			return err
		}
		if ob := c.asyncOutbox(); ob != nil {
			c.queueReply(ob, b[n:], nil)
			return nil
		}
		_, err = c.out.Write(b[n:])
		return err
	}
	_, err := c.out.Write(b)
	return err
}

// queueReply queues the client's replies or pushes in its outbox; past its
// output limit (client-output-buffer-limit, its class) it is closed. With
// rw (a plain socket) and nothing pending, b is first offered to the
// socket directly: a client whose held output drained does not pay the
// writer's wake-up for every later reply.
func (c *Client) queueReply(ob *outbox, b []byte, rw *rawWriter) {
	lim := c.srv.obufLimit(c)
	ob.mu.Lock()
	if ob.closed {
		ob.mu.Unlock()
		return
	}
	if rw != nil && len(ob.buf) == 0 && ob.writing == 0 && c.flags&clientPubsub == 0 {
		if err := c.srv.aofBarrier(); err != nil {
			ob.mu.Unlock()
			c.kill()
			return
		}
		n, err := rw.TryWrite(b)
		if err != nil {
			ob.mu.Unlock()
			c.kill()
			return
		}
		if b = b[n:]; len(b) == 0 {
			ob.mu.Unlock()
			return
		}
	}
	ob.buf = append(ob.buf, b...)
	ob.account()
	over := overOutputLimit(lim, uint64(len(ob.buf)+ob.writing), &ob.softSince)
	ob.mu.Unlock()
	if over {
		c.srv.closeOverOutputLimit(c)
		return
	}
	select {
	case ob.signal <- struct{}{}:
	default:
	}
}

// pushAsync queues output produced by another client (e.g. MONITOR lines).
func (c *Client) pushAsync(b []byte) {
	c.outMu.Lock()
	ob := c.async
	c.outMu.Unlock()
	if ob == nil {
		return
	}
	c.totalOut.Add(int64(len(b)))
	c.srv.stats.netOutput.Add(int64(len(b)))
	if !ob.push(b, 64<<20) {
		c.kill()
	}
}

// startAsync switches the client to outbox delivery and starts its writer.
func (c *Client) startAsync() { c.asyncOutbox() }

// asyncOutbox starts the writer goroutine if needed and returns the
// client's outbox (nil for in-process clients, which have no socket to push
// to): one lock on the path of every published message.
func (c *Client) asyncOutbox() *outbox {
	c.outMu.Lock()
	if ob := c.async; ob != nil || c.conn == nil {
		c.outMu.Unlock()
		return ob
	}
	ob := &outbox{signal: make(chan struct{}, 1), done: make(chan struct{})}
	if !c.memReplica {
		ob.ctr = &c.srv.cmem.normal
	}
	c.async = ob
	c.outMu.Unlock()
	c.runOutbox(ob)
	return ob
}

// runOutbox is the writer goroutine of ob.
func (c *Client) runOutbox(ob *outbox) {
	go func() {
		defer close(ob.done)
		var out []byte
		for range ob.signal {
			// Let the goroutines already runnable (publishers' pipelines
			// among them) run first, so that their messages join this
			// write: Redis likewise writes each subscriber once per event
			// loop turn. Measured at 100 subscribers, pipeline 16: 15x
			// fewer write(2) calls.
			runtime.Gosched()
			ob.mu.Lock()
			out, ob.buf = ob.buf, out[:0]
			ob.writing = len(out)
			ob.outCap = cap(out)
			closed := ob.closed
			ob.mu.Unlock()
			if len(out) > 0 {
				if err := c.srv.aofBarrier(); err != nil { // AOF (aof.go)
					c.kill()
					return
				}
				if _, err := c.out.Write(out); err != nil {
					c.kill()
					return
				}
				if cap(out) > outboxKeepCap {
					out = nil
				}
				ob.mu.Lock()
				ob.writing = 0
				ob.outCap = cap(out)
				ob.account()
				ob.mu.Unlock()
			}
			if closed {
				return
			}
		}
	}()
}

// stopAsync ends the writer goroutine after it drains pending output
// (waiting a bounded time for it, so a final reply such as QUIT's OK is
// written before the connection closes).
func (c *Client) stopAsync() {
	c.outMu.Lock()
	ob := c.async
	c.outMu.Unlock()
	if ob == nil {
		return
	}
	ob.mu.Lock()
	ob.closed = true
	ob.mu.Unlock()
	select {
	case ob.signal <- struct{}{}:
	default:
	}
	select {
	case <-ob.done:
	case <-time.After(time.Second):
	}
}

// kill ends the client's connection; its goroutine then cleans up and
// closes it (removeClient). A plain socket is shut down rather than closed:
// its goroutine may be inside a read session on it (conn.go's serveRaw),
// and Close would wait for that session to end, possibly behind the caller.
// The peer sees the connection end at once either way.
func (c *Client) kill() {
	if !c.killed.CompareAndSwap(false, true) || c.conn == nil {
		return
	}
	if c.raw == nil {
		c.conn.Close()
		return
	}
	_ = c.raw.rc.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
	// Wake a goroutine parked on a read or a write.
	_ = c.conn.SetDeadline(time.Unix(1, 0))
}

// pendingOutput is the output a client has queued and not yet handed to
// the kernel: CLIENT LIST's omem. Only clients with an outbox queue
// output; the others write their replies synchronously.
func (c *Client) pendingOutput() int64 {
	c.outMu.Lock()
	ob := c.async
	c.outMu.Unlock()
	if ob == nil {
		return 0
	}
	ob.mu.Lock()
	defer ob.mu.Unlock()
	return int64(len(ob.buf) + ob.writing)
}
