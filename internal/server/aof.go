package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peregrinedb/peregrine/internal/aof"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/resp"
	"github.com/peregrinedb/peregrine/internal/types"
)

// The append-only file, wired to the server: the propagation stream
// (propagate.go) feeds an aof.Writer; connections call aofBarrier before
// sending replies so a write is in the file (and, with appendfsync
// always, on disk) before its reply leaves; startup loads the manifest's
// files through the normal command handlers; rewrites produce a new base
// without stopping other clients; CONFIG SET appendonly switches it.
//
// Lock order: aofState.mu (manifest and file operations, held by a
// rewrite for its whole run) before the keyspace lock. Code holding the
// keyspace lock (command handlers, CONFIG SET hooks) never takes mu.

// aofState is a server's AOF state.
type aofState struct {
	// Guarded by the keyspace lock.
	on          bool        // appendonly yes
	waitRewrite bool        // switched on, first base not written yet (AOF_WAIT_REWRITE)
	sinkOn      bool        // the propagation stream feeds w
	rw          *aofRewrite // the rewrite in progress, nil otherwise

	// w is the writer of the current incremental file, nil when off.
	w atomic.Pointer[aof.Writer]

	// mu guards the manifest and serialises rewrites, startup and the
	// files of the AOF directory.
	mu       sync.Mutex
	manifest *aof.Manifest
	dir      string // absolute appenddirname
	filename string // appendfilename

	// Live configuration.
	policy           atomic.Int64 // aof.Policy
	noFsyncOnRewrite atomic.Bool
	timestamps       atomic.Bool

	// Statistics for INFO persistence.
	rewriting atomic.Bool
	// rwKill asks the running rewrite to stop (appendonly turned off).
	rwKill         atomic.Bool
	scheduled      atomic.Bool
	rewriteStartMs atomic.Int64
	lastRewriteSec atomic.Int64
	lastRewriteErr atomic.Bool
	rewrites       atomic.Int64
	consecFailures atomic.Int64
	baseSize       atomic.Int64 // size of the base after the last rewrite or load
	olderIncrSize  atomic.Int64 // incr files before the current one
	lastFsyncMs    atomic.Int64
	fsyncRunning   atomic.Bool
	nextRewriteAt  atomic.Int64 // unix ms before which automatic rewrites wait after failures
	rewriteSeq     atomic.Int64
}

// aofMode is what the AOF is doing when a rewrite finishes.
type aofMode int

const (
	aofOff  aofMode = iota
	aofOn           // appending to the last incr file of the manifest
	aofWait         // switched on: appending to a temporary incr file until the base exists
)

// modeLocked returns the current mode (keyspace lock held).
func (s *Server) aofModeLocked() aofMode {
	switch {
	case !s.aof.on:
		return aofOff
	case s.aof.waitRewrite:
		return aofWait
	}
	return aofOn
}

// initAOF reads the configuration and registers the CONFIG SET hooks
// (called from New).
func (s *Server) initAOF() {
	a := &s.aof
	a.dir = filepath.Join(s.cfg.String("dir"), s.cfg.String("appenddirname"))
	a.filename = s.cfg.String("appendfilename")
	a.manifest = &aof.Manifest{}
	a.policy.Store(s.cfg.Int("appendfsync"))
	a.noFsyncOnRewrite.Store(s.cfg.Bool("no-appendfsync-on-rewrite"))
	a.timestamps.Store(s.cfg.Bool("aof-timestamp-enabled"))
	a.lastRewriteSec.Store(-1)
	s.prop.selectedDB = -1
	s.cfg.OnApply("appendfsync", func(string) error {
		a.policy.Store(s.cfg.Int("appendfsync"))
		return nil
	})
	s.cfg.OnApply("no-appendfsync-on-rewrite", func(string) error {
		a.noFsyncOnRewrite.Store(s.cfg.Bool("no-appendfsync-on-rewrite"))
		return nil
	})
	s.cfg.OnApply("aof-timestamp-enabled", func(string) error {
		a.timestamps.Store(s.cfg.Bool("aof-timestamp-enabled"))
		return nil
	})
	s.cfg.OnApply("aof-disable-auto-gc", func(string) error {
		if s.cfg.Bool("aof-disable-auto-gc") {
			return nil
		}
		// Under the keyspace lock mu may only be tried: a rewrite holding
		// it deletes the history itself when it ends.
		if s.aof.mu.TryLock() {
			defer s.aof.mu.Unlock()
			if err := s.aofDeleteHistory(); err != nil {
				s.log.Warn(err.Error())
			}
		}
		return nil
	})
	// CONFIG SET runs under the keyspace lock.
	s.cfg.OnApply("appendonly", func(string) error {
		if s.cfg.Bool("appendonly") {
			return s.startAppendOnlyLocked()
		}
		s.stopAppendOnlyLocked()
		return nil
	})
}

// The dir the AOF lives in, as CONFIG SET dir may have changed it.
func (s *Server) aofDirPath() string {
	return filepath.Join(s.cfg.String("dir"), s.cfg.String("appenddirname"))
}

// startAppendOnlyLocked switches AOF on: a rewrite produces the first base
// and opens the incremental file, as Redis does (keyspace lock held).
func (s *Server) startAppendOnlyLocked() error {
	a := &s.aof
	if a.on {
		return nil
	}
	a.on, a.waitRewrite = true, true
	if rw := a.rw; rw != nil && !rw.decided {
		// The rewrite in progress decides its mode at its end: it will
		// open the incremental file.
		return nil
	}
	a.scheduled.Store(true)
	switch {
	case s.persist.bgsave != nil:
		s.log.Warn("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
	case s.inExec:
		// The cron starts it once the transaction is over.
		s.log.Warn("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.")
	default:
		go s.aofRunScheduled()
	}
	return nil
}

// stopAppendOnlyLocked switches AOF off: what is buffered is written and
// fsynced and the file closed (keyspace lock held).
func (s *Server) stopAppendOnlyLocked() {
	a := &s.aof
	if !a.on {
		return
	}
	a.on, a.waitRewrite, a.sinkOn = false, false, false
	a.scheduled.Store(false)
	if a.rewriting.Load() {
		// Redis kills its rewrite child here; the in-process rewrite
		// stops at its next step and leaves the files as they were.
		s.log.Info("Killing running AOF rewrite child (in-process rewrite)")
		a.rwKill.Store(true)
	}
	s.prop.selectedDB = -1
	if w := a.w.Swap(nil); w != nil {
		if err := w.Close(); err != nil {
			s.log.Warn("Fail to fsync the AOF file: " + err.Error())
		}
	}
}

// aofFeed hands encoded commands to the writer (keyspace lock held).
func (s *Server) aofFeed(b []byte) {
	if w := s.aof.w.Load(); w != nil {
		w.Feed(b)
	}
}

// aofTimestamp appends a "#TS:" annotation when aof-timestamp-enabled is
// set and the second changed since the last one.
func (s *Server) aofTimestamp(b []byte) []byte {
	if !s.aof.timestamps.Load() {
		return b
	}
	now := time.Now().Unix()
	if now > s.prop.lastTS {
		s.prop.lastTS = now
		b = aof.AppendTimestamp(b, now)
	}
	return b
}

// aofBarrier makes everything propagated so far reach the file before a
// reply is sent (write(2); fsync too with appendfsync always). An error
// means the reply must not be sent when the policy is always.
func (s *Server) aofBarrier() error {
	w := s.aof.w.Load()
	if w == nil {
		return nil
	}
	fed := w.Fed()
	fsync := aof.Policy(s.aof.policy.Load()) == aof.FsyncAlways &&
		!(s.aof.noFsyncOnRewrite.Load() && s.aof.rewriting.Load())
	if us := s.debug.aofFlushSleepUs.Load(); us > 0 && w.Pending() > 0 {
		time.Sleep(time.Duration(us) * time.Microsecond) // DEBUG AOF-FLUSH-SLEEP
	}
	err := w.Barrier(fed, fsync)
	if err != nil && fsync {
		s.log.Warn("Can't recover from AOF write error when the AOF fsync policy is 'always': " + err.Error())
		return err
	}
	return nil
}

// aofWriteRefusal returns the MISCONF error for write commands (and PING)
// while the AOF cannot be written, or "".
func (s *Server) aofWriteRefusal(write bool, cmd *Command) string {
	if !write && !(cmd.Parent == nil && cmd.Name == "ping") {
		return ""
	}
	w := s.aof.w.Load()
	if w == nil {
		return ""
	}
	err := w.Err()
	if err == nil {
		return ""
	}
	return "MISCONF Errors writing to the AOF file: " + strerror(err)
}

// aofCron runs the AOF's periodic work from the server cron: writing and
// (everysec) fsyncing what nobody's reply flushed, and starting automatic
// and scheduled rewrites.
func (s *Server) aofCron() {
	a := &s.aof
	now := time.Now().UnixMilli()
	if w := a.w.Load(); w != nil && now-a.lastFsyncMs.Load() >= 1000 && !a.fsyncRunning.Load() {
		a.fsyncRunning.Store(true)
		a.lastFsyncMs.Store(now)
		go func() {
			defer a.fsyncRunning.Store(false)
			if err := w.Flush(); err != nil {
				s.log.Warn("Error writing to the AOF file: " + err.Error())
				return
			}
			switch aof.Policy(a.policy.Load()) {
			case aof.FsyncEverysec, aof.FsyncAlways:
				if a.noFsyncOnRewrite.Load() && a.rewriting.Load() {
					return
				}
				if err := w.Sync(); err != nil {
					s.log.Warn("Error trying to fsync the AOF file: " + err.Error())
				}
			}
		}()
	}
	if a.rewriting.Load() {
		return
	}
	if a.scheduled.Load() {
		go s.aofRunScheduled()
		return
	}
	if a.w.Load() == nil || now < a.nextRewriteAt.Load() {
		return
	}
	perc := s.cfg.Int("auto-aof-rewrite-percentage")
	minSize := s.cfg.Int("auto-aof-rewrite-min-size")
	cur := a.currentSize()
	base := max(a.baseSize.Load(), 1)
	if perc > 0 && cur > minSize && (cur-base)*100/base >= perc {
		s.log.Info(fmt.Sprintf("Starting automatic rewriting of AOF on %d%% growth", (cur-base)*100/base))
		a.scheduled.Store(true)
		go s.aofRunScheduled()
	}
}

// currentSize is INFO's aof_current_size: base plus incremental files.
func (a *aofState) currentSize() int64 {
	n := a.baseSize.Load() + a.olderIncrSize.Load()
	if w := a.w.Load(); w != nil {
		n += w.FileSize()
	}
	return n
}

// aofRunScheduled runs a scheduled rewrite unless one is running.
func (s *Server) aofRunScheduled() {
	if !s.aof.scheduled.Load() || s.persist.bgsaveRunning.Load() || !s.aof.rewriting.CompareAndSwap(false, true) {
		return
	}
	s.aof.scheduled.Store(false)
	s.aof.rwKill.Store(false)
	go s.runRewrite()
}

// aofCommands is the AOF's slice of the command table.
func aofCommands() []*Command {
	return []*Command{
		spec("bgrewriteaof", 1, "admin noscript no_async_loading", 0, 0, 0, "server", bgrewriteaofCommand).acl("@dangerous"),
	}
}

// bgrewriteaofCommand starts a background rewrite (BGREWRITEAOF).
func bgrewriteaofCommand(x *Ctx) {
	s := x.s
	if (s.persist.bgsave != nil || s.inExec) && !s.aof.rewriting.Load() {
		// One background job at a time, as Redis's single child; inside
		// EXEC Redis does not fork either.
		s.aof.scheduled.Store(true)
		x.w.Simple("Background append only file rewriting scheduled")
		return
	}
	if !s.aof.rewriting.CompareAndSwap(false, true) {
		x.Err("ERR Background append only file rewriting already in progress")
		return
	}
	s.aof.scheduled.Store(false)
	s.aof.rwKill.Store(false)
	go s.runRewrite()
	x.w.Simple("Background append only file rewriting started")
}

// aofRewrite is the state of a rewrite in progress (keyspace lock).
type aofRewrite struct {
	// touched collects the keys written since the rewrite started: they
	// are dumped again at the end.
	touched map[blockKey]struct{}
	// full is set by FLUSHALL, FLUSHDB and SWAPDB: the end dumps the
	// whole dataset again.
	full bool
	// decided is set once the rewrite chose its mode and switched the
	// incremental file (after that, switching AOF on needs a new rewrite).
	decided bool
	mode    aofMode
}

// rewriteTouched records a key write for a rewrite in progress (change
// hook, keyspace lock held).
func (s *Server) rewriteTouched(db *keyspace.DB, key []byte) {
	s.aof.rw.touched[blockKey{db.ID, string(key)}] = struct{}{}
}

// rewriteNoteCommand marks whole-keyspace changes for a rewrite in progress.
func (s *Server) rewriteNoteCommand(x *Ctx) {
	switch x.cmd.Name {
	case "flushall", "flushdb", "swapdb":
		s.aof.rw.full = true
	}
}

// incrPrep is an incremental file prepared for a rewrite's switch.
type incrPrep struct {
	mode     aofMode
	f        *os.File
	manifest *aof.Manifest // the manifest listing f (aofOn)
	name     string
}

// prepareIncr creates the incremental file the stream switches to: for
// aofOn the next incr file, already listed in a persisted manifest (so a
// crash after the switch loses nothing); for aofWait the temporary incr
// file. mu is held.
func (s *Server) prepareIncr(mode aofMode) (*incrPrep, error) {
	a := &s.aof
	p := &incrPrep{mode: mode}
	switch mode {
	case aofOff:
		return p, nil
	case aofWait:
		p.name = aof.TempIncrName(a.filename)
	case aofOn:
		p.manifest = a.manifest.Clone()
		p.name = p.manifest.NewIncr(a.filename)
	}
	f, err := os.OpenFile(filepath.Join(a.dir, p.name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("can't open the append-only file %s: %w", p.name, err)
	}
	p.f = f
	if p.manifest != nil {
		if err := aof.WriteManifest(a.dir, a.filename, p.manifest); err != nil {
			f.Close()
			return nil, err
		}
		a.manifest = p.manifest
	}
	s.log.Info("Creating AOF incr file " + p.name + " on background rewrite")
	return p, nil
}

// switchIncrLocked points the stream at the prepared file (keyspace lock
// and mu held). The old writer's buffer is written (and fsynced under
// appendfsync always) before the switch so offsets stay continuous; it is
// returned to be closed without the lock.
func (s *Server) switchIncrLocked(rw *aofRewrite, p *incrPrep) (*incrPrep, *aof.Writer, error) {
	a := &s.aof
	mode := s.aofModeLocked()
	if mode != p.mode {
		// AOF was switched on or off meanwhile (rare): prepare again.
		if p.f != nil {
			p.f.Close()
		}
		np, err := s.prepareIncr(mode)
		if err != nil {
			return p, nil, err
		}
		p = np
	}
	rw.decided, rw.mode = true, mode
	if mode == aofOff {
		return p, nil, nil
	}
	old := a.w.Load()
	start := int64(0)
	if old != nil {
		if err := old.Flush(); err != nil {
			return p, nil, err
		}
		if aof.Policy(a.policy.Load()) == aof.FsyncAlways {
			if err := old.Barrier(old.Fed(), true); err != nil {
				return p, nil, err
			}
		}
		start = old.Fed()
		a.olderIncrSize.Add(old.FileSize())
	}
	a.w.Store(aof.NewWriterAt(p.f, 0, start))
	a.sinkOn = true
	s.prop.selectedDB = -1
	return p, old, nil
}

// runRewrite performs a background rewrite (BGREWRITEAOF, automatic,
// or switching AOF on). rewriting is already set.
func (s *Server) runRewrite() {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	defer a.rewriting.Store(false)
	start := time.Now()
	a.rewriteStartMs.Store(start.UnixMilli())
	defer a.rewriteStartMs.Store(0)
	s.log.Info("Background append only file rewriting started")
	err := s.rewrite()
	a.lastRewriteSec.Store(int64(time.Since(start).Seconds()))
	if err != nil && a.rwKill.Load() {
		// Killed by CONFIG SET appendonly no: not a failure to retry.
		s.log.Info("Background AOF rewrite terminated by request")
		return
	}
	if err != nil {
		a.lastRewriteErr.Store(true)
		n := a.consecFailures.Add(1)
		delay := time.Minute << min(n-1, 6)
		a.nextRewriteAt.Store(time.Now().Add(min(delay, time.Hour)).UnixMilli())
		s.log.Warn("Background AOF rewrite failed: " + err.Error())
		return
	}
	a.lastRewriteErr.Store(false)
	a.consecFailures.Store(0)
	a.nextRewriteAt.Store(0)
	a.rewrites.Add(1)
	s.log.Info("Background AOF rewrite finished successfully")
}

// rewrite writes a new base and publishes it in the manifest (mu held).
func (s *Server) rewrite() (err error) {
	a := &s.aof
	a.dir = s.aofDirPath()
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return fmt.Errorf("can't open or create append-only dir %s: %w", a.dir, err)
	}
	tmpPath := filepath.Join(s.cfg.String("dir"), aof.TempRewriteName(os.Getpid()+int(a.rewriteSeq.Add(1))-1))
	f, err := os.OpenFile(tmpPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("opening the temp rewrite file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmpPath)
		}
	}()
	rw := &aofRewrite{touched: map[blockKey]struct{}{}}
	s.ks.Lock()
	a.rw = rw
	mode := s.aofModeLocked()
	s.ks.Unlock()
	defer func() {
		s.ks.Lock()
		if a.rw == rw {
			a.rw = nil
		}
		s.ks.Unlock()
	}()
	prep, err := s.prepareIncr(mode)
	if err != nil {
		return err
	}
	out := &rewriteOut{f: f, bw: bufio.NewWriterSize(f, 1<<20), incremental: s.cfg.Bool("aof-rewrite-incremental-fsync")}
	var old *aof.Writer
	rdbBase := s.cfg.Bool("aof-use-rdb-preamble")
	if rdbBase {
		// A point-in-time snapshot begun in the same lock hold as the
		// switch to the new incremental file: base plus incremental is
		// exactly the dataset, each write in one of them.
		var run *snapshotRun
		s.ks.Lock()
		prep, old, err = s.switchIncrLocked(rw, prep)
		a.rw = nil
		if err == nil {
			run, err = s.beginSnapshotLocked(true)
		}
		s.ks.Unlock()
		if err == nil {
			err = s.finishSnapshot(run, out, nil, a.rwKill.Load)
		}
	} else {
		prep, old, err = s.rewriteAOFFormat(out, rw, prep)
	}
	if old != nil {
		if cerr := old.Close(); cerr != nil {
			s.log.Warn("Fail to fsync the previous AOF file: " + cerr.Error())
		}
	}
	if err != nil {
		if prep != nil && prep.mode == aofWait && prep.f != nil {
			s.abandonWait(prep)
		}
		return err
	}
	if err := out.finish(); err != nil {
		return err
	}
	size, _ := f.Seek(0, io.SeekEnd)
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing the rewritten base: %w", err)
	}
	return s.publishRewrite(tmpPath, rdbBase, rw.mode, prep, size)
}

// abandonWait undoes a failed first rewrite after AOF was switched on:
// the stream stops and the temporary incr file goes.
func (s *Server) abandonWait(p *incrPrep) {
	s.ks.Lock()
	if s.aof.waitRewrite {
		if w := s.aof.w.Swap(nil); w != nil {
			_ = w.Close()
		}
		s.aof.sinkOn = false
		s.aof.scheduled.Store(true) // try again, as Redis does
	}
	s.ks.Unlock()
	os.Remove(filepath.Join(s.aof.dir, p.name))
}

// publishRewrite renames the new base into the AOF directory, writes the
// manifest (the old base and the replaced incr files become history) and
// deletes the history files (mu held).
func (s *Server) publishRewrite(tmpPath string, rdb bool, mode aofMode, p *incrPrep, size int64) error {
	a := &s.aof
	m := a.manifest.Clone()
	base := m.NewBase(a.filename, rdb)
	if err := os.Rename(tmpPath, filepath.Join(a.dir, base)); err != nil {
		return fmt.Errorf("error trying to rename the temporary AOF base file %s into %s: %w", filepath.Base(tmpPath), base, err)
	}
	switch mode {
	case aofOn:
		m.MarkIncrHistory(true)
	case aofOff:
		m.MarkIncrHistory(false)
	case aofWait:
		m.MarkIncrHistory(false)
		name := m.NewIncr(a.filename)
		if err := os.Rename(filepath.Join(a.dir, p.name), filepath.Join(a.dir, name)); err != nil {
			return fmt.Errorf("error trying to rename the temporary AOF incr file %s into %s: %w", p.name, name, err)
		}
	}
	if err := aof.WriteManifest(a.dir, a.filename, m); err != nil {
		return err
	}
	a.manifest = m
	a.baseSize.Store(size)
	a.olderIncrSize.Store(0)
	if mode == aofWait {
		s.ks.Lock()
		s.aof.waitRewrite = false
		s.ks.Unlock()
	}
	s.log.Info("Background AOF rewrite terminated with success")
	return s.aofDeleteHistory()
}

// aofDeleteHistory removes history files unless aof-disable-auto-gc is
// set, and records that in the manifest (mu held).
func (s *Server) aofDeleteHistory() error {
	a := &s.aof
	if s.cfg.Bool("aof-disable-auto-gc") || len(a.manifest.History) == 0 {
		return nil
	}
	m := a.manifest.Clone()
	for _, h := range m.History {
		s.log.Info("Removing the history file " + h.Name + " in the background")
		os.Remove(filepath.Join(a.dir, h.Name))
	}
	m.History = nil
	if err := aof.WriteManifest(a.dir, a.filename, m); err != nil {
		return err
	}
	a.manifest = m
	return nil
}

// rewriteOut buffers the new base; with aof-rewrite-incremental-fsync the
// file is fsynced every 4 MB so the final fsync has little left to do.
type rewriteOut struct {
	f           *os.File
	bw          *bufio.Writer
	incremental bool
	unsynced    int
}

func (o *rewriteOut) Write(p []byte) (int, error) {
	n, err := o.bw.Write(p)
	if err != nil {
		return n, fmt.Errorf("writing the rewritten base: %w", err)
	}
	o.unsynced += n
	if o.incremental && o.unsynced >= 4<<20 {
		o.unsynced = 0
		if err := o.bw.Flush(); err != nil {
			return n, fmt.Errorf("writing the rewritten base: %w", err)
		}
		if err := o.f.Sync(); err != nil {
			return n, fmt.Errorf("fsync of the rewritten base: %w", err)
		}
	}
	return n, nil
}

// finish flushes and fsyncs the base.
func (o *rewriteOut) finish() error {
	if err := o.bw.Flush(); err != nil {
		return fmt.Errorf("writing the rewritten base: %w", err)
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("fsync of the rewritten base: %w", err)
	}
	return nil
}

// Chunking of the AOF-format rewrite: keys per keyspace-lock hold, and the
// size of the touched-key set small enough to be dumped in the final hold.
const (
	rewriteChunkKeys = 512
	rewriteFinalKeys = 1024
	rewriteRounds    = 8
	rewriteBatch     = 64 // items per RPUSH/SADD/ZADD/HSET, as Redis's AOF_REWRITE_ITEMS_PER_CMD
)

// rewriteAOFFormat writes the base as commands, without a point-in-time
// snapshot: keys are dumped in chunks under the keyspace lock, every key
// written meanwhile is recorded by the change hook and dumped again
// (DEL, then its current value) in catch-up rounds, and the last round,
// with the functions, runs in the same lock hold as the switch to the new
// incremental file. The base therefore equals the dataset at that switch
// exactly, and the incremental file holds what came after.
func (s *Server) rewriteAOFFormat(out io.Writer, rw *aofRewrite, p *incrPrep) (*incrPrep, *aof.Writer, error) {
	d := &baseDumper{selected: -1}
	delay := time.Duration(s.cfg.Int("rdb-key-save-delay")) * time.Microsecond // test knob, as in the RDB walk
	stamp := func() {
		if s.aof.timestamps.Load() {
			d.b = aof.AppendTimestamp(d.b, time.Now().Unix()) // as Redis: the base starts with one
		}
	}
	stamp()
	for dbi := 0; dbi < s.ks.Count(); dbi++ {
		cursor := uint64(0)
		for {
			s.ks.Lock()
			if rw.full {
				s.ks.Unlock()
				break
			}
			db := s.ks.DB(dbi)
			now := nowMs()
			step, keys := rewriteChunkKeys, 0
			if delay > 0 {
				step = 1
			}
			cursor = db.Scan(cursor, step, now, func(k string, e *keyspace.Entry) {
				d.key(dbi, []byte(k), e, false)
				keys++
			})
			s.ks.Unlock()
			if err := d.flushTo(out); err != nil {
				return p, nil, err
			}
			if delay > 0 {
				sleepUnless(delay*time.Duration(keys), s.aof.rwKill.Load)
			}
			if s.aof.rwKill.Load() {
				return p, nil, errSaveCanceled
			}
			if cursor == 0 {
				break
			}
		}
	}
	for round := 0; ; round++ {
		s.ks.Lock()
		if rw.full || len(rw.touched) <= rewriteFinalKeys || round >= rewriteRounds {
			// The final hold: what is left, then the switch.
			now := nowMs()
			if rw.full {
				d.reset()
				if err := d.restart(out); err != nil {
					s.ks.Unlock()
					return p, nil, err
				}
				stamp()
				for dbi := 0; dbi < s.ks.Count(); dbi++ {
					s.ks.DB(dbi).Range(func(k string, e *keyspace.Entry) bool {
						if e.Expire == 0 || e.Expire > now {
							d.key(dbi, []byte(k), e, false)
						}
						return true
					})
				}
			} else {
				s.dumpTouched(d, rw.touched, now)
			}
			for _, lib := range s.scripting.funcs.Libraries() {
				d.b = aof.AppendCommand(d.b, []byte("FUNCTION"), []byte("LOAD"), lib.Code())
			}
			np, old, err := s.switchIncrLocked(rw, p)
			s.aof.rw = nil
			s.ks.Unlock()
			if err != nil {
				return np, old, err
			}
			return np, old, d.flushTo(out)
		}
		batch := rw.touched
		rw.touched = map[blockKey]struct{}{}
		s.ks.Unlock()
		keys := make([]blockKey, 0, len(batch))
		for k := range batch {
			keys = append(keys, k)
		}
		for len(keys) > 0 {
			n := min(len(keys), rewriteChunkKeys)
			part := map[blockKey]struct{}{}
			for _, k := range keys[:n] {
				part[k] = struct{}{}
			}
			keys = keys[n:]
			s.ks.Lock()
			s.dumpTouched(d, part, nowMs())
			s.ks.Unlock()
			if err := d.flushTo(out); err != nil {
				return p, nil, err
			}
		}
	}
}

// dumpTouched dumps keys written during the rewrite again: DEL, then the
// current value if the key exists (keyspace lock held).
func (s *Server) dumpTouched(d *baseDumper, keys map[blockKey]struct{}, now int64) {
	sorted := make([]blockKey, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.SortFunc(sorted, func(x, y blockKey) int {
		if x.db != y.db {
			return x.db - y.db
		}
		if x.key < y.key {
			return -1
		}
		if x.key > y.key {
			return 1
		}
		return 0
	})
	for _, bk := range sorted {
		if bk.db >= s.ks.Count() {
			continue
		}
		key := []byte(bk.key)
		e := s.ks.DB(bk.db).Peek(key)
		if e != nil && e.Expire != 0 && e.Expire <= now {
			e = nil
		}
		d.selectDB(bk.db)
		d.b = aof.AppendCommand(d.b, []byte("DEL"), key)
		if e != nil {
			d.key(bk.db, key, e, true)
		}
	}
}

// baseDumper encodes keys as the commands that recreate them.
type baseDumper struct {
	b        []byte
	selected int
	scratch  [][]byte
}

func (d *baseDumper) reset() { d.b, d.selected = d.b[:0], -1 }

// restart truncates what was already written (the whole dataset is
// dumped again after a FLUSHALL/FLUSHDB/SWAPDB).
func (d *baseDumper) restart(out io.Writer) error {
	o, ok := out.(*rewriteOut)
	if !ok {
		return errors.New("the rewrite output cannot be restarted")
	}
	if err := o.bw.Flush(); err != nil {
		return fmt.Errorf("writing the rewritten base: %w", err)
	}
	if err := o.f.Truncate(0); err != nil {
		return fmt.Errorf("truncating the rewritten base: %w", err)
	}
	if _, err := o.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("truncating the rewritten base: %w", err)
	}
	return nil
}

func (d *baseDumper) flushTo(out io.Writer) error {
	if len(d.b) == 0 {
		return nil
	}
	_, err := out.Write(d.b)
	if cap(d.b) > 4<<20 {
		d.b = nil
	} else {
		d.b = d.b[:0]
	}
	return err
}

func (d *baseDumper) selectDB(db int) {
	if db != d.selected {
		d.b = aof.AppendCommand(d.b, []byte("SELECT"), []byte(strconv.Itoa(db)))
		d.selected = db
	}
}

// batch emits name key items... in commands of at most rewriteBatch items.
func (d *baseDumper) batch(name string, key []byte, items [][]byte, per int) {
	for len(items) > 0 {
		n := min(len(items), rewriteBatch*per)
		d.scratch = append(d.scratch[:0], []byte(name), key)
		d.scratch = append(d.scratch, items[:n]...)
		d.b = aof.AppendCommand(d.b, d.scratch...)
		items = items[n:]
	}
}

// key appends the commands recreating key (afterDel: lists need no DEL
// of their own).
func (d *baseDumper) key(db int, key []byte, e *keyspace.Entry, afterDel bool) {
	d.selectDB(db)
	switch e.Type {
	case keyspace.TypeString:
		d.b = aof.AppendCommand(d.b, []byte("SET"), key, e.Str)
	case keyspace.TypeList:
		if !afterDel {
			// A chunked scan can visit a key twice when the table is
			// resized between chunks; RPUSH is the one non-idempotent dump.
			d.b = aof.AppendCommand(d.b, []byte("DEL"), key)
		}
		l := e.Obj.(*types.List)
		items := make([][]byte, 0, l.Len())
		l.Range(0, l.Len()-1, func(v []byte) bool { items = append(items, v); return true })
		d.batch("RPUSH", key, items, 1)
	case keyspace.TypeSet:
		d.batch("SADD", key, e.Obj.(*types.Set).Members(), 1)
	case keyspace.TypeZSet:
		z := e.Obj.(*types.ZSet)
		items := make([][]byte, 0, 2*z.Len())
		z.Iterate(0, false, func(m string, score float64) bool {
			items = append(items, formatScore(score), []byte(m))
			return true
		})
		d.batch("ZADD", key, items, 2)
	case keyspace.TypeStream:
		if !afterDel {
			d.b = aof.AppendCommand(d.b, []byte("DEL"), key) // XADD is not idempotent either
		}
		d.stream(key, streamOf(e))
	case keyspace.TypeHash:
		h := e.Obj.(*types.Hash)
		fields, values := h.Pairs()
		items := make([][]byte, 0, 2*len(fields))
		for i := range fields {
			items = append(items, fields[i], values[i])
		}
		d.batch("HSET", key, items, 2)
		if h.HasTTLs() {
			for _, f := range fields {
				if t := h.TTL(f); t != 0 {
					d.b = aof.AppendCommand(d.b, []byte("HPEXPIREAT"), key, msArg(t), []byte("FIELDS"), []byte("1"), f)
				}
			}
		}
	default:
		return
	}
	if e.Expire != 0 {
		d.b = aof.AppendCommand(d.b, []byte("PEXPIREAT"), key, msArg(e.Expire))
	}
}

// formatScore writes a score so that it reads back exactly.
func formatScore(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte("inf")
	case math.IsInf(f, -1):
		return []byte("-inf")
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64)
}

// ---- Loading ----

// aofLoadStatus is the outcome of loading one file or the whole AOF.
type aofLoadStatus int

const (
	aofLoadOK aofLoadStatus = iota
	aofLoadNotExist
	aofLoadEmpty
	aofLoadTruncated
	aofLoadFailed
	aofLoadOpenErr
)

// ErrAOFLoad is returned by Start when the AOF cannot be loaded or
// opened; the reason is already in the log (the process exits with code
// 1 without logging more, as Redis does: tests read the last log line).
var ErrAOFLoad = errors.New("AOF loading failed")

// aofStartup loads the AOF at start-up and opens the incremental file
// when appendonly is yes (called by Start before listening).
func (s *Server) aofStartup() error {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dir = s.aofDirPath()
	if err := s.aofLoadManifestFromDisk(); err != nil {
		return err
	}
	if !s.cfg.Bool("appendonly") {
		return nil
	}
	s.ks.Lock()
	a.on = true
	s.ks.Unlock()
	switch s.loadAppendOnlyFiles(false) {
	case aofLoadFailed, aofLoadOpenErr:
		return ErrAOFLoad
	}
	return s.aofOpenOnStart()
}

// aofLoadManifestFromDisk reads the manifest if the directory and file
// exist (mu held). Errors are fatal, with Redis's log lines.
func (s *Server) aofLoadManifestFromDisk() error {
	a := &s.aof
	a.manifest = &aof.Manifest{}
	path := filepath.Join(a.dir, aof.ManifestName(a.filename))
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		s.log.Warn(fmt.Sprintf("Fatal error: can't open the AOF manifest file %s for reading: %s", path, strerror(err)))
		return ErrAOFLoad
	}
	defer f.Close()
	m, err := aof.ParseManifest(f)
	if err != nil {
		var me *aof.ManifestError
		s.log.Warn("\n*** FATAL AOF MANIFEST FILE ERROR ***\n")
		if errors.As(err, &me) {
			if me.Line > 0 {
				s.log.Warn(fmt.Sprintf("Reading the manifest file, at line %d\n", me.Line))
				s.log.Warn(fmt.Sprintf(">>> '%s'\n", me.Text))
			}
			s.log.Warn(me.Msg + "\n")
		} else {
			s.log.Warn(err.Error())
		}
		return ErrAOFLoad
	}
	a.manifest = m
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// loadAppendOnlyFiles replays the base and incremental files in order
// (mu held). lockHeld is set for DEBUG LOADAOF, which runs under the
// keyspace lock.
func (s *Server) loadAppendOnlyFiles(lockHeld bool) aofLoadStatus {
	a := &s.aof
	m := a.manifest
	serverDir := s.cfg.String("dir")
	// An appendfilename in the server dir is an AOF of Redis before 7:
	// move it into the AOF dir as the base (Redis's upgrade).
	if fileExists(filepath.Join(serverDir, a.filename)) {
		_, dirErr := os.Stat(a.dir)
		if dirErr != nil || m.Empty() ||
			m.Base != nil && len(m.Incr) == 0 && m.Base.Name == a.filename && !fileExists(filepath.Join(a.dir, a.filename)) {
			if err := s.aofUpgrade(); err != nil {
				s.log.Warn(err.Error())
				return aofLoadFailed
			}
			m = a.manifest
		}
	}
	if m.Empty() {
		return aofLoadNotExist
	}
	files := []aof.FileInfo{}
	if m.Base != nil {
		files = append(files, *m.Base)
	}
	files = append(files, m.Incr...)
	var total int64
	for _, fi := range files {
		st, err := os.Stat(filepath.Join(a.dir, fi.Name))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				s.log.Warn(fmt.Sprintf("The append log file %s doesn't exist: %s", fi.Name, strerror(err)))
			} else {
				s.log.Warn(fmt.Sprintf("Fatal error: can't open the append log file %s for reading: %s", fi.Name, strerror(err)))
			}
			return aofLoadFailed
		}
		total += st.Size()
	}
	if total == 0 {
		return aofLoadEmpty
	}
	s.setLoading(true)
	defer s.setLoading(false)
	ret := aofLoadOK
	var baseSize int64
	for i, fi := range files {
		last := i == len(files)-1
		start := time.Now()
		st := s.loadAOFFile(fi.Name, lockHeld)
		if fi.Type == aof.TypeBase {
			if info, err := os.Stat(filepath.Join(a.dir, fi.Name)); err == nil {
				baseSize = info.Size()
			}
		}
		if st == aofLoadEmpty && fi.Type == aof.TypeIncr {
			st = aofLoadOK
		}
		if st == aofLoadOK || st == aofLoadTruncated && last {
			kind := "incr"
			if fi.Type == aof.TypeBase {
				kind = "base"
			}
			s.log.Info(fmt.Sprintf("DB loaded from %s file %s: %.3f seconds", kind, fi.Name, time.Since(start).Seconds()))
		}
		if st == aofLoadTruncated && !last {
			s.log.Warn("Fatal error: the truncated file is not the last file")
			return aofLoadFailed
		}
		if st == aofLoadOpenErr || st == aofLoadFailed {
			return st
		}
		if st == aofLoadTruncated {
			ret = aofLoadTruncated
		}
	}
	a.baseSize.Store(baseSize)
	a.olderIncrSize.Store(max(total-baseSize-s.lastIncrSize(m), 0))
	s.ks.Dirty = 0
	return ret
}

// lastIncrSize is the size of the last incremental file of m.
func (s *Server) lastIncrSize(m *aof.Manifest) int64 {
	if len(m.Incr) == 0 {
		return 0
	}
	st, err := os.Stat(filepath.Join(s.aof.dir, m.Incr[len(m.Incr)-1].Name))
	if err != nil {
		return 0
	}
	return st.Size()
}

// setLoading marks the server as loading: propagation is off and
// commands replayed from the file never expire keys.
func (s *Server) setLoading(on bool) { s.prop.loading = on }

// aofUpgrade moves a pre-7 appendonly file into the AOF directory as the
// base of a new manifest (mu held).
func (s *Server) aofUpgrade() error {
	a := &s.aof
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return fmt.Errorf("can't open or create append-only dir %s: %s", a.dir, strerror(err))
	}
	m := a.manifest.Clone()
	for _, fi := range m.Incr {
		fi.Type = aof.TypeHistory
		m.History = append(m.History, fi)
	}
	m.Incr = nil
	if m.Base != nil {
		old := *m.Base
		old.Type = aof.TypeHistory
		m.History = append([]aof.FileInfo{old}, m.History...)
	}
	m.Base = &aof.FileInfo{Name: a.filename, Seq: 1, Type: aof.TypeBase}
	m.BaseSeq = 1
	if err := aof.WriteManifest(a.dir, a.filename, m); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(s.cfg.String("dir"), a.filename), filepath.Join(a.dir, a.filename)); err != nil {
		return fmt.Errorf("error trying to move the old AOF file %s into dir %s: %s", a.filename, a.dir, strerror(err))
	}
	a.manifest = m
	s.log.Info(fmt.Sprintf("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", a.filename, a.dir))
	return nil
}

// loadRDBFrom loads an RDB-format base. THE RDB READER IS NOT IN THE TREE
// YET: when it lands, this calls it (this is the only place that knows).
func (s *Server) loadRDBFrom(r io.Reader, lockHeld bool) error {
	return s.loadRDB(r, loadOptions{locked: lockHeld, exact: true})
}

// loadAOFFile replays one file of the AOF (Redis's
// loadSingleAppendOnlyFile), with its log lines and truncation rules.
func (s *Server) loadAOFFile(name string, lockHeld bool) aofLoadStatus {
	path := filepath.Join(s.aof.dir, name)
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			s.log.Warn(fmt.Sprintf("The append log file %s doesn't exist: %s", name, strerror(err)))
			return aofLoadNotExist
		}
		s.log.Warn(fmt.Sprintf("Fatal error: can't open the append log file %s for reading: %s", name, strerror(err)))
		return aofLoadOpenErr
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		return aofLoadEmpty
	}
	rd := aof.NewReader(f)
	if sig, err := rd.Peek(5); err == nil && string(sig) == "REDIS" {
		oldStyle := name == s.aof.filename
		if oldStyle {
			s.log.Info("Reading RDB preamble from AOF file...")
		} else {
			s.log.Info("Reading RDB base file on AOF loading...")
		}
		if err := s.loadRDBFrom(rd.Raw(), lockHeld); err != nil {
			if oldStyle {
				s.log.Warn(fmt.Sprintf("Error reading the RDB preamble of the AOF file %s, AOF loading aborted", name))
			} else {
				s.log.Warn(fmt.Sprintf("Error reading the RDB base file %s, AOF loading aborted", name))
			}
			s.log.Warn(err.Error())
			return aofLoadFailed
		}
		if oldStyle {
			s.log.Info("Reading the remaining AOF tail...")
		}
	}
	c := &Client{srv: s, addr: "aof", laddr: "aof", w: resp.NewWriter(), authed: true, user: "default", fd: -1, id: -1}
	validUpTo, validBeforeMulti := rd.Offset(), int64(0)
	for {
		argv, err := rd.Next()
		if err == io.EOF {
			if c.multi != nil {
				s.log.Warn("Revert incomplete MULTI/EXEC transaction in AOF file " + name)
				validUpTo = validBeforeMulti
				return s.aofShortRead(path, name, validUpTo)
			}
			return aofLoadOK
		}
		if errors.Is(err, aof.ErrTruncated) {
			return s.aofShortRead(path, name, validUpTo)
		}
		var fe *aof.FormatError
		if errors.As(err, &fe) {
			s.log.Warn(fmt.Sprintf("The command at offset %d of %s is not valid", fe.Offset, name))
			s.log.Warn(fmt.Sprintf("Bad file format reading the append only file %s: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name))
			return aofLoadFailed
		}
		if err != nil {
			s.log.Warn(fmt.Sprintf("Unrecoverable error reading the append only file %s: %s", name, strerror(err)))
			return aofLoadFailed
		}
		cmd := s.cmds.lookup(argv[0])
		if cmd != nil && cmd.Sub != nil && len(argv) >= 2 {
			cmd = cmd.Sub[strings.ToLower(string(argv[1]))]
		}
		if cmd == nil || cmd.Handler == nil {
			s.log.Warn(fmt.Sprintf("Unknown command '%s' reading the append only file %s", argv[0], name))
			return aofLoadFailed
		}
		if cmd.Parent == nil && cmd.Name == "multi" {
			validBeforeMulti = validUpTo
		}
		if !lockHeld {
			s.ks.Lock()
		}
		if c.multi != nil && !(cmd.Parent == nil && cmd.Name == "exec") {
			c.multi.queue = append(c.multi.queue, queuedCommand{cmd: cmd, args: argv})
		} else {
			x := Ctx{s: s, c: c, cmd: cmd, args: argv, w: c.w, db: s.ks.DB(c.db), now: 0, noBlock: true}
			s.call(&x, 0)
		}
		if !lockHeld {
			s.ks.Unlock()
		}
		c.w.Reset()
		validUpTo = rd.Offset()
	}
}

// aofShortRead handles a file that ends in the middle of a command (or of
// a transaction): with aof-load-truncated the tail is cut off.
func (s *Server) aofShortRead(path, name string, validUpTo int64) aofLoadStatus {
	if s.cfg.Bool("aof-load-truncated") {
		s.log.Warn(fmt.Sprintf("!!! Warning: short read while loading the AOF file %s!!!", name))
		s.log.Warn(fmt.Sprintf("!!! Truncating the AOF %s at offset %d !!!", name, validUpTo))
		if err := os.Truncate(path, validUpTo); err != nil {
			s.log.Warn(fmt.Sprintf("Error truncating the AOF file %s: %s", name, strerror(err)))
		} else {
			s.log.Warn(fmt.Sprintf("AOF %s loaded anyway because aof-load-truncated is enabled", name))
			return aofLoadTruncated
		}
	}
	s.log.Warn(fmt.Sprintf("Unexpected end of file reading the append only file %s. You can: "+
		"1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "+
		"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", name))
	return aofLoadFailed
}

// aofOpenOnStart creates the base of an empty AOF and opens the last
// incremental file for appending (Redis's aofOpenIfNeededOnServerStart).
// mu is held.
func (s *Server) aofOpenOnStart() error {
	a := &s.aof
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		s.log.Warn(fmt.Sprintf("Can't open or create append-only dir %s: %s", a.dir, strerror(err)))
		return ErrAOFLoad
	}
	m := a.manifest.Clone()
	hadIncr := len(m.Incr) > 0
	if m.Empty() {
		rdbBase := s.cfg.Bool("aof-use-rdb-preamble")
		base := m.NewBase(a.filename, rdbBase)
		// The dataset is empty (nothing was loaded): the base is empty too,
		// except for functions.
		var b []byte
		s.ks.Lock()
		if rdbBase {
			var buf bytes.Buffer
			_ = s.writeSnapshotLocked(&buf, true) // in memory: cannot fail
			b = buf.Bytes()
		} else {
			for _, lib := range s.scripting.funcs.Libraries() {
				b = aof.AppendCommand(b, []byte("FUNCTION"), []byte("LOAD"), lib.Code())
			}
		}
		s.ks.Unlock()
		if err := writeFileSync(filepath.Join(a.dir, base), b); err != nil {
			s.log.Warn(err.Error())
			return ErrAOFLoad
		}
		a.baseSize.Store(int64(len(b)))
		s.log.Info(fmt.Sprintf("Creating AOF base file %s on server start", base))
	}
	name := m.LastIncr(a.filename)
	f, err := os.OpenFile(filepath.Join(a.dir, name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		s.log.Warn(fmt.Sprintf("Can't open the append-only file %s: %s", name, strerror(err)))
		return ErrAOFLoad
	}
	if err := aof.WriteManifest(a.dir, a.filename, m); err != nil {
		f.Close()
		s.log.Warn(err.Error())
		return ErrAOFLoad
	}
	a.manifest = m
	size, _ := f.Seek(0, io.SeekEnd)
	s.ks.Lock()
	a.w.Store(aof.NewWriterAt(f, size, 0))
	a.sinkOn = true
	s.prop.selectedDB = -1
	s.ks.Unlock()
	if hadIncr {
		s.log.Info(fmt.Sprintf("Opening AOF incr file %s on server start", name))
	} else {
		s.log.Info(fmt.Sprintf("Creating AOF incr file %s on server start", name))
	}
	return nil
}

// writeFileSync writes a new file and fsyncs it.
func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync of %s: %w", path, err)
	}
	return f.Close()
}

// aofClose writes and fsyncs the AOF at shutdown.
func (s *Server) aofClose() {
	s.ks.Lock()
	w := s.aof.w.Swap(nil)
	s.aof.sinkOn = false
	s.ks.Unlock()
	if w != nil {
		if err := w.Close(); err != nil {
			s.log.Warn("Error closing the AOF: " + err.Error())
		}
	}
}

// debugLoadAOF is DEBUG LOADAOF: the AOF is written out, the dataset
// emptied and reloaded from the files (keyspace lock held).
func (s *Server) debugLoadAOF(x *Ctx) {
	// With appendonly off it loads what the last BGREWRITEAOF wrote, as
	// Redis does.
	if w := s.aof.w.Load(); w != nil {
		if err := w.Barrier(w.Fed(), true); err != nil {
			x.Err("ERR Error writing the AOF: " + err.Error())
			return
		}
	}
	if !s.aof.mu.TryLock() {
		x.Err("ERR Background append only file rewriting already in progress")
		return
	}
	defer s.aof.mu.Unlock()
	s.ks.FlushAll()
	s.scripting.funcs.Flush()
	st := s.loadAppendOnlyFiles(true)
	if st == aofLoadFailed || st == aofLoadOpenErr {
		x.Err("ERR Error loading the AOF: see the server log")
		return
	}
	s.log.Info("Append Only File loaded by DEBUG LOADAOF")
	x.w.OK()
}

// infoAOF writes the AOF fields of INFO persistence, in Redis 7.0's order.
func (s *Server) infoAOF(w *infoWriter) {
	a := &s.aof
	status := func(bad bool) string {
		if bad {
			return "err"
		}
		return "ok"
	}
	cur := int64(-1)
	if st := a.rewriteStartMs.Load(); st != 0 {
		cur = (time.Now().UnixMilli() - st) / 1000
	}
	writer := a.w.Load()
	enabled := a.on
	w.num("aof_enabled", b2i(enabled))
	w.num("aof_rewrite_in_progress", b2i(a.rewriting.Load()))
	w.num("aof_rewrite_scheduled", b2i(a.scheduled.Load()))
	w.num("aof_last_rewrite_time_sec", a.lastRewriteSec.Load())
	w.num("aof_current_rewrite_time_sec", cur)
	w.str("aof_last_bgrewrite_status", status(a.lastRewriteErr.Load()))
	w.num("aof_rewrites", a.rewrites.Load())
	w.num("aof_rewrites_consecutive_failures", a.consecFailures.Load())
	w.str("aof_last_write_status", status(writer != nil && writer.Err() != nil))
	w.num("aof_last_cow_size", 0)
	w.num("module_fork_in_progress", 0)
	w.num("module_fork_last_cow_size", 0)
	if enabled {
		pending := int64(0)
		if writer != nil {
			pending = writer.Pending()
		}
		w.num("aof_current_size", a.currentSize())
		w.num("aof_base_size", a.baseSize.Load())
		w.num("aof_pending_rewrite", b2i(a.scheduled.Load()))
		w.num("aof_buffer_length", pending)
		w.num("aof_pending_bio_fsync", b2i(a.fsyncRunning.Load()))
		w.num("aof_delayed_fsync", 0)
	}
}
