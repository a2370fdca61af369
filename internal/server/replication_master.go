package server

import (
	"bytes"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peregrinedb/peregrine/internal/aof"
	"github.com/peregrinedb/peregrine/internal/resp"
)

// The master side of replication, as Redis 7.0 speaks it on the wire.
//
// A replica connects as a normal client, announces itself with REPLCONF
// and asks for the stream with PSYNC (or the old SYNC). A full resync
// begins a point-in-time snapshot in the same hold of the keyspace lock
// that records the stream offset, so the RDB plus the stream from that
// offset is exactly the dataset. The stream is the propagation stream of
// propagate.go (the same operations the AOF receives, with its own SELECT
// state): it is appended to the backlog and to each replica's output
// buffer, which the replica's writer goroutine sends after the RDB. A
// replica that comes back with PSYNC <replid> <offset> inside the backlog
// gets +CONTINUE and the missing bytes.

// replicaState is where a replica is in its synchronization.
type replicaState int

const (
	replWaitBgsave replicaState = iota // snapshot being produced
	replSendBulk                       // RDB being sent
	replOnline                         // streaming
)

func (st replicaState) String() string {
	switch st {
	case replWaitBgsave:
		return "wait_bgsave"
	case replSendBulk:
		return "send_bulk"
	}
	return "online"
}

// replica is a connected replica (the master's view of it).
type replica struct {
	c *Client
	// Guarded by the keyspace lock.
	state      replicaState
	listenPort int
	announceIP string
	capaEOF    bool
	capaPsync2 bool
	prePsync   bool  // came with SYNC: no ACKs, no timeout
	ackOff     int64 // last REPLCONF ACK offset
	ackTime    int64 // unix ms of the last ACK
	// pending: a diskless transfer delayed by repl-diskless-sync-delay
	// since waitSince; start receives its start. Such a replica gets
	// no stream yet.
	pending   bool
	waitSince time.Time
	start     chan fullStart
	// waitFirstAck holds the stream back until the replica acknowledges
	// an EOF-marked (diskless) RDB, as Redis does: the replica must not
	// read stream bytes together with the RDB's end mark.
	waitFirstAck bool

	// Output, guarded by mu.
	mu        sync.Mutex
	buf       []byte
	writing   int   // bytes taken from buf and being written to the socket
	outCap    int   // capacity of the buffer being written
	mem       int64 // capacity of both buffers as published (clientmem.go)
	streaming bool  // buf may be written to the socket
	closed    bool
	softSince time.Time
	newlines  int // keep-alive newlines a delayed transfer's writer owes
	// bulkWriteSince is when the diskless transfer's current write to
	// the socket began (unix ms), 0 between writes.
	bulkWriteSince atomic.Int64
	signal         chan struct{}
	done           chan struct{}
}

// replConfig is the client's REPLCONF announcements before it turns replica.
type replConfig struct {
	listenPort int
	announceIP string
	capaEOF    bool
	capaPsync2 bool
}

// replState is the server's replication state (keyspace lock).
type replState struct {
	backlog   *replBacklog
	offset    int64 // master_repl_offset
	secondOff int64 // second_repl_offset
	selDB     int   // database of the last SELECT in the stream, -1 none
	// streamDB is, on a replica, the database its master's stream was in
	// when the link ended (or as the RDB file recorded): a partial resync
	// continues there.
	streamDB   int
	replicas   []*replica
	scratch    []byte
	noReplicas time.Time // since when no replica is connected (backlog TTL)
	cronLoops  int64
	lastCron   time.Time
	waiters    []*Client // clients parked in WAIT
	// isReplica is set while this server replicates from link's master.
	isReplica atomic.Bool
	link      *masterLink
	// good is the number of replicas within min-replicas-max-lag.
	good atomic.Int64

	syncFull, syncPartialOK, syncPartialErr atomic.Int64
	// rdbRuns counts the snapshots of full resynchronizations in
	// progress (INFO rdb_bgsave_in_progress, as Redis's fork child).
	rdbRuns atomic.Int64
}

// waitReq is what a client parked in WAIT waits for.
type waitReq struct {
	offset int64
	n      int64
}

// replicating reports whether the stream is being produced: a backlog
// exists (it does whenever a replica is attached).
func (s *Server) replicating() bool { return s.repl.backlog != nil }

// replFeed appends encoded stream bytes to the backlog and every replica
// (keyspace lock held).
func (s *Server) replFeed(b []byte) {
	if len(b) == 0 || s.repl.backlog == nil {
		return
	}
	s.repl.backlog.write(b)
	s.repl.offset += int64(len(b))
	for _, r := range s.repl.replicas {
		s.replicaPush(r, b)
	}
}

// replFeedCommand feeds one command that touches no key (PING, REPLCONF
// GETACK): no SELECT precedes it.
func (s *Server) replFeedCommand(args ...string) {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	s.replFeed(aof.AppendCommand(nil, argv...))
}

// replicaPush queues stream bytes for one replica, enforcing the replica
// class of client-output-buffer-limit.
func (s *Server) replicaPush(r *replica, b []byte) {
	if r.pending {
		return // its stream starts with its snapshot
	}
	lim := s.live.obuf.Load()[1]
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.buf = append(r.buf, b...)
	s.replicaAccount(r)
	over := overOutputLimit(lim, uint64(len(r.buf)), &r.softSince)
	r.mu.Unlock()
	if over {
		s.log.Warn(fmt.Sprintf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", r.c.addr))
		r.c.kill()
		return
	}
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// bulkWriter records when a write of a diskless transfer started, so the
// cron can drop a replica that stopped reading (repl-timeout).
type bulkWriter struct {
	w io.Writer
	r *replica
}

func (b *bulkWriter) Write(p []byte) (int, error) {
	b.r.bulkWriteSince.Store(time.Now().UnixMilli())
	n, err := b.w.Write(p)
	b.r.bulkWriteSince.Store(0)
	return n, err
}

// gone reports whether the replica was killed or disconnected: a
// snapshot only it waits for stops.
func (r *replica) gone() bool {
	if r.c.killed.Load() {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// startStreaming lets the writer send the buffered stream.
func (r *replica) startStreaming() {
	r.mu.Lock()
	r.streaming = true
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// ensureBacklog creates the backlog, with a fresh replication ID as Redis
// does when it starts one from scratch.
func (s *Server) ensureBacklog() {
	if s.repl.backlog != nil {
		return
	}
	s.changeReplID()
	s.repl.secondOff = -1
	s.repl.backlog = newReplBacklog(s.cfg.Int("repl-backlog-size"))
	s.repl.selDB = -1
}

// replicationCommands lists the replication commands.
func replicationCommands() []*Command {
	return []*Command{
		spec("role", 1, "noscript loading stale fast", 0, 0, 0, "server", roleCommand).acl("@admin", "@dangerous"),
		spec("wait", 3, "noscript", 0, 0, 0, "generic", waitCommand).onlyACL("@connection"),
		spec("readonly", 1, "loading stale fast", 0, 0, 0, "cluster", clusterModeCommand).acl("@connection"),
		spec("readwrite", 1, "loading stale fast", 0, 0, 0, "cluster", clusterModeCommand).acl("@connection"),
		spec("sync", 1, "admin noscript no_async_loading no_multi", 0, 0, 0, "server", syncCommand).acl("@admin", "@slow", "@dangerous"),
		spec("psync", -3, "admin noscript no_async_loading no_multi", 0, 0, 0, "server", syncCommand).acl("@admin", "@slow", "@dangerous"),
		spec("replicaof", 3, "admin noscript stale no_async_loading", 0, 0, 0, "server", replicaofCommand).acl("@admin", "@slow", "@dangerous"),
		spec("slaveof", 3, "admin noscript stale no_async_loading", 0, 0, 0, "server", replicaofCommand).acl("@admin", "@slow", "@dangerous"),
		spec("replconf", -1, "admin noscript loading stale allow_busy", 0, 0, 0, "server", replconfCommand).acl("@admin", "@slow", "@dangerous"),
	}
}

func clusterModeCommand(x *Ctx) { x.Err("ERR This instance has cluster support disabled") }

func roleCommand(x *Ctx) {
	s := x.s
	if s.replicaRole(x) {
		return
	}
	x.w.Array(3)
	x.w.BulkString("master")
	x.w.Int(s.repl.offset)
	n := 0
	for _, r := range s.repl.replicas {
		if r.state == replOnline {
			n++
		}
	}
	x.w.Array(n)
	for _, r := range s.repl.replicas {
		if r.state != replOnline {
			continue
		}
		x.w.Array(3)
		x.w.BulkString(r.ip())
		x.w.BulkString(strconv.Itoa(r.listenPort))
		x.w.BulkString(strconv.FormatInt(r.ackOff, 10))
	}
}

// ip is the replica's address as INFO and ROLE show it.
func (r *replica) ip() string {
	if r.announceIP != "" {
		return r.announceIP
	}
	addr := r.c.addr
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

// replconfCommand is REPLCONF option value ...: the replica's
// announcements and acknowledgements.
func replconfCommand(x *Ctx) {
	if len(x.args)%2 == 0 {
		x.Err(errSyntax)
		return
	}
	c := x.c
	if c.replConf == nil {
		c.replConf = &replConfig{}
	}
	for i := 1; i < len(x.args); i += 2 {
		opt, val := strings.ToLower(string(x.args[i])), x.args[i+1]
		switch opt {
		case "listening-port":
			p, ok := parseInt(val)
			if !ok {
				x.Err(errNotInt)
				return
			}
			c.replConf.listenPort = int(p)
		case "ip-address":
			c.replConf.announceIP = string(val)
		case "capa":
			switch strings.ToLower(string(val)) {
			case "eof":
				c.replConf.capaEOF = true
			case "psync2":
				c.replConf.capaPsync2 = true
			}
		case "ack":
			// Acknowledgements get no reply.
			r := c.replica
			if r == nil {
				return
			}
			if off, ok := parseInt(val); ok && off > r.ackOff {
				r.ackOff = off
			}
			r.ackTime = time.Now().UnixMilli()
			if r.waitFirstAck {
				r.waitFirstAck = false
				r.startStreaming()
			}
			x.s.refreshGoodReplicas()
			x.s.serveWaiters()
			x.s.failoverCron(time.Now()) // this ACK may be the one a failover waits for
			return
		case "getack":
			if x.s.replicaAnswerGetack(x) {
				return
			}
			// A master has nothing to acknowledge.
			return
		case "rdb-only", "rdb-filter-only":
			// Accepted for compatibility; the full RDB is always sent.
		default:
			x.Err("ERR Unrecognized REPLCONF option: " + string(x.args[i]))
			return
		}
	}
	x.w.OK()
}

// syncCommand is SYNC and PSYNC replid offset.
func syncCommand(x *Ctx) {
	s, c := x.s, x.c
	if c.replica != nil {
		return // already a replica: ignore
	}
	if c.multi != nil {
		x.Err("ERR Replica can't be in a transaction")
		return
	}
	if c.conn == nil {
		x.Err("ERR SYNC needs a network connection")
		return
	}
	psync := strings.EqualFold(string(x.args[0]), "psync")
	if psync {
		if _, ok := parseInt(x.args[2]); !ok {
			s.log.Warn(fmt.Sprintf("Replica %s asks for synchronization but with a wrong offset", c.addr))
			x.Err(errNotInt)
			return
		}
	}
	if psync && len(x.args) > 3 && eqFold(x.args[3], "failover") && !s.failoverPromote(x) {
		return
	}
	if s.fo.phase != noFailover {
		// Replicas cannot sync with a server that is switching roles.
		x.Err("NOMASTERLINK Can't SYNC while failing over")
		return
	}
	if msg := s.replicaSyncRefusal(); msg != "" {
		x.Err(msg)
		return
	}
	conf := replConfig{}
	if c.replConf != nil {
		conf = *c.replConf
	}
	r := &replica{c: c, listenPort: conf.listenPort, announceIP: conf.announceIP,
		capaEOF: conf.capaEOF, capaPsync2: conf.capaPsync2, prePsync: !psync,
		ackTime: time.Now().UnixMilli(), signal: make(chan struct{}, 1), done: make(chan struct{})}
	// Replies produced earlier in this batch go out first.
	prefix := append([]byte(nil), c.w.Bytes()...)
	c.replica = r
	c.flags |= clientReplica
	c.setMemoryClass(true)

	if psync && s.tryPartialResync(x, r, prefix) {
		return
	}
	if psync {
		if id := string(x.args[1]); id != "?" {
			s.repl.syncPartialErr.Add(1)
		}
	}
	s.repl.syncFull.Add(1)
	// Full resynchronization.
	r.state = replWaitBgsave
	eof := r.capaEOF && s.cfg.Bool("repl-diskless-sync")
	s.log.Info(fmt.Sprintf("Replica %s asks for synchronization", r.c.addr))
	if delay := s.cfg.Int("repl-diskless-sync-delay"); eof && delay > 0 || s.ks.Snapshotting() {
		// As Redis: a diskless transfer waits repl-diskless-sync-delay
		// seconds (or for repl-diskless-sync-max-replicas replicas) so
		// that replicas arriving together start together; meanwhile the
		// replica gets newlines and no +FULLRESYNC yet.
		r.pending = true
		r.waitSince = time.Now()
		r.start = make(chan fullStart, 1)
		s.addReplica(r)
		if s.ks.Snapshotting() {
			// As Redis when it cannot attach the replica to the child
			// running: the next snapshot is its.
			s.log.Info("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC")
		} else {
			s.log.Info("Delay next BGSAVE for diskless SYNC")
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.runReplicaWriter(r, prefix, func(w io.Writer, werr error) error {
				if werr != nil {
					return werr
				}
				fs, err := s.awaitDelayedStart(r, w)
				if err != nil {
					return err
				}
				if psync {
					if _, err := fmt.Fprintf(w, "+FULLRESYNC %s %d\r\n", fs.id, fs.offset); err != nil {
						if fs.sink != nil {
							fs.sink.drop()
						} else {
							s.abandonRun(fs.run)
						}
						return err
					}
				}
				return s.sendFullSync(r, w, eof, fs.run, fs.locked, fs.sink)
			})
		}()
		s.startPendingSyncs(time.Now())
		return
	}
	fs, err := s.beginFullSync()
	if err != nil {
		s.log.Warn("Replication snapshot failed: " + err.Error())
		c.kill()
		return
	}
	if psync {
		prefix = fmt.Appendf(prefix, "+FULLRESYNC %s %d\r\n", fs.id, fs.offset)
	}
	run, locked := fs.run, fs.locked
	s.addReplica(r)
	s.log.Info(fmt.Sprintf("Starting BGSAVE for SYNC with target: %s", map[bool]string{true: "replicas sockets", false: "disk"}[eof]))
	if eof {
		// Redis names its fork child; the transfer runs in this process.
		s.log.Info(fmt.Sprintf("Background RDB transfer started by pid %d", os.Getpid()))
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runReplicaWriter(r, prefix, func(w io.Writer, werr error) error {
			if werr != nil {
				s.abandonRun(run)
				return werr
			}
			return s.sendFullSync(r, w, eof, run, locked, nil)
		})
	}()
}

// fullStart is the point a full resynchronization starts from: the
// replication ID and offset of +FULLRESYNC and the snapshot taken at
// that offset (a running snapshot, or one already written under the
// lock when another snapshot was in progress).
type fullStart struct {
	id     string
	offset int64
	run    *snapshotRun
	locked []byte
	sink   *rdbSink // the replica's share of a snapshot sent to several
	err    error
}

// beginFullSync starts the snapshot of a full resynchronization
// (keyspace lock held).
func (s *Server) beginFullSync() (fullStart, error) {
	s.ensureBacklog()
	s.repl.selDB = -1 // the stream after the RDB starts with a SELECT
	fs := fullStart{offset: s.repl.offset}
	fs.id, _ = s.replIDs()
	if !s.ks.Snapshotting() {
		if run, err := s.beginSnapshotLocked(false); err == nil {
			fs.run = run
			s.repl.rdbRuns.Add(1)
			return fs, nil
		}
	}
	// Another snapshot is running: write this one now, under the lock.
	var buf bytes.Buffer
	if err := s.writeSnapshotLocked(&buf, false); err != nil {
		return fs, err
	}
	fs.locked = buf.Bytes()
	return fs, nil
}

// startPendingSyncs starts the delayed diskless transfers when the
// oldest has waited repl-diskless-sync-delay seconds or
// repl-diskless-sync-max-replicas replicas wait (keyspace lock held;
// called on each SYNC and by the cron).
func (s *Server) startPendingSyncs(now time.Time) {
	waiting := 0
	var oldest time.Time
	for _, r := range s.repl.replicas {
		if r.pending {
			waiting++
			if oldest.IsZero() || r.waitSince.Before(oldest) {
				oldest = r.waitSince
			}
		}
	}
	if waiting == 0 {
		return
	}
	delay := time.Duration(s.cfg.Int("repl-diskless-sync-delay")) * time.Second
	maxReplicas := s.cfg.Int("repl-diskless-sync-max-replicas")
	if !(maxReplicas > 0 && int64(waiting) >= maxReplicas) && now.Sub(oldest) < delay && s.cfg.Bool("repl-diskless-sync") {
		return
	}
	if s.ks.Snapshotting() {
		return // as Redis waits for its child: one snapshot at a time
	}
	var targets []*replica
	for _, r := range s.repl.replicas {
		if r.pending {
			r.pending = false
			targets = append(targets, r)
		}
	}
	s.log.Info("Starting BGSAVE for SYNC with target: replicas sockets")
	fs, err := s.beginFullSync()
	if err == nil {
		s.log.Info(fmt.Sprintf("Background RDB transfer started by pid %d", os.Getpid()))
	}
	fs.err = err
	if err != nil || len(targets) == 1 {
		for _, r := range targets {
			r.start <- fs
		}
		return
	}
	// One snapshot for all of them, copied to each as it is produced.
	fan := &rdbFanout{}
	for _, r := range targets {
		sink := fan.add()
		own := fs
		own.sink = sink
		r.start <- own
	}
	run := fs.run
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := s.finishReplSnapshot(run, fan, fan.allGone)
		alive := fan.finish(err)
		if alive == 0 {
			s.log.Warn("Diskless rdb transfer, last replica dropped, killing fork child.")
		} else {
			s.log.Info(fmt.Sprintf("Diskless rdb transfer, done reading from pipe, %d replicas still up.", alive))
		}
	}()
}

// rdbFanout copies one snapshot to the replicas that start their
// transfer together: each chunk goes to every sink still reading, so the
// slowest replica sets the pace (as Redis's RDB pipe does).
type rdbFanout struct {
	sinks []*rdbSink // fixed before the producer starts
}

// rdbSink is one replica's end of a fanout.
type rdbSink struct {
	ch   chan []byte
	gone chan struct{} // closed when the replica stops reading
	once sync.Once
	err  error // the producer's result, once ch is closed
}

func (f *rdbFanout) add() *rdbSink {
	k := &rdbSink{ch: make(chan []byte, 4), gone: make(chan struct{})}
	f.sinks = append(f.sinks, k)
	return k
}

// Write hands a chunk to every replica still reading; it fails when
// none is left, which ends the snapshot.
func (f *rdbFanout) Write(p []byte) (int, error) {
	chunk := append([]byte(nil), p...)
	alive := 0
	for _, k := range f.sinks {
		select {
		case <-k.gone:
			continue
		default:
		}
		select {
		case k.ch <- chunk:
			alive++
		case <-k.gone:
		}
	}
	if alive == 0 {
		return 0, errors.New("every replica of the transfer is gone")
	}
	return len(p), nil
}

// allGone reports whether no replica reads the transfer any more.
func (f *rdbFanout) allGone() bool {
	for _, k := range f.sinks {
		select {
		case <-k.gone:
		default:
			return false
		}
	}
	return true
}

// finish ends the transfer with the producer's result and returns how
// many replicas were still reading.
func (f *rdbFanout) finish(err error) int {
	alive := 0
	for _, k := range f.sinks {
		k.err = err
		close(k.ch)
		select {
		case <-k.gone:
		default:
			alive++
		}
	}
	return alive
}

// copyTo writes the snapshot's chunks to w as they come.
func (k *rdbSink) copyTo(w io.Writer) error {
	for chunk := range k.ch {
		if _, err := w.Write(chunk); err != nil {
			return err
		}
	}
	return k.err
}

// drop tells the producer this replica reads no more.
func (k *rdbSink) drop() { k.once.Do(func() { close(k.gone) }) }

// awaitDelayedStart waits, on a replica's writer, for its delayed
// transfer to start, sending the newlines the cron asks for meanwhile.
func (s *Server) awaitDelayedStart(r *replica, w io.Writer) (fullStart, error) {
	for {
		select {
		case fs := <-r.start:
			return fs, fs.err
		case <-r.signal:
		}
		r.mu.Lock()
		closed, n := r.closed, r.newlines
		r.newlines = 0
		r.mu.Unlock()
		if closed {
			// The replica went away before its transfer started; a
			// start already sent ends its snapshot.
			select {
			case fs := <-r.start:
				if fs.sink != nil {
					fs.sink.drop()
				} else {
					s.abandonRun(fs.run)
				}
			default:
			}
			return fullStart{}, errors.New("replica disconnected while waiting for the transfer")
		}
		if n > 0 {
			if _, err := w.Write(bytes.Repeat([]byte("\n"), n)); err != nil {
				return fullStart{}, err
			}
		}
	}
}

// tryPartialResync answers PSYNC with +CONTINUE when the requested offset
// is still in the backlog.
func (s *Server) tryPartialResync(x *Ctx, r *replica, prefix []byte) bool {
	reqID := string(x.args[1])
	reqOff, ok := parseInt(x.args[2])
	if !ok || s.repl.backlog == nil {
		return false
	}
	id, id2 := s.replIDs()
	if reqID != id && (reqID != id2 || reqOff > s.repl.secondOff) {
		if reqID != "?" {
			s.log.Info(fmt.Sprintf("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')", reqID, id, id2))
		}
		return false
	}
	first := s.repl.offset - s.repl.backlog.histlen + 1
	if reqOff < first || reqOff > s.repl.offset+1 {
		s.log.Info(fmt.Sprintf("Unable to partial resync with replica %s for lack of backlog (Replica request was: %d).", r.c.addr, reqOff))
		return false
	}
	s.repl.syncPartialOK.Add(1)
	if r.capaPsync2 {
		prefix = fmt.Appendf(prefix, "+CONTINUE %s\r\n", id)
	} else {
		prefix = append(prefix, "+CONTINUE\r\n"...)
	}
	r.state = replOnline
	r.streaming = true
	r.mu.Lock()
	r.buf = append(r.buf, s.repl.backlog.tail(s.repl.offset+1-reqOff)...)
	s.replicaAccount(r)
	r.mu.Unlock()
	s.addReplica(r)
	s.log.Info(fmt.Sprintf("Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from offset %d.", r.c.addr, len(r.buf), reqOff))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runReplicaWriter(r, prefix, nil)
	}()
	return true
}

// addReplica registers r (keyspace lock held).
func (s *Server) addReplica(r *replica) {
	s.repl.replicas = append(s.repl.replicas, r)
	s.repl.noReplicas = time.Time{}
	s.refreshGoodReplicas()
}

// sendFullSync writes the RDB in the form the replica asked for, then
// puts the replica online.
func (s *Server) sendFullSync(r *replica, w io.Writer, eof bool, run *snapshotRun, locked []byte, sink *rdbSink) error {
	if sink != nil {
		// The snapshot is shared: its producer owns it.
		defer sink.drop()
		run = nil
	}
	produce := func(dst io.Writer) error {
		if sink != nil {
			return sink.copyTo(dst)
		}
		if run == nil {
			_, err := dst.Write(locked)
			return err
		}
		return s.finishReplSnapshot(run, dst, r.gone)
	}
	if eof {
		var mark [20]byte
		_, _ = crand.Read(mark[:])
		m := hex.EncodeToString(mark[:])
		// As Redis, a diskless transfer shows wait_bgsave until it ends.
		w = &bulkWriter{w: w, r: r}
		if _, err := io.WriteString(w, "$EOF:"+m+"\r\n"); err != nil {
			s.abandonRun(run)
			return err
		}
		if err := produce(w); err != nil {
			return err
		}
		if _, err := io.WriteString(w, m); err != nil {
			return err
		}
		s.log.Info(fmt.Sprintf("Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming", r.c.addr))
		s.ks.Lock()
		r.state = replOnline
		r.waitFirstAck = true
		r.ackTime = time.Now().UnixMilli()
		s.refreshGoodReplicas()
		s.ks.Unlock()
		return nil
	}
	var buf bytes.Buffer
	if err := produce(&buf); err != nil {
		return err
	}
	s.log.Info("Background saving terminated with success")
	s.setReplicaState(r, replSendBulk)
	if _, err := fmt.Fprintf(w, "$%d\r\n", buf.Len()); err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	s.log.Info(fmt.Sprintf("Synchronization with replica %s succeeded", r.c.addr))
	s.ks.Lock()
	r.state = replOnline
	r.ackTime = time.Now().UnixMilli()
	s.refreshGoodReplicas()
	s.ks.Unlock()
	r.startStreaming()
	return nil
}

// abandonRun ends a begun snapshot that will not be written.
func (s *Server) abandonRun(run *snapshotRun) {
	if run == nil {
		return
	}
	s.ks.Lock()
	run.snap.End()
	s.ks.Unlock()
	s.repl.rdbRuns.Add(-1)
}

// finishReplSnapshot writes a full resynchronization's snapshot.
func (s *Server) finishReplSnapshot(run *snapshotRun, dst io.Writer, canceled func() bool) error {
	defer s.repl.rdbRuns.Add(-1)
	return s.finishSnapshot(run, dst, nil, canceled)
}

func (s *Server) setReplicaState(r *replica, st replicaState) {
	s.ks.Lock()
	r.state = st
	s.ks.Unlock()
}

// runReplicaWriter owns the replica's socket for writing: the reply
// prefix, the RDB (when sync is not nil), then the stream.
func (s *Server) runReplicaWriter(r *replica, prefix []byte, sync func(w io.Writer, prefixErr error) error) {
	defer close(r.done)
	out := &countingWriter{w: r.c.out, c: r.c}
	var perr error
	if len(prefix) > 0 {
		_, perr = out.Write(prefix)
	}
	if perr != nil && sync == nil {
		r.c.kill()
		return
	}
	if sync != nil {
		if err := sync(out, perr); err != nil {
			s.log.Warn(fmt.Sprintf("Full resync with replica %s failed: %v", r.c.addr, err))
			r.c.kill()
			return
		}
	}
	var pending []byte
	for {
		r.mu.Lock()
		closed := r.closed
		if r.streaming {
			pending, r.buf = r.buf, pending[:0]
			r.writing = len(pending)
			r.outCap = cap(pending)
		}
		r.mu.Unlock()
		if len(pending) > 0 {
			if err := s.aofBarrier(); err != nil {
				r.c.kill()
				return
			}
			if _, err := out.Write(pending); err != nil {
				r.c.kill()
				return
			}
			pending = pending[:0]
			if cap(pending) > outboxKeepCap {
				pending = nil // freed once sent, as Redis frees sent blocks
			}
			r.mu.Lock()
			r.writing = 0
			r.outCap = cap(pending)
			s.replicaAccount(r)
			r.mu.Unlock()
			continue
		}
		if closed {
			return
		}
		<-r.signal
	}
}

// replicaGeneratedReply handles a command of a replica's connection that
// produced a reply, which its link cannot carry: as Redis, the master
// logs it and drops the replica.
func (s *Server) replicaGeneratedReply(c *Client, args [][]byte, reply []byte) {
	name := strings.ToLower(string(args[0]))
	if cmd := s.cmds.lookup(args[0]); cmd != nil && cmd.Sub != nil && len(args) >= 2 {
		if sub := cmd.Sub[strings.ToLower(string(args[1]))]; sub != nil {
			name = sub.FullName()
		}
	}
	line := reply
	if i := bytes.IndexByte(line, '\r'); i >= 0 {
		line = line[:i]
	}
	if len(line) > 0 && line[0] == '-' {
		s.log.Warn(fmt.Sprintf("== CRITICAL == This master is sending an error to its replica: '%s' after processing the command '%s'", line[1:], name))
	}
	s.log.Warn(fmt.Sprintf("Replica generated a reply to command '%s', disconnecting it: %q", name, line))
	c.kill()
}

// countingWriter counts a replica's output in the network statistics.
type countingWriter struct {
	w io.Writer
	c *Client
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.c.totalOut.Add(int64(n))
	cw.c.srv.stats.netOutput.Add(int64(n))
	return n, err
}

// replicaGone unregisters a disconnected replica (keyspace lock held).
func (s *Server) replicaGone(c *Client) {
	r := c.replica
	if r == nil {
		return
	}
	for i, x := range s.repl.replicas {
		if x == r {
			s.repl.replicas = append(s.repl.replicas[:i], s.repl.replicas[i+1:]...)
			break
		}
	}
	if len(s.repl.replicas) == 0 {
		s.repl.noReplicas = time.Now()
	}
	r.mu.Lock()
	r.buf, r.outCap = nil, 0
	s.replicaAccount(r)
	r.closed = true
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
	s.log.Info(fmt.Sprintf("Connection with replica %s lost.", c.addr))
	s.refreshGoodReplicas()
	s.serveWaiters()
}

// replicationMasterCron runs once a second: PING to replicas, replica
// timeouts, the backlog's time to live (keyspace lock held).
func (s *Server) replicationMasterCron(now time.Time) {
	st := &s.repl
	s.startPendingSyncs(now)
	if now.Sub(st.lastCron) < time.Second {
		return
	}
	st.lastCron = now
	for _, r := range st.replicas {
		if r.pending {
			// Keep the link of a replica waiting for its transfer alive.
			r.mu.Lock()
			r.newlines++
			r.mu.Unlock()
			select {
			case r.signal <- struct{}{}:
			default:
			}
		}
	}
	loops := st.cronLoops
	st.cronLoops++
	if period := s.cfg.Int("repl-ping-replica-period"); period > 0 && loops%period == 0 && len(st.replicas) > 0 && s.isMaster() &&
		s.fo.phase == noFailover {
		// No PING during a failover: it would move the offset the
		// replicas must acknowledge.
		s.replFeedCommand("PING")
	}
	timeout := s.cfg.Int("repl-timeout") * 1000
	for _, r := range st.replicas {
		if r.state == replOnline && !r.prePsync && now.UnixMilli()-r.ackTime > timeout {
			s.log.Warn(fmt.Sprintf("Disconnecting timedout replica (streaming sync): %s", r.c.addr))
			r.c.kill()
		}
		if since := r.bulkWriteSince.Load(); since != 0 && now.UnixMilli()-since > timeout {
			// The replica stopped reading its diskless transfer.
			s.log.Warn(fmt.Sprintf("Disconnecting timedout replica (full sync): %s", r.c.addr))
			r.c.kill()
		}
	}
	if ttl := s.cfg.Int("repl-backlog-ttl"); ttl > 0 && st.backlog != nil && len(st.replicas) == 0 &&
		!st.noReplicas.IsZero() && now.Sub(st.noReplicas) > time.Duration(ttl)*time.Second && s.isMaster() {
		s.changeReplID()
		st.secondOff = -1
		st.backlog = nil
		s.log.Info(fmt.Sprintf("Replication backlog freed after %d seconds without connected replicas.", ttl))
	}
	s.refreshGoodReplicas()
}

// refreshGoodReplicas counts the replicas within min-replicas-max-lag.
func (s *Server) refreshGoodReplicas() {
	lag := s.scripting.minReplicasLag.Load() * 1000
	now := time.Now().UnixMilli()
	n := int64(0)
	for _, r := range s.repl.replicas {
		if r.state == replOnline && now-r.ackTime <= lag {
			n++
		}
	}
	s.repl.good.Store(n)
}

// notEnoughReplicas is min-replicas-to-write: fewer good replicas than
// required refuse writes (on a master).
func (s *Server) notEnoughReplicas() bool {
	need := s.scripting.minReplicas.Load()
	return need > 0 && s.scripting.minReplicasLag.Load() > 0 && s.isMaster() && s.repl.good.Load() < need
}

// ackedReplicas counts the replicas that acknowledged offset.
func (s *Server) ackedReplicas(offset int64) int64 {
	n := int64(0)
	for _, r := range s.repl.replicas {
		if r.state == replOnline && r.ackOff >= offset {
			n++
		}
	}
	return n
}

// waitCommand is WAIT numreplicas timeout: it blocks until numreplicas
// replicas acknowledged the stream up to now, or the timeout (ms, 0 =
// forever) passes, and replies how many did.
func waitCommand(x *Ctx) {
	s := x.s
	if !s.isMaster() {
		x.Err("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	n, ok := parseInt(x.args[1])
	if !ok {
		x.Err(errNotInt)
		return
	}
	t, ok := parseInt(x.args[2])
	if !ok {
		x.Err("ERR timeout is not an integer or out of range")
		return
	}
	if t < 0 {
		x.Err("ERR timeout is negative")
		return
	}
	offset := s.repl.offset
	acked := s.ackedReplicas(offset)
	if acked >= n || x.noBlock {
		x.w.Int(acked)
		return
	}
	deadline := int64(0)
	if t > 0 {
		deadline = x.now + t
	}
	req := &waitReq{offset: offset, n: n}
	c := x.c
	c.blocked = &blockState{cmd: x.cmd, db: c.db, deadline: deadline, since: time.Now(), done: make(chan struct{}),
		timeoutReply: func(w *resp.Writer) { w.Int(s.ackedReplicas(req.offset)) }}
	c.waitReq = req
	s.stats.blockedClients.Add(1)
	s.repl.waiters = append(s.repl.waiters, c)
	s.replFeedCommand("REPLCONF", "GETACK", "*")
}

// serveWaiters answers the WAIT clients whose replicas acknowledged
// enough (keyspace lock held).
func (s *Server) serveWaiters() {
	if len(s.repl.waiters) == 0 {
		return
	}
	keep := s.repl.waiters[:0]
	for _, c := range s.repl.waiters {
		req := c.waitReq
		if c.blocked == nil || req == nil || c.blocked.cmd.Name != "wait" {
			c.waitReq = nil
			continue
		}
		if acked := s.ackedReplicas(req.offset); acked >= req.n {
			c.w.Int(acked)
			c.waitReq = nil
			s.unblock(c)
			continue
		}
		keep = append(keep, c)
	}
	clear(s.repl.waiters[len(keep):])
	s.repl.waiters = keep
}

// infoReplication writes the INFO replication section.
func (s *Server) infoReplication(w *infoWriter) {
	w.section("Replication")
	if s.isMaster() {
		w.str("role", "master")
	} else {
		w.str("role", "slave")
		s.infoReplicationReplica(w)
	}
	s.infoReplicationMaster(w)
	s.infoReplicationOffsets(w)
}

// infoReplicationMaster writes the replicas of INFO replication.
func (s *Server) infoReplicationMaster(w *infoWriter) {
	st := &s.repl
	w.num("connected_slaves", int64(len(st.replicas)))
	if s.scripting.minReplicas.Load() > 0 && s.scripting.minReplicasLag.Load() > 0 {
		w.num("min_slaves_good_slaves", st.good.Load())
	}
	now := time.Now().Unix()
	for i, r := range st.replicas {
		lag := int64(0)
		if r.state == replOnline {
			lag = now - r.ackTime/1000
		}
		w.str("slave"+strconv.Itoa(i), fmt.Sprintf("ip=%s,port=%d,state=%s,offset=%d,lag=%d", r.ip(), r.listenPort, r.state, r.ackOff, lag))
	}
}

// infoReplicationOffsets writes the replication ID and backlog fields.
func (s *Server) infoReplicationOffsets(w *infoWriter) {
	st := &s.repl
	id, id2 := s.replIDs()
	w.str("master_failover_state", s.fo.phase.String())
	w.str("master_replid", id)
	w.str("master_replid2", id2)
	w.num("master_repl_offset", st.offset)
	w.num("second_repl_offset", st.secondOff)
	var first, hist int64
	if st.backlog != nil {
		hist = st.backlog.histlen
		first = st.offset - hist + 1
	}
	w.num("repl_backlog_active", boolInt(st.backlog != nil))
	w.num("repl_backlog_size", s.cfg.Int("repl-backlog-size"))
	w.num("repl_backlog_first_byte_offset", first)
	w.num("repl_backlog_histlen", hist)
}

// initReplication sets the initial replication state and the CONFIG SET
// hooks (called from New).
func (s *Server) initReplication() {
	s.repl.secondOff = -1
	s.repl.selDB = -1
	s.cfg.OnApply("repl-backlog-size", func(string) error {
		if b := s.repl.backlog; b != nil {
			b.resize(s.cfg.Int("repl-backlog-size"))
		}
		return nil
	})
}

// debugReplicate is DEBUG REPLICATE cmd args...: the command goes down
// the replication stream only (a test aid for data divergence).
func debugReplicate(x *Ctx) {
	if x.s.replicating() && x.s.isMaster() {
		x.s.replFeed(aof.AppendCommand(nil, x.args[2:]...))
	}
	x.w.OK()
}

// replBufferMemory is INFO memory's view of replication: the backlog's
// bytes and what replicas have yet to receive (queued or in a write the
// socket has not taken). The keyspace lock is held.
// replicaAccount publishes the capacity of a replica's stream buffers
// (r.mu held): replicas' memory, not counted for eviction (clientmem.go).
func (s *Server) replicaAccount(r *replica) {
	if r.closed {
		return
	}
	if m := int64(cap(r.buf) + r.outCap); m != r.mem {
		s.cmem.replicas.Add(m - r.mem)
		s.cmem.replStream.Add(m - r.mem)
		r.mem = m
	}
}

func (s *Server) replBufferMemory() (backlog, replicas int64) {
	if b := s.repl.backlog; b != nil {
		backlog = b.histlen
	}
	for _, r := range s.repl.replicas {
		r.mu.Lock()
		replicas += int64(len(r.buf) + r.writing)
		r.mu.Unlock()
	}
	return backlog, replicas
}
