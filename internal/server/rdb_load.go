package server

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/rdb"
	"github.com/peregrinedb/peregrine/internal/script"
)

// errLoading is the reply to commands refused while a data file loads.
const errLoading = "LOADING Redis is loading the dataset in memory"

// loadOptions say how a file joins the current dataset.
type loadOptions struct {
	// locked: the caller holds the keyspace lock for the whole load
	// (DEBUG RELOAD); otherwise the loader takes it in steps so INFO and
	// other loading-allowed commands answer meanwhile.
	locked bool
	// merge replaces keys that already exist instead of failing.
	merge bool
	// exact: the RDB is followed by other data in the stream (rdb.Handler.Exact).
	exact bool
	// startup: the load at start-up, which restores the replication ID
	// and offset the file records (repl_info.go).
	startup bool
	// keepFunctions: DEBUG RELOAD NOFLUSH without MERGE, where a library
	// of the file that already exists is an error, as in Redis.
	keepFunctions bool
	// into, when set, receives the keys instead of the keyspace: detached
	// databases (keyspace.NewDetached) a replica loads its master's
	// dataset into while the current one is still served, and staged the
	// function libraries. The loader then takes the keyspace lock only
	// to add each key, never while it waits for input.
	into   []*keyspace.DB
	staged *script.Staged
}

// countingReader counts the bytes read for INFO loading_loaded_bytes.
type countingReader struct {
	r io.Reader
	s *Server
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.s.persist.loadDone.Add(int64(n))
	return n, err
}

// loadRDBFile loads the RDB file at path. A missing file is not an error
// (an empty dataset); anything else that fails is.
func (s *Server) loadRDBFile(path string, o loadOptions) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	start := time.Now()
	s.persist.loadStart.Store(start.Unix())
	s.persist.loadTotal.Store(size)
	s.persist.loadDone.Store(0)
	s.persist.loading.Store(true)
	defer s.persist.loading.Store(false)
	err = s.loadRDB(&countingReader{r: f, s: s}, o)
	if err == nil {
		s.log.Info(fmt.Sprintf("DB loaded from disk: %.3f seconds", time.Since(start).Seconds()))
	}
	return err
}

// maxResizeHint caps the table size an RDB file's RESIZEDB hint reserves:
// 8M buckets, 64 MB of bucket array.
const maxResizeHint = 1 << 23

// loadRDB reads an RDB stream into the keyspace.
func (s *Server) loadRDB(r io.Reader, o loadOptions) error {
	detached := o.into != nil
	if !o.locked && !detached {
		s.ks.Lock()
		defer s.ks.Unlock()
	}
	lockDetached := func() {
		if detached {
			s.ks.Lock()
		}
	}
	unlockDetached := func() {
		if detached {
			s.ks.Unlock()
		}
	}
	dbAt := func(i int) *keyspace.DB {
		if detached {
			return o.into[i]
		}
		return s.ks.DB(i)
	}
	now := time.Now().UnixMilli()
	var loaded, expired, skipped int64
	var ri replInfo
	loadDelay := s.cfg.Int("key-load-delay")
	yieldBytes, yieldedAt := s.cfg.Int("loading-process-events-interval-bytes"), s.persist.loadDone.Load()
	h := &rdb.Handler{
		Limits:         s.rdbLimits(),
		VerifyChecksum: s.cfg.Bool("rdbchecksum") && !s.debug.skipChecksumValidation.Load(),
		Exact:          o.exact,
		Aux: func(name, value []byte) error {
			if o.startup {
				ri.aux(string(name), value)
			}
			switch string(name) {
			case "redis-ver":
				s.log.Info("Loading RDB produced by version " + string(value))
			case "ctime":
				if t, ok := parseInt(value); ok {
					s.log.Info(fmt.Sprintf("RDB age %d seconds", time.Now().Unix()-t))
				}
			}
			return nil
		},
		ResizeDB: func(dbi int, keys, expires uint64) {
			// Size the tables up front, as Redis does, capped so a bogus
			// hint cannot make a huge allocation (past the cap the table
			// grows as usual).
			if dbi < s.ks.Count() {
				dbAt(dbi).Expand(int(min(keys, maxResizeHint)), int(min(expires, maxResizeHint)))
			}
		},
		Function: func(code []byte) error {
			if detached {
				s.ks.Lock()
				defer s.ks.Unlock()
				if err := s.scripting.funcs.LoadStaged(&s.scripting.host, o.staged, code); err != nil {
					return fmt.Errorf("failed loading a function library: %w", err)
				}
				return nil
			}
			policy := script.RestoreReplace
			if o.keepFunctions {
				policy = script.RestoreAppend
			}
			if err := s.scripting.funcs.Restore(&s.scripting.host, [][]byte{code}, policy); err != nil {
				return fmt.Errorf("failed loading a function library: %w", err)
			}
			return nil
		},
		Key: func(dbi int, key []byte, e keyspace.Entry, idle int64, freq int) error {
			if dbi >= s.ks.Count() {
				return fmt.Errorf("data file was created with a server configured to handle more than %d databases", s.ks.Count())
			}
			lockDetached()
			if e.Expire != 0 && e.Expire < now {
				unlockDetached()
				// A master drops keys that expired while the file waited
				// (and, restoring its replication offset, streams their
				// DELs as Redis does).
				expired++
				if !detached {
					s.feedLoadExpired(&ri, dbi, key)
				}
				return nil
			}
			db := dbAt(dbi)
			e.Access = s.ks.NewAccess(now)
			s.ks.SetAccessRestored(&e, int64(freq), idle, now)
			// One probe of the table: AddLoaded refuses a present key. A
			// short string's bytes are the loader's, copied into the node.
			borrowed := e.Type == keyspace.TypeString && len(e.Str) <= rdb.ShortString
			if !db.AddLoaded(key, e, borrowed) {
				if !o.merge {
					unlockDetached()
					return fmt.Errorf("duplicated key '%s' found in the RDB file (DB %d)", key, dbi)
				}
				db.Delete(key)
				db.AddLoaded(key, e, borrowed)
			}
			loaded++
			unlockDetached()
			if o.locked || detached {
				if loadDelay > 0 {
					time.Sleep(time.Duration(loadDelay) * time.Microsecond)
				}
				return nil
			}
			// Let loading-allowed commands (INFO, PING, CONFIG...) in every
			// 1024 keys, every loading-process-events-interval-bytes read,
			// and during each key-load-delay pause.
			done := s.persist.loadDone.Load()
			if loadDelay > 0 || loaded%1024 == 0 || done-yieldedAt >= yieldBytes {
				yieldedAt = done
				s.ks.Unlock()
				if loadDelay > 0 {
					time.Sleep(time.Duration(loadDelay) * time.Microsecond)
				}
				s.ks.Lock()
			}
			return nil
		},
		Skipped: func(db int, key []byte) {
			if skipped < 10 {
				s.log.Warn("rdbLoadObject skipping empty key: " + string(key))
			}
			skipped++
		},
	}
	_, err := rdb.Load(r, h)
	lockDetached()
	s.persist.loadedKeys, s.persist.loadedExpired = loaded, expired
	unlockDetached()
	if err != nil {
		if errors.Is(err, rdb.ErrChecksum) {
			s.log.Warn(err.Error() + ". Aborting now.")
			s.log.Warn("Internal error in RDB reading -> RDB CRC error")
		} else {
			s.log.Warn("Internal error in RDB reading -> " + capitalize(err.Error()))
		}
		return err
	}
	if o.startup {
		s.restoreReplInfo(&ri)
	}
	if skipped > 0 {
		s.log.Info(fmt.Sprintf("Done loading RDB, keys loaded: %d, keys expired: %d, empty keys skipped: %d.", loaded, expired, skipped))
	} else {
		s.log.Info(fmt.Sprintf("Done loading RDB, keys loaded: %d, keys expired: %d.", loaded, expired))
	}
	return nil
}

// loadDataAtStartup loads the RDB file, if there is one, before the
// server is ready. Errors other than a missing file are fatal, as in
// Redis.
func (s *Server) loadDataAtStartup() error {
	// With appendonly yes the AOF is the dataset (aof.go); the manifest
	// is read either way.
	s.persist.loading.Store(true)
	err := s.aofStartup()
	s.persist.loading.Store(false)
	if err != nil || s.cfg.Bool("appendonly") {
		return err
	}
	err = s.loadRDBFile(s.rdbPath(), loadOptions{startup: true})
	switch {
	case err == nil, errors.Is(err, os.ErrNotExist):
		return nil
	case errors.Is(err, os.ErrPermission):
		s.log.Warn("Fatal error loading the DB: Permission denied. Exiting.")
	default:
		s.log.Warn("Terminating server after rdb file reading failure.")
		s.log.Warn("Fatal error loading the DB: " + err.Error() + ". Exiting.")
	}
	return fmt.Errorf("%w: %w", ErrLoad, err)
}

// ErrLoad wraps the error Start returns when the data file cannot be
// loaded; the server has already logged it in Redis's words.
var ErrLoad = errors.New("fatal error loading the DB")

// capitalize upper-cases the first letter of an error text for a log
// line in Redis's style ("Hash ziplist integrity check failed: ...").
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-32) + s[1:]
}
