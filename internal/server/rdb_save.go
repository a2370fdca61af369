package server

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/rdb"
)

// snapshotStep is how many entries a background snapshot serializes per
// hold of the keyspace lock: small enough that commands waiting for the
// lock see tens of microseconds of delay, large enough that locking costs
// little against the serialization.
const snapshotStep = 256

// snapshotFlushAt is the staged size at which a snapshot writes to its
// file (outside the lock).
const snapshotFlushAt = 256 << 10

// writeRDBHeader writes the magic, the aux fields Redis 7.0 writes and the
// function libraries. The caller holds the keyspace lock.
func (s *Server) writeRDBHeader(w *rdb.Writer, aofBase bool) {
	w.Header()
	w.Aux("redis-ver", Version)
	w.AuxInt("redis-bits", 64)
	w.AuxInt("ctime", time.Now().Unix())
	w.AuxInt("used-mem", s.usedMemory())
	if !aofBase {
		s.writeReplInfo(w)
	}
	w.AuxInt("aof-base", boolInt(aofBase))
	for _, l := range s.scripting.funcs.Libraries() {
		w.Function(l.Code())
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// writeSnapshotLocked writes the whole dataset while the caller holds the
// keyspace lock (SAVE, DEBUG RELOAD, shutdown): nothing changes meanwhile.
func (s *Server) writeSnapshotLocked(dst io.Writer, aofBase bool) error {
	w := rdb.NewWriter(dst, s.cfg.Bool("rdbchecksum"), s.rdbWriteOptions())
	s.writeRDBHeader(w, aofBase)
	delay := time.Duration(s.cfg.Int("rdb-key-save-delay")) * time.Microsecond // test knob
	access, now := s.accessSaver(), nowMs()
	for i := 0; i < s.ks.Count(); i++ {
		db := s.ks.DB(i)
		if db.Len() == 0 {
			continue
		}
		w.SelectDB(i, db.Len(), db.ExpiresLen())
		var err error
		db.Range(func(k string, e *keyspace.Entry) bool {
			idle, freq := access(e, now)
			w.KeyString(k, e, idle, freq)
			if delay > 0 {
				time.Sleep(delay)
			}
			if w.Pending() >= snapshotFlushAt {
				err = w.Flush()
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	return w.Finish()
}

// snapshotRun is a background snapshot begun at one instant (under the
// keyspace lock) and written afterwards.
type snapshotRun struct {
	w    *rdb.Writer
	opts rdb.WriteOptions
	snap *keyspace.Snapshot
	side [][]byte // records preserved by writers, per database (lock)
	// access gives a key's idle time or counter under the policy at the
	// start (accessSaver).
	access func(e *keyspace.Entry, now int64) (idle int64, freq int)
}

// errSnapshotRunning refuses a second concurrent snapshot.
var errSnapshotRunning = errors.New("another snapshot is running")

// beginSnapshotLocked starts a point-in-time snapshot at this instant:
// the caller holds the keyspace lock, so the snapshot holds exactly the
// effects of the commands that ran before (BGSAVE's own point, or an AOF
// rewrite's switch to a new incremental file). finishSnapshot writes it.
func (s *Server) beginSnapshotLocked(aofBase bool) (*snapshotRun, error) {
	if s.ks.Snapshotting() {
		return nil, errSnapshotRunning
	}
	run := &snapshotRun{opts: s.rdbWriteOptions(), side: make([][]byte, s.ks.Count()), access: s.accessSaver()}
	s.stats.forks.Add(1) // INFO total_forks: the snapshots that stand in for Redis's fork children
	run.w = rdb.NewWriter(nil, s.cfg.Bool("rdbchecksum"), run.opts)
	run.snap = s.ks.BeginSnapshot(func(db int, key string, e *keyspace.Entry) {
		idle, freq := run.access(e, nowMs())
		run.side[db] = rdb.AppendKey(run.side[db], []byte(key), e, idle, freq, &run.opts)
	})
	s.writeRDBHeader(run.w, aofBase)
	return run, nil
}

// finishSnapshot writes a begun snapshot to dst without holding the
// keyspace lock for more than a step at a time: commands keep running,
// and those that change a key the walk has not reached hand its old value
// over first (keyspace.Snapshot). The caller must not hold the lock.
// progress, if not nil, is updated with the keys written; canceled, if
// not nil, is polled between steps to abandon the snapshot.
func (s *Server) finishSnapshot(run *snapshotRun, dst io.Writer, progress func(keys int64), canceled func() bool) error {
	w, snap, side := run.w, run.snap, run.side
	w.SetOutput(dst)
	var werr error
	flush := func() {
		if werr == nil {
			werr = w.Flush()
		}
		if werr != nil {
			// Keep walking so every entry is stamped (see
			// keyspace.Snapshot), but stop writing.
			w.Discard()
		}
	}
	var keys int64
	delay := time.Duration(s.cfg.Int("rdb-key-save-delay")) * time.Microsecond // test knob
	for i := 0; i < snap.DBs() && !errors.Is(werr, errSaveCanceled); i++ {
		n, expires := snap.Size(i)
		if n == 0 {
			continue
		}
		w.SelectDB(i, n, expires)
		cursor := uint64(0)
		for {
			s.ks.Lock()
			step := snapshotStep
			if delay > 0 {
				step = 1
			}
			before := keys
			now := nowMs()
			cursor = snap.Walk(i, cursor, step, func(k string, e *keyspace.Entry) {
				idle, freq := run.access(e, now)
				w.KeyString(k, e, idle, freq)
				keys++
			})
			if len(side[i]) > 0 {
				w.Raw(side[i])
				side[i] = nil
			}
			s.ks.Unlock()
			if progress != nil {
				progress(keys)
			}
			if w.Pending() >= snapshotFlushAt {
				flush()
			}
			if delay > 0 {
				sleepUnless(delay*time.Duration(keys-before), canceled)
			}
			// Let the connection goroutines run between steps: with one
			// core (GOMAXPROCS 1) the walk would otherwise hold the
			// processor until preempted, 10 ms at a time.
			runtime.Gosched()
			if canceled != nil && canceled() {
				// The data is gone (FLUSHALL) or the job was killed
				// (appendonly no): nothing left to stamp.
				werr = errSaveCanceled
				break
			}
			if cursor == 0 {
				break
			}
		}
	}
	s.ks.Lock()
	snap.End()
	s.ks.Unlock()
	if werr != nil {
		return werr
	}
	return w.Finish()
}

// saveRDBFile writes a snapshot to a temporary file in the data
// directory, syncs it and renames it over the RDB file, so the file is
// always either the old or the new complete snapshot.
func (s *Server) saveRDBFile(path, tmp string, write func(io.Writer) error) error {
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("failed opening the temp RDB file %s (in server root dir %s) for saving: %w", filepath.Base(tmp), filepath.Dir(path), err)
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write error saving DB on disk: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// foregroundTempRDB is the temporary file of a foreground save, named as
// Redis names it (temp-<pid>.rdb); RemoveTempRDB deletes it when the
// process must exit in the middle of a save.
func (s *Server) foregroundTempRDB() string {
	return filepath.Join(filepath.Dir(s.rdbPath()), "temp-"+strconv.Itoa(os.Getpid())+".rdb")
}

// RemoveTempRDB deletes the temporary file of a save in progress, for a
// process exiting at once (a second SIGINT), as Redis's signal handler does.
func (s *Server) RemoveTempRDB() { os.Remove(s.foregroundTempRDB()) }

// saveLocked is SAVE: a foreground snapshot with the lock held. It
// records the outcome as Redis does (dirty counter, LASTSAVE, status).
func (s *Server) saveLocked() error {
	start := time.Now()
	err := s.saveRDBFile(s.rdbPath(), s.foregroundTempRDB(), func(f io.Writer) error { return s.writeSnapshotLocked(f, false) })
	if err != nil {
		// As Redis's rdbSave: a failed foreground save is reported to
		// its caller but does not set rdb_last_bgsave_status.
		s.log.Warn("Error saving DB on disk: " + err.Error())
		return err
	}
	s.log.Info("DB saved on disk")
	s.ks.Dirty = 0
	s.SetLastSave(start.Unix())
	s.persist.lastOK.Store(true)
	return nil
}

// errBgsaveRunning refuses a save while a BGSAVE runs.
const errBgsaveRunning = "ERR Background save already in progress"

// startBgsave launches a background save (the caller holds the lock).
func (s *Server) startBgsave() error {
	if s.persist.bgsave != nil {
		return errors.New(strings.TrimPrefix(errBgsaveRunning, "ERR "))
	}
	// The snapshot starts here, inside the command (as Redis forks in
	// it): the file holds exactly what was written before BGSAVE.
	run, err := s.beginSnapshotLocked(false)
	if err != nil {
		return err
	}
	now := time.Now()
	job := &bgsaveJob{start: now, dirty: s.ks.Dirty, done: make(chan struct{})}
	for i := 0; i < s.ks.Count(); i++ {
		job.keysTotal += int64(s.ks.DB(i).Len())
	}
	s.persist.bgsave = job
	s.persist.bgsaveRunning.Store(true)
	s.persist.lastTry = now
	s.persist.saves++
	s.log.Info("Background saving started")
	s.wg.Add(1)
	go s.runBgsave(job, run)
	return nil
}

// runBgsave is the background save goroutine.
func (s *Server) runBgsave(job *bgsaveJob, run *snapshotRun) {
	defer s.wg.Done()
	defer close(job.done)
	tmp := filepath.Join(filepath.Dir(s.rdbPath()), "temp-bgsave-"+strconv.Itoa(os.Getpid())+".rdb")
	wrote := false
	err := s.saveRDBFile(s.rdbPath(), tmp, func(f io.Writer) error {
		wrote = true
		return s.finishSnapshot(run, f, job.keysDone.Store, job.cancel.Load)
	})
	s.ks.Lock()
	defer s.ks.Unlock()
	if !wrote {
		run.snap.End() // the file could not be created: nothing was walked
	}
	s.persist.bgsave = nil
	s.persist.bgsaveRunning.Store(false)
	s.persist.lastBgsaveDur = time.Since(job.start)
	s.persist.haveBgsaveDur = true
	switch {
	case errors.Is(err, errSaveCanceled):
		// As Redis when it kills its child on purpose: not an error.
		s.log.Warn("Background saving terminated by signal 10")
	case err != nil:
		s.log.Warn("Background saving error: " + err.Error())
		s.persist.lastOK.Store(false)
	default:
		s.log.Info("Background saving terminated with success")
		s.ks.Dirty -= job.dirty
		if s.ks.Dirty < 0 {
			s.ks.Dirty = 0
		}
		s.SetLastSave(job.start.Unix())
		s.persist.lastOK.Store(true)
	}
	if s.persist.scheduled {
		s.persist.scheduled = false
		_ = s.startBgsave()
	}
}

// savePointsDue runs from the cron: start a BGSAVE when a save point
// (save <seconds> <changes>) is reached, as Redis's serverCron does, and
// a scheduled one when nothing runs. The caller holds the lock.
func (s *Server) savePointsDue(now time.Time) {
	if s.persist.bgsave != nil || s.aof.rewriting.Load() {
		return // one background job at a time
	}
	if s.persist.scheduled {
		s.persist.scheduled = false
		_ = s.startBgsave()
		return
	}
	elapsed := now.Unix() - s.LastSave()
	for _, p := range s.cfg.SaveParams() {
		// After a failed save, retry only once the retry delay passed.
		if s.ks.Dirty >= int64(p.Changes) && elapsed > p.Seconds &&
			(s.persist.lastOK.Load() || now.Sub(s.persist.lastTry) > 5*time.Second) {
			s.log.Info(fmt.Sprintf("%d changes in %d seconds. Saving...", p.Changes, p.Seconds))
			_ = s.startBgsave()
			return
		}
	}
}

// sleepUnless sleeps for d (rdb-key-save-delay, a test knob that makes a
// save slow) in short steps, returning early once canceled reports true,
// so that a killed job stops promptly as Redis's killed child does.
func sleepUnless(d time.Duration, canceled func() bool) {
	const step = 10 * time.Millisecond
	for d > 0 {
		if canceled != nil && canceled() {
			return
		}
		t := min(d, step)
		time.Sleep(t)
		d -= t
	}
}
