package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"github.com/peregrinedb/peregrine/internal/script"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peregrinedb/peregrine/internal/aof"
	"github.com/peregrinedb/peregrine/internal/resp"
)

// The replica side of replication. REPLICAOF (or the replicaof
// directive) starts a link goroutine that connects to the master, runs
// the handshake (PING, AUTH, REPLCONF listening-port/capa, PSYNC), loads
// the RDB of a full resync or continues from its offset, and then applies
// the master's stream through the normal dispatch path as the master
// client. The stream is proxied byte for byte into this server's own
// backlog and sub-replicas, so this server shares its master's
// replication ID and offsets (PSYNC after a reconnect, chained replicas).
// On disconnection the link retries every second with PSYNC <replid>
// <offset+1>.

// Link states, as ROLE names them.
const (
	linkConnect    = "connect"
	linkConnecting = "connecting"
	linkHandshake  = "handshake"
	linkSync       = "sync"
	linkConnected  = "connected"
)

// linkBufKeep is the largest read buffer the master link keeps between
// commands; linkBufInitial is what it shrinks to.
const (
	linkBufKeep    = 1 << 20
	linkBufInitial = 16 << 10
)

// masterClientNow is the clock the master client's commands run with:
// before any deadline, so nothing looks expired to them.
const masterClientNow = 1

// masterLink is the connection to the master (one per REPLICAOF).
type masterLink struct {
	host string
	port int
	stop chan struct{}

	state     atomic.Pointer[string]
	lastIO    atomic.Int64 // unix seconds of the last byte from the master
	downSince atomic.Int64 // unix seconds the link went down, 0 never up
	syncTotal atomic.Int64 // RDB size of a transfer in progress (-1 unknown)
	syncRead  atomic.Int64
	// readOffset is the replication offset up to which the stream has
	// been read from the socket, applied or not (INFO
	// slave_read_repl_offset; it runs ahead while a CLIENT PAUSE holds
	// the master's commands); 0 while not streaming.
	readOffset atomic.Int64

	mu     sync.Mutex // guards conn writes and conn
	conn   net.Conn
	client *Client // the master client, while streaming
	ackNow bool    // REPLCONF GETACK seen (link goroutine only)
}

func (l *masterLink) setState(st string) { l.state.Store(&st) }

func (l *masterLink) getState() string {
	if p := l.state.Load(); p != nil {
		return *p
	}
	return linkConnect
}

// isMaster reports whether this server is a master (not a replica).
func (s *Server) isMaster() bool { return !s.repl.isReplica.Load() }

// startReplicationFromConfig applies the replicaof directive at start-up.
func (s *Server) startReplicationFromConfig() {
	host, port, ok := s.cfg.ReplicaOf()
	if !ok {
		return
	}
	s.ks.Lock()
	s.setMasterLocked(host, port)
	s.ks.Unlock()
}

// replicaofCommand is REPLICAOF host port | NO ONE (and SLAVEOF).
func replicaofCommand(x *Ctx) {
	s := x.s
	if s.fo.phase != noFailover {
		x.Err("ERR REPLICAOF not allowed while failing over.")
		return
	}
	if strings.EqualFold(string(x.args[1]), "no") && strings.EqualFold(string(x.args[2]), "one") {
		if !s.isMaster() {
			s.unsetMasterLocked()
			_ = s.cfg.Update("replicaof", "no one")
			s.log.Info(fmt.Sprintf("MASTER MODE enabled (user request from 'id=%d addr=%s')", x.c.id, x.c.addr))
		}
		x.w.OK()
		return
	}
	port, ok := parseInt(x.args[2])
	if !ok || port < 0 || port > 65535 {
		x.Err(errNotInt)
		return
	}
	host := string(x.args[1])
	if l := s.repl.link; l != nil && l.host == host && l.port == int(port) {
		s.log.Info("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
		x.w.Simple("OK Already connected to specified master")
		return
	}
	s.setMasterLocked(host, int(port))
	_ = s.cfg.Update("replicaof", host+" "+strconv.Itoa(int(port)))
	s.log.Info(fmt.Sprintf("REPLICAOF %s:%d enabled (user request from 'id=%d addr=%s')", host, port, x.c.id, x.c.addr))
	x.w.OK()
}

// setMasterLocked makes this server a replica of host:port (keyspace
// lock held). The current history stays usable for PSYNC, as Redis
// caches itself as its master.
func (s *Server) setMasterLocked(host string, port int) {
	if s.repl.link != nil {
		s.stopLinkLocked()
	}
	s.repl.isReplica.Store(true)
	if s.repl.backlog == nil {
		// Our own history is what we will ask to continue.
		s.ensureBacklog()
	}
	s.unblockWaitersForRoleChange()
	s.unblockKeyWaitersForRoleChange()
	s.roleOOMScore()
	l := &masterLink{host: host, port: port, stop: make(chan struct{})}
	l.setState(linkConnect)
	l.downSince.Store(0)
	s.repl.link = l
	s.log.Info(fmt.Sprintf("Connecting to MASTER %s:%d", host, port))
	s.wg.Add(1)
	go s.runMasterLink(l)
}

// unsetMasterLocked turns the replica into a master: the master's ID
// becomes the secondary one, so its former sub-replicas and siblings can
// still PSYNC (keyspace lock held).
func (s *Server) unsetMasterLocked() {
	s.stopLinkLocked()
	s.repl.isReplica.Store(false)
	s.roleOOMScore()
	id, _ := s.replIDs()
	s.info.mu.Lock()
	s.info.replID2 = id
	s.info.replID = newReplID()
	s.info.mu.Unlock()
	s.repl.secondOff = s.repl.offset + 1
	s.repl.selDB = -1
	s.ensureBacklog()
	// Sub-replicas must learn the new ID: disconnect them.
	for _, r := range s.repl.replicas {
		r.c.kill()
	}
}

// stopLinkLocked closes the master link (keyspace lock held).
func (s *Server) stopLinkLocked() {
	l := s.repl.link
	if l == nil {
		return
	}
	s.repl.link = nil
	close(l.stop)
	l.mu.Lock()
	if l.conn != nil {
		l.conn.Close()
	}
	l.mu.Unlock()
}

// unblockWaitersForRoleChange answers WAIT clients when the server stops
// being a master.
func (s *Server) unblockWaitersForRoleChange() {
	for _, c := range s.repl.waiters {
		if c.blocked != nil && c.waitReq != nil {
			c.w.Int(s.ackedReplicas(c.waitReq.offset))
			c.waitReq = nil
			s.unblock(c)
		}
	}
	s.repl.waiters = nil
}

// unblockKeyWaitersForRoleChange fails the clients blocked on keys when
// the server turns replica: the data they wait for will come from the
// master's stream, which a blocked pop must not consume.
func (s *Server) unblockKeyWaitersForRoleChange() {
	var blocked []*Client
	for _, q := range s.blk.waiting {
		for _, c := range q {
			if !slices.Contains(blocked, c) {
				blocked = append(blocked, c)
			}
		}
	}
	const msg = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"
	for _, c := range blocked {
		if st := c.blocked; st != nil {
			s.countError(msg)
			st.cmd.stats.failed++
			c.w.Error(msg)
			s.unblock(c)
		}
	}
}

// runMasterLink keeps the link to the master up until stopped.
func (s *Server) runMasterLink(l *masterLink) {
	defer s.wg.Done()
	for {
		select {
		case <-l.stop:
			return
		case <-s.cronStop:
			return
		default:
		}
		err := s.linkOnce(l)
		if st := l.getState(); err != nil && isTimeout(err) && (st == linkConnecting || st == linkHandshake) {
			s.log.Warn("Timeout connecting to the MASTER...")
			err = errLinkLogged
		}
		l.setState(linkConnect)
		l.downSince.Store(time.Now().Unix())
		select {
		case <-l.stop:
			return
		default:
		}
		if err != nil && !errors.Is(err, errLinkLogged) {
			s.log.Warn("Master link error: " + err.Error())
		}
		pause := time.Second
		if errors.Is(err, errSyncFailed) {
			// A short pause only bounds the loop if every transfer fails.
			s.log.Info(fmt.Sprintf("Reconnecting to MASTER %s:%d after failure", l.host, l.port))
			pause = 10 * time.Millisecond
		}
		select {
		case <-l.stop:
			return
		case <-s.cronStop:
			return
		case <-time.After(pause):
		}
	}
}

// linkOnce connects, synchronizes and streams until the link breaks.
func (s *Server) linkOnce(l *masterLink) error {
	l.setState(linkConnecting)
	timeout := time.Duration(s.cfg.Int("repl-timeout")) * time.Second
	conn, err := s.dialOut(net.JoinHostPort(l.host, strconv.Itoa(l.port)), timeout)
	if err != nil {
		return fmt.Errorf("connecting to MASTER %s:%d: %w", l.host, l.port, err)
	}
	conn = s.tlsClient(conn) // tls-replication (tls.go)
	defer conn.Close()
	l.mu.Lock()
	select {
	case <-l.stop:
		l.mu.Unlock()
		return nil
	default:
	}
	l.conn = conn
	l.mu.Unlock()
	done := make(chan struct{})
	defer close(done)
	go func() {
		// Shutdown interrupts a link blocked in a read.
		select {
		case <-s.cronStop:
			conn.Close()
		case <-done:
		}
	}()
	s.log.Info("MASTER <-> REPLICA sync started")
	l.setState(linkHandshake)
	br := bufio.NewReaderSize(conn, 64<<10)
	call := func(args ...string) (string, error) {
		_ = conn.SetDeadline(time.Now().Add(timeout))
		if _, err := conn.Write(encodeArgs(args...)); err != nil {
			return "", err
		}
		return readReplyLine(br)
	}
	reply, err := call("PING")
	if err != nil {
		return fmt.Errorf("PING to master: %w", err)
	}
	if reply == "" || reply[0] == '-' && !strings.HasPrefix(reply, "-NOAUTH") && !strings.HasPrefix(reply, "-NOPERM") &&
		!strings.HasPrefix(reply, "-ERR operation not permitted") {
		return fmt.Errorf("error reply to PING from master: '%s'", reply)
	}
	if pass := s.cfg.String("masterauth"); pass != "" {
		args := []string{"AUTH", pass}
		if user := s.cfg.String("masteruser"); user != "" {
			args = []string{"AUTH", user, pass}
		}
		if reply, err = call(args...); err != nil {
			return err
		}
		if reply == "" || reply[0] == '-' {
			// Redis's wording: tests and operators look for this line.
			s.log.Warn("Unable to AUTH to MASTER: " + reply)
			return errLinkLogged
		}
	}
	port := s.cfg.Int("replica-announce-port")
	if port == 0 {
		port = s.tcpPort()
	}
	if _, err = call("REPLCONF", "listening-port", strconv.FormatInt(port, 10)); err != nil {
		return err
	}
	if ip := s.cfg.String("replica-announce-ip"); ip != "" {
		if _, err = call("REPLCONF", "ip-address", ip); err != nil {
			return err
		}
	}
	if _, err = call("REPLCONF", "capa", "eof", "capa", "psync2"); err != nil {
		return err
	}
	s.ks.Lock()
	id, _ := s.replIDs()
	offset := s.repl.offset
	haveHistory := s.repl.backlog != nil
	// A master handing over to this link's target asks it to take over
	// (failover.go).
	failover := s.fo.phase == failoverInProgress && s.repl.link == l
	s.ks.Unlock()
	psyncID, psyncOff := "?", "-1"
	if haveHistory {
		psyncID, psyncOff = id, strconv.FormatInt(offset+1, 10)
		s.log.Info(fmt.Sprintf("Trying a partial resynchronization (request %s:%s).", psyncID, psyncOff))
	}
	psync := []string{"PSYNC", psyncID, psyncOff}
	if failover {
		psync = append(psync, "FAILOVER")
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(encodeArgs(psync...)); err != nil {
		if failover {
			s.ks.Lock()
			s.failoverLinkResult(l, false, "Write error to failover target")
			s.ks.Unlock()
		}
		return err
	}
	for {
		if reply, err = readReplyLine(br); err != nil {
			return err
		}
		if reply != "" {
			break
		}
		// A master delaying the transfer sends newlines: the link is alive.
		_ = conn.SetDeadline(time.Now().Add(timeout))
	}
	if failover {
		// Redis accepts a full resync too, though a caught-up old master
		// expects +CONTINUE.
		accepted := strings.HasPrefix(reply, "+FULLRESYNC") || strings.HasPrefix(reply, "+CONTINUE")
		s.ks.Lock()
		goOn := s.failoverLinkResult(l, accepted, "Failover target rejected psync request")
		s.ks.Unlock()
		if !goOn {
			return errLinkLogged
		}
	}
	switch {
	case strings.HasPrefix(reply, "+FULLRESYNC"):
		f := strings.Fields(reply)
		if len(f) != 3 {
			return fmt.Errorf("bad FULLRESYNC reply '%s'", reply)
		}
		off, _ := strconv.ParseInt(f[2], 10, 64)
		s.log.Info(fmt.Sprintf("Full resync from master: %s:%d", f[1], off))
		if err := s.fullSyncFromMaster(l, conn, br, f[1], off, timeout); err != nil {
			return err
		}
	case strings.HasPrefix(reply, "+CONTINUE"):
		s.log.Info("Successful partial resynchronization with master.")
		newID := strings.TrimSpace(strings.TrimPrefix(reply, "+CONTINUE"))
		s.ks.Lock()
		if newID != "" && newID != id {
			s.info.mu.Lock()
			s.info.replID2, s.info.replID = id, newID
			s.info.mu.Unlock()
			s.repl.secondOff = s.repl.offset + 1
			for _, r := range s.repl.replicas {
				r.c.kill() // they must learn the new ID
			}
		}
		s.ks.Unlock()
		s.log.Info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
	default:
		return fmt.Errorf("unexpected reply to PSYNC from master: %s", reply)
	}
	return s.streamFromMaster(l, conn, br, timeout)
}

// fullSyncFromMaster reads and loads the RDB of a full resync, as
// repl-diskless-load says: swapdb loads it beside the current dataset,
// which is served until the new one is complete (and kept if the
// transfer fails); disabled and on-empty-db (with data) flush first.
func (s *Server) fullSyncFromMaster(l *masterLink, conn net.Conn, br *bufio.Reader, id string, off int64, timeout time.Duration) error {
	l.setState(linkSync)
	var header string
	for header == "" {
		_ = conn.SetDeadline(time.Now().Add(timeout))
		h, err := readReplyLine(br)
		if err != nil {
			return fmt.Errorf("reading the RDB header: %w", err)
		}
		header = h
		l.lastIO.Store(time.Now().Unix())
	}
	if header[0] != '$' {
		return fmt.Errorf("bad protocol from MASTER, the first byte is not '$': %s", header)
	}
	_ = conn.SetDeadline(time.Time{})
	s.ks.Lock()
	mode := s.cfg.String("repl-diskless-load")
	swap := mode == "swapdb"
	diskless := swap || mode == "on-empty-db" && s.keyCountLocked() == 0
	curID, _ := s.replIDs()
	s.ks.Unlock()
	dest := "to disk"
	if diskless {
		dest = "to parser"
	}
	var src io.Reader
	var mark []byte
	var lr *io.LimitedReader
	if m, ok := strings.CutPrefix(header, "$EOF:"); ok {
		mark = []byte(m)
		src = br
		l.syncTotal.Store(-1)
		s.log.Info("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF " + dest)
	} else {
		n, err := strconv.ParseInt(header[1:], 10, 64)
		if err != nil {
			return fmt.Errorf("bad RDB length '%s'", header)
		}
		lr = &io.LimitedReader{R: br, N: n}
		src = lr
		l.syncTotal.Store(n)
		s.log.Info(fmt.Sprintf("MASTER <-> REPLICA sync: receiving %d bytes from master %s", n, dest))
	}
	counted := &linkReader{r: src, l: l, conn: conn, timeout: timeout}
	payload := &countingReader{r: counted, s: s}
	s.persist.loadStart.Store(time.Now().Unix())
	s.persist.loadTotal.Store(max(l.syncTotal.Load(), 0))
	s.persist.loadDone.Store(0)
	if swap {
		return s.swapdbLoad(payload, mark, lr, id, off, curID == id)
	}
	if !diskless {
		return s.diskLoad(l, counted, mark, lr, id, off)
	}
	s.persist.loading.Store(true)
	s.ks.Lock()
	s.attachToNewMasterLocked()
	s.log.Info("MASTER <-> REPLICA sync: Flushing old data")
	s.emptyData()
	s.ks.Unlock()
	s.log.Info("MASTER <-> REPLICA sync: Loading DB in memory")
	err := s.loadRDB(payload, loadOptions{exact: true})
	if err == nil {
		err = endOfPayload(payload, mark, lr)
	}
	if err != nil {
		s.log.Warn("Failed trying to load the MASTER synchronization DB from socket: " + err.Error())
		// The half-loaded data goes: it is no dataset of the master's.
		s.ks.Lock()
		s.emptyData()
		s.ks.Unlock()
		s.persist.loading.Store(false)
		return errSyncFailed
	}
	s.ks.Lock()
	s.adoptMasterHistoryLocked(id, off)
	s.ks.Unlock()
	s.persist.loading.Store(false)
	s.log.Info("MASTER <-> REPLICA sync: Finished with success")
	s.reanchorAfterLoad()
	return nil
}

// diskLoad is the disk-based load (repl-diskless-load disabled, or
// on-empty-db with data): the payload goes to a temporary file while the
// current dataset is served unchanged, so a transfer that breaks leaves
// the replica as it was (data, replication ID and offset: it may still
// continue its history with PSYNC). Once complete, the file becomes the
// RDB file and is loaded after a flush.
func (s *Server) diskLoad(l *masterLink, src io.Reader, mark []byte, lr *io.LimitedReader, id string, off int64) error {
	tmp := filepath.Join(s.cfg.String("dir"), fmt.Sprintf("temp-%d.%d.rdb", time.Now().Unix(), os.Getpid()))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		s.log.Warn("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + strerror(err))
		return errLinkLogged
	}
	keep := false
	defer func() {
		f.Close()
		if !keep {
			os.Remove(tmp)
		}
	}()
	if err := copyPayload(f, src, mark, lr); err != nil {
		s.log.Warn("I/O error trying to sync with MASTER: " + err.Error())
		return errSyncFailed
	}
	if err := f.Sync(); err != nil {
		s.log.Warn("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: " + strerror(err))
		return errLinkLogged
	}
	s.ks.Lock()
	if s.repl.link != l {
		s.ks.Unlock()
		return nil // REPLICAOF changed while the file arrived
	}
	if job := s.persist.bgsave; job != nil {
		// Its file would replace the one just received.
		s.log.Info("Replica is about to load the RDB file received from the master, but there is a pending RDB child running. Killing it and removing its temp file to avoid any race")
		job.cancel.Store(true)
	}
	s.persist.loading.Store(true)
	s.attachToNewMasterLocked()
	s.log.Info("MASTER <-> REPLICA sync: Flushing old data")
	s.emptyData()
	s.ks.Unlock()
	defer s.persist.loading.Store(false)
	path := s.rdbPath()
	if err := os.Rename(tmp, path); err != nil {
		s.log.Warn(fmt.Sprintf("Failed trying to rename the temp DB into %s in MASTER <-> REPLICA synchronization: %s", filepath.Base(path), strerror(err)))
		return errLinkLogged
	}
	keep = true
	s.log.Info("MASTER <-> REPLICA sync: Loading DB in memory")
	err = s.loadRDBFile(path, loadOptions{})
	if s.cfg.Bool("rdb-del-sync-files") && len(s.cfg.SaveParams()) == 0 && !s.cfg.Bool("appendonly") {
		s.log.Info("Removing the RDB file obtained from the master. This replica has persistence disabled")
		os.Remove(path)
	}
	if err != nil {
		s.log.Warn("Failed trying to load the MASTER synchronization DB from disk: " + err.Error())
		s.ks.Lock()
		s.emptyData()
		s.ks.Unlock()
		return errSyncFailed
	}
	s.ks.Lock()
	s.adoptMasterHistoryLocked(id, off)
	s.ks.Unlock()
	s.log.Info("MASTER <-> REPLICA sync: Finished with success")
	s.reanchorAfterLoad()
	return nil
}

// copyPayload copies the RDB of a full resync to w: the announced length,
// or up to the EOF mark, which the master sends last (it streams nothing
// more until the replica acknowledges the transfer).
func copyPayload(w io.Writer, src io.Reader, mark []byte, lr *io.LimitedReader) error {
	if mark == nil {
		want := lr.N
		n, err := io.Copy(w, src)
		if err != nil {
			return err
		}
		if n != want {
			return io.ErrUnexpectedEOF
		}
		return nil
	}
	buf := make([]byte, 64<<10)
	var held []byte // the last len(mark) bytes, which may be the mark
	for {
		n, err := src.Read(buf)
		if n > 0 {
			held = append(held, buf[:n]...)
			if bytes.HasSuffix(held, mark) {
				_, werr := w.Write(held[:len(held)-len(mark)])
				return werr
			}
			if len(held) > len(mark) {
				cut := len(held) - len(mark)
				if _, werr := w.Write(held[:cut]); werr != nil {
					return werr
				}
				held = append(held[:0], held[cut:]...)
			}
		}
		if err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
}

// swapdbLoad loads the master's RDB into detached databases and swaps
// them in when complete (repl-diskless-load swapdb). With the master's
// replication ID already ours (a full resync of the same history), the
// old dataset keeps serving every command meanwhile (async_loading);
// otherwise commands get -LOADING as with any load, but a failed transfer
// still leaves the old dataset, and our history, in place.
func (s *Server) swapdbLoad(payload io.Reader, mark []byte, lr *io.LimitedReader, id string, off int64, async bool) error {
	flag := &s.persist.loading
	if async {
		flag = &s.persist.asyncLoading
	}
	into := s.ks.NewDetached()
	staged := s.scripting.funcs.NewStaged()
	flag.Store(true)
	s.log.Info("MASTER <-> REPLICA sync: Loading DB in memory")
	err := s.loadRDB(payload, loadOptions{exact: true, into: into, staged: staged})
	if err == nil {
		err = endOfPayload(payload, mark, lr)
	}
	if err != nil {
		flag.Store(false)
		s.log.Warn("Failed trying to load the MASTER synchronization DB from socket: " + err.Error())
		s.log.Info("MASTER <-> REPLICA sync: Discarding temporary DB in background")
		return errSyncFailed
	}
	s.ks.Lock()
	s.attachToNewMasterLocked()
	s.log.Info("MASTER <-> REPLICA sync: Swapping active DB with loaded DB")
	now := time.Now().UnixMilli()
	for i := 0; i < s.ks.Count(); i++ {
		s.touchAllWatched(i, s.ks.DB(i), into[i], now)
	}
	s.trackingFlush()
	s.ks.SwapIn(into)
	s.scripting.funcs.SwapStaged(staged)
	for i := 0; i < s.ks.Count(); i++ {
		// Clients blocked on keys the new dataset has may go on.
		s.signalAllBlocked(i)
	}
	s.ks.Dirty++
	s.adoptMasterHistoryLocked(id, off)
	flag.Store(false)
	s.ks.Unlock()
	s.log.Info("MASTER <-> REPLICA sync: Discarding old DB in background")
	s.log.Info("MASTER <-> REPLICA sync: Finished with success")
	s.reanchorAfterLoad()
	return nil
}

// endOfPayload checks the EOF mark that ends a diskless transfer, or
// skips what the loader left of a sized one.
func endOfPayload(r io.Reader, mark []byte, lr *io.LimitedReader) error {
	if mark != nil {
		got := make([]byte, len(mark))
		if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, mark) {
			return errors.New("replication stream EOF marker is broken")
		}
		return nil
	}
	if lr.N > 0 {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	}
	return nil
}

// attachToNewMasterLocked is what a replica does before it replaces its
// dataset with another history's: sub-replicas hold the old dataset and
// must resync, and the backlog goes, so nothing PSYNCs into it (nor does
// this server, if the load fails). Keyspace lock held.
func (s *Server) attachToNewMasterLocked() {
	for _, r := range s.repl.replicas {
		r.c.kill()
	}
	s.repl.backlog = nil
}

// adoptMasterHistoryLocked takes the master's replication ID and offset
// after a full resync (keyspace lock held).
func (s *Server) adoptMasterHistoryLocked(id string, off int64) {
	s.info.mu.Lock()
	s.info.replID = id
	s.info.replID2 = "0000000000000000000000000000000000000000"
	s.info.mu.Unlock()
	s.repl.secondOff = -1
	s.repl.offset = off
	s.repl.streamDB = 0
	s.repl.backlog = newReplBacklog(s.cfg.Int("repl-backlog-size"))
}

// keyCountLocked is the number of keys of every database (keyspace lock
// held).
func (s *Server) keyCountLocked() int {
	n := 0
	for i := 0; i < s.ks.Count(); i++ {
		n += s.ks.DB(i).Len()
	}
	return n
}

// deniedWhileAsyncLoading reports whether cmd is refused with -LOADING
// while the replica loads its master's dataset aside: commands flagged
// no_async_loading, and an EXEC that queued one.
func deniedWhileAsyncLoading(c *Client, cmd *Command) bool {
	if cmd.Parent == nil && cmd.Name == "exec" && c.multi != nil {
		for _, q := range c.multi.queue {
			if q.cmd.Has(FlagNoAsyncLoading) {
				return true
			}
		}
		return false
	}
	return cmd.Has(FlagNoAsyncLoading)
}

// linkReader counts transfer progress and refreshes the read deadline.
type linkReader struct {
	r       io.Reader
	l       *masterLink
	conn    net.Conn
	timeout time.Duration
}

func (r *linkReader) Read(p []byte) (int, error) {
	_ = r.conn.SetReadDeadline(time.Now().Add(r.timeout))
	n, err := r.r.Read(p)
	r.l.syncRead.Add(int64(n))
	r.l.lastIO.Store(time.Now().Unix())
	return n, err
}

// streamFromMaster applies the master's command stream.
func (s *Server) streamFromMaster(l *masterLink, conn net.Conn, br *bufio.Reader, timeout time.Duration) error {
	c := &Client{
		id:        s.nextID.Add(1),
		srv:       s,
		conn:      conn, // CLIENT KILL of the master client drops the link
		w:         resp.NewWriter(),
		addr:      conn.RemoteAddr().String(),
		laddr:     conn.LocalAddr().String(),
		createdMs: nowMs(),
		user:      "default",
		authed:    true,
		flags:     clientMaster,
	}
	c.fd = -1
	c.lastActive.Store(c.createdMs)
	// After a partial resync the stream goes on in the database it was
	// in (Redis keeps its cached master client); a full one starts with
	// a SELECT.
	s.ks.Lock()
	c.db = s.repl.streamDB
	startOffset := s.repl.offset
	s.ks.Unlock()
	rd := resp.NewReader(&linkReader{r: br, l: l, conn: conn, timeout: timeout})
	rd.MaxBulk, rd.MaxQuery, rd.Authenticated = 1<<40, 1<<40, true
	l.readOffset.Store(startOffset)
	defer l.readOffset.Store(0)
	l.mu.Lock()
	l.client = c
	l.mu.Unlock()
	s.clientsMu.Lock()
	s.clients[c.id] = c
	s.clientsMu.Unlock()
	defer func() {
		s.ks.Lock()
		s.discardTransaction(c)
		s.repl.streamDB = c.db
		s.ks.Unlock()
		s.clientsMu.Lock()
		delete(s.clients, c.id)
		s.clientsMu.Unlock()
	}()
	l.setState(linkConnected)
	l.lastIO.Store(time.Now().Unix())
	s.log.Info("MASTER <-> REPLICA sync: streaming the replication stream")
	// Acknowledge at once (a master that sent an EOF-marked RDB waits for
	// it) and then every second.
	if err := s.sendAck(l); err != nil {
		return err
	}
	ackStop := make(chan struct{})
	defer close(ackStop)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ackStop:
				return
			case <-t.C:
				if s.sendAck(l) != nil {
					return
				}
			}
		}
	}()
	consumed := func() int64 { return rd.Total - int64(rd.Buffered()) }
	var raw []byte
	for {
		before := consumed()
		args, ok, err := rd.Next()
		if err != nil {
			return fmt.Errorf("protocol error from master: %w", err)
		}
		if !ok {
			if cap(raw) > linkBufKeep {
				raw = nil // the re-encoding of a big command
			}
			if rd.Buffered() == 0 && rd.Cap() > linkBufKeep {
				// A big command grew the buffer: give it back, as Redis
				// trims its master client's pending query buffer, and
				// count the freed memory out of used_memory now.
				big := rd.Cap() >= 16<<20
				rd.Shrink(linkBufInitial)
				if big {
					s.reanchorAfterLoad()
				}
			}
			if err := rd.Fill(); err != nil {
				select {
				case <-l.stop:
					return nil
				default:
				}
				return fmt.Errorf("connection with master lost: %w", err)
			}
			l.readOffset.Store(startOffset + rd.Total)
			continue
		}
		raw = aof.AppendCommand(raw[:0], args...)
		n := consumed() - before
		c.clock = time.Now()
		s.execute(c, args)
		if out := c.w.Bytes(); len(out) > 0 && out[0] == '-' {
			// As Redis: the replica cannot answer its master, so the
			// divergence is logged.
			name := "<unknown>"
			if c.lastCmd != nil {
				name = c.lastCmd.FullName()
			}
			s.log.Warn(fmt.Sprintf("== CRITICAL == This replica is sending an error to its master: '%s' after processing the command '%s'",
				strings.TrimRight(string(out[1:]), "\r\n"), name))
		}
		c.w.Reset()
		s.ks.Lock()
		if s.repl.link != l {
			s.ks.Unlock()
			return nil
		}
		s.repl.offset += n
		if s.repl.backlog != nil {
			s.repl.backlog.write(raw)
			for _, r := range s.repl.replicas {
				s.replicaPush(r, raw)
			}
		}
		s.ks.Unlock()
		if l.ackNow {
			l.ackNow = false
			if err := s.sendAck(l); err != nil {
				return err
			}
		}
	}
}

// sendAck sends REPLCONF ACK <offset> to the master.
func (s *Server) sendAck(l *masterLink) error {
	s.ks.Lock()
	off := s.repl.offset
	s.ks.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return errors.New("no master connection")
	}
	_ = l.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := l.conn.Write(encodeArgs("REPLCONF", "ACK", strconv.FormatInt(off, 10)))
	return err
}

// replicaAnswerGetack handles REPLCONF GETACK from the master client.
func (s *Server) replicaAnswerGetack(x *Ctx) bool {
	l := s.repl.link
	if l == nil || x.c.flags&clientMaster == 0 {
		return false
	}
	l.ackNow = true
	return true
}

// errLinkLogged ends a link attempt whose cause the handshake already
// logged in Redis's words.
var errLinkLogged = errors.New("replication link: failure already logged")

// errSyncFailed ends a link attempt whose full sync transfer broke: as
// Redis, the replica reconnects at once rather than at the next second.
var errSyncFailed = fmt.Errorf("%w (full sync transfer)", errLinkLogged)

// replicaSyncRefusal is the error a SYNC gets on a replica not connected
// to its master, or "".
func (s *Server) replicaSyncRefusal() string {
	if l := s.repl.link; l != nil && l.getState() != linkConnected {
		return "NOMASTERLINK Can't SYNC while not connected with my master"
	}
	return ""
}

// replicaRefusal is the error refusing cmd for c on a replica: writes on
// a read-only replica, most commands while the link is down with
// replica-serve-stale-data no; "" otherwise.
func (s *Server) replicaRefusal(c *Client, cmd *Command, args [][]byte) string {
	if s.isMaster() || c.flags&clientMaster != 0 {
		return ""
	}
	write := cmd.Has(FlagWrite) || cmd.Parent == nil && cmd.Name == "exec" && c.multi != nil && c.multi.writes
	deny := denyStale(c, cmd)
	if sf, ok := s.scriptCommandFlags(cmd, args); ok {
		// A script that declares flags is judged by them (Redis's
		// scriptFlagsToCmdFlags): no-writes is no write, allow-stale
		// runs on a stale replica.
		write = sf&script.FlagNoWrites == 0 && !strings.HasSuffix(cmd.Name, "_ro")
		deny = sf&script.FlagAllowStale == 0
	}
	if write && s.cfg.Bool("replica-read-only") {
		return "READONLY You can't write against a read only replica."
	}
	if deny && s.staleReplica() {
		return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	}
	return ""
}

// staleReplica reports whether this replica's link is down and it must
// not serve data meanwhile (replica-serve-stale-data no).
func (s *Server) staleReplica() bool {
	if s.isMaster() || s.cfg.Bool("replica-serve-stale-data") {
		return false
	}
	l := s.repl.link
	return l == nil || l.getState() != linkConnected
}

// denyStale reports whether cmd is refused on a stale replica: commands
// without the stale flag, and an EXEC that queued one.
func denyStale(c *Client, cmd *Command) bool {
	if cmd.Parent == nil && cmd.Name == "exec" && c.multi != nil {
		for _, q := range c.multi.queue {
			if !q.cmd.Has(FlagStale) {
				return true
			}
		}
		return false
	}
	return !cmd.Has(FlagStale)
}

// replicaRole writes ROLE's reply for a replica; false on a master.
func (s *Server) replicaRole(x *Ctx) bool {
	l := s.repl.link
	if s.isMaster() || l == nil {
		return false
	}
	x.w.Array(5)
	x.w.BulkString("slave")
	x.w.BulkString(l.host)
	x.w.Int(int64(l.port))
	x.w.BulkString(l.getState())
	if l.getState() == linkConnected {
		x.w.Int(s.repl.offset)
	} else {
		x.w.Int(-1)
	}
	return true
}

// infoReplicationReplica writes the replica fields of INFO replication.
func (s *Server) infoReplicationReplica(w *infoWriter) {
	l := s.repl.link
	if l == nil {
		return
	}
	now := time.Now().Unix()
	st := l.getState()
	up := st == linkConnected
	w.str("master_host", l.host)
	w.num("master_port", int64(l.port))
	w.str("master_link_status", map[bool]string{true: "up", false: "down"}[up])
	if up {
		w.num("master_last_io_seconds_ago", now-l.lastIO.Load())
	} else {
		w.num("master_last_io_seconds_ago", -1)
	}
	w.num("master_sync_in_progress", boolInt(st == linkSync))
	w.num("slave_read_repl_offset", max(s.repl.offset, l.readOffset.Load()))
	w.num("slave_repl_offset", s.repl.offset)
	if st == linkSync {
		total, read := l.syncTotal.Load(), l.syncRead.Load()
		perc := 0.0
		if total > 0 {
			perc = float64(read) / float64(total) * 100
		}
		w.num("master_sync_total_bytes", total)
		w.num("master_sync_read_bytes", read)
		w.num("master_sync_left_bytes", total-read)
		w.f2("master_sync_perc", perc)
		w.num("master_sync_last_io_seconds_ago", now-l.lastIO.Load())
	}
	if !up {
		since := int64(-1)
		if d := l.downSince.Load(); d > 0 {
			since = now - d
		}
		w.num("master_link_down_since_seconds", since)
	}
	w.num("slave_priority", s.cfg.Int("replica-priority"))
	w.num("slave_read_only", boolInt(s.cfg.Bool("replica-read-only")))
	w.num("replica_announced", boolInt(s.cfg.Bool("replica-announced")))
}

// encodeArgs encodes a command for the wire.
func encodeArgs(args ...string) []byte {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	return aof.AppendCommand(nil, argv...)
}

// readReplyLine reads one reply line without its CRLF; a bare "\n"
// keep-alive reads as "".
func readReplyLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
