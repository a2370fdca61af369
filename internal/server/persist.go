package server

import (
	"errors"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/peregrinedb/peregrine/internal/rdb"
)

// persistState is the RDB side of persistence: the running BGSAVE, the
// outcome of the last one, and the loading state. Fields without their
// own synchronization are guarded by the keyspace lock.
type persistState struct {
	bgsave        *bgsaveJob  // running BGSAVE, nil when none
	bgsaveRunning atomic.Bool // bgsave != nil, readable without the lock
	scheduled     bool        // BGSAVE SCHEDULE waiting for the running one
	lastOK        atomic.Bool // rdb_last_bgsave_status
	lastBgsaveDur time.Duration
	haveBgsaveDur bool
	lastTry       time.Time // start of the last BGSAVE (retry delay after errors)
	saves         int64     // rdb_saves
	// Loading (INFO persistence loading_*): set while a file loads.
	loading atomic.Bool
	// asyncLoading is set while a replica loads its master's dataset
	// aside and keeps serving the current one (repl-diskless-load swapdb
	// with the same replication ID): commands run, except those flagged
	// no_async_loading.
	asyncLoading  atomic.Bool
	loadStart     atomic.Int64 // unix seconds
	loadTotal     atomic.Int64 // bytes of the file
	loadDone      atomic.Int64 // bytes read so far
	loadedKeys    int64        // rdb_last_load_keys_loaded
	loadedExpired int64        // rdb_last_load_keys_expired
}

// bgsaveJob is one background save in progress.
type bgsaveJob struct {
	start     time.Time
	dirty     int64         // ks.Dirty when it started
	done      chan struct{} // closed when the job has finished
	keysTotal int64
	keysDone  atomic.Int64
	cancel    atomic.Bool // set by FLUSHALL: stop, the data is gone
}

// errSaveCanceled ends a background save that FLUSHALL abandoned.
var errSaveCanceled = errors.New("background save canceled by FLUSHALL")

// rdbPath is the absolute path of the RDB file (dir + dbfilename).
func (s *Server) rdbPath() string {
	return filepath.Join(s.cfg.String("dir"), s.cfg.String("dbfilename"))
}

// rdbWriteOptions reads the configuration that shapes written files.
func (s *Server) rdbWriteOptions() rdb.WriteOptions {
	return rdb.WriteOptions{
		Compress:            s.cfg.Bool("rdbcompression"),
		ListMaxListpackSize: int(s.cfg.Int("list-max-listpack-size")),
	}
}

// rdbLimits are the encoding thresholds loaded values get.
func (s *Server) rdbLimits() rdb.Limits {
	return rdb.Limits{
		HashMaxListpackEntries: int(s.live.hashMaxEntries.Load()),
		HashMaxListpackValue:   int(s.live.hashMaxValue.Load()),
		SetMaxIntsetEntries:    int(s.live.setMaxIntset.Load()),
		ZSetMaxListpackEntries: int(s.live.zsetMaxEntries.Load()),
		ZSetMaxListpackValue:   int(s.live.zsetMaxValue.Load()),
	}
}

// diskErrorBlocksWrites reports whether writes are refused because the
// last background save failed (stop-writes-on-bgsave-error). The caller
// holds the keyspace lock.
func (s *Server) diskErrorBlocksWrites() bool {
	return !s.persist.lastOK.Load() && s.cfg.Bool("stop-writes-on-bgsave-error") && len(s.cfg.SaveParams()) > 0
}

// errBgsaveMisconf is Redis's refusal of writes after a failed save.
const errBgsaveMisconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."

// emptyData drops every key and function library before a reload (Redis's
// emptyData). The caller holds the lock.
func (s *Server) emptyData() {
	for i := 0; i < s.ks.Count(); i++ {
		s.touchAllWatched(i, s.ks.DB(i), nil, time.Now().UnixMilli())
	}
	s.trackingFlush()
	s.ks.FlushAll()
	s.scripting.funcs.Flush()
}

// prepareShutdown does what persistence needs before the server stops:
// a running BGSAVE is abandoned, and a final snapshot is written when
// save points are configured (or save is requested) unless nosave. A
// failed save stops the shutdown unless force. The caller holds the lock.
func (s *Server) prepareShutdown(save, nosave, force bool) error {
	if job := s.persist.bgsave; job != nil {
		s.log.Warn("There is a child saving an .rdb. Killing it!")
		job.cancel.Store(true)
	}
	if s.aof.rewriting.Load() {
		s.log.Warn("There is a child rewriting the AOF. Killing it!")
		s.aof.rwKill.Store(true)
	}
	if nosave || !save && len(s.cfg.SaveParams()) == 0 {
		return nil
	}
	s.log.Info("Saving the final RDB snapshot before exiting.")
	if err := s.saveLocked(); err != nil {
		if force {
			s.log.Warn("Error trying to save the DB. Exit anyway.")
			return nil
		}
		s.log.Warn("Error trying to save the DB, can't exit.")
		return err
	}
	return nil
}
