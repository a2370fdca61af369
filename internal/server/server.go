package server

import (
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peregrinedb/peregrine/internal/config"
	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// Version is the Redis version Peregrine reports (INFO, HELLO): clients
// enable features by it.
const Version = "7.0.15"

// Options configure a Server.
type Options struct {
	// Config is the loaded configuration (config.New() for defaults).
	Config *config.Config
	// Logger overrides the Redis-style log built from logfile/loglevel.
	Logger *slog.Logger
	// EphemeralPort makes "port 0" mean "any free port" (embedded use)
	// instead of Redis's "no TCP listener".
	EphemeralPort bool
	// Banner logs Redis's start-up lines (the test suite waits for
	// " PID: <pid>" before loading and "Ready to accept connections"
	// after it); the peregrine command sets it.
	Banner bool
	// OwnsProcess lets the server tune process-wide runtime settings (the
	// Go soft memory limit follows maxmemory); embedded servers share the
	// process and leave them alone.
	OwnsProcess bool
}

// Server is one Peregrine instance. Several can run in one process.
type Server struct {
	cfg      *config.Config
	log      *slog.Logger
	logLevel *slog.LevelVar
	logClose func()
	ks       *keyspace.Keyspace
	cmds     commandTable
	acl      aclState // users and the ACL LOG (acl.go)
	opts     Options

	// listenMu guards the listeners, which CONFIG SET port/bind replace.
	listenMu  sync.Mutex
	listeners []net.Listener // TCP
	unix      net.Listener   // unixsocket, nil when not configured
	tls       tlsState       // tls-port listeners and configuration (tls.go)
	closing   bool
	addr      string

	clientsMu sync.Mutex
	clients   map[int64]*Client
	nextID    atomic.Int64
	monitors  []*Client              // guarded by the keyspace lock
	watchers  map[blockKey][]*Client // WATCHed keys (keyspace lock)
	pubsub    pubsubRegistry         // subscriptions (keyspace lock)
	track     trackingRegistry       // client-side caching (keyspace lock)
	evict     evictState             // used-memory anchor and eviction pool (keyspace lock)
	idleGC    idleGC                 // garbage collection when idle (cron goroutine, idle_gc.go)
	rnd       *rand.Rand             // sampling commands' random source (keyspace lock)
	hfe       map[blockKey]struct{}  // hashes with field TTLs, for active expiry (keyspace lock)
	blk       blocker                // parked clients of blocking commands (keyspace lock)
	scripting scripting              // Lua engines and the running script (script_call.go)
	prop      propagation            // command propagation stream (propagate.go; keyspace lock)
	aof       aofState               // append-only file (aof.go)
	repl      replState              // replication (replication_master.go; keyspace lock)
	// inExec is set while EXEC runs its queue (keyspace lock): background
	// jobs requested inside it are scheduled for after it, as in Redis.
	inExec bool
	// shut is a shutdown waiting for lagging replicas (shutdown_wait.go).
	shut shutdownWait
	// lastSignal names the signal that asked for the pending shutdown.
	lastSignal atomic.Pointer[string]
	// cmdStart is when the command in progress started (unix ns; 0 when
	// none or when the watchdog is off), for the watchdog (crash.go).
	cmdStart atomic.Int64
	// replicaExpires holds the keys with a TTL that clients wrote on this
	// server while it is a writable replica (replica_expire.go).
	replicaExpires map[blockKey]struct{}

	stats     serverStats
	cmem      clientMemStats // client memory and client eviction (clientmem.go)
	errStats  errorStats
	slowlog   slowlog
	latency   latencyMonitor
	pause     pauseState
	fo        failoverState // a FAILOVER in progress (failover.go; keyspace lock)
	runID     string
	startTime time.Time
	info      infoState    // INFO/LASTSAVE/MEMORY state (cmd_server.go)
	persist   persistState // snapshots and loading (persist.go)
	migrate   migrateCache // MIGRATE's target connections (migrate.go)
	debug     debugState   // DEBUG knobs (cmd_debug.go)
	oom       oomScore     // oom-score-adj (oom.go)
	hz        atomic.Int64

	shutdownOnce sync.Once
	// shutdownASAP is set by a SIGTERM/SIGINT; the cron carries the
	// shutdown out (SHUTDOWN ABORT can cancel it first).
	shutdownASAP atomic.Bool
	done         chan struct{}
	wg           sync.WaitGroup
	cronStop     chan struct{}
	exitCode     int

	// live copies of hot configuration values, refreshed by apply hooks
	live liveConfig
}

// liveConfig caches configuration read on hot paths.
type liveConfig struct {
	requirepass    atomic.Pointer[string]
	maxBulk        atomic.Int64
	maxQuery       atomic.Int64
	slowlogSlower  atomic.Int64
	slowlogMax     atomic.Int64
	idleTimeout    atomic.Int64
	maxClients     atomic.Int64
	protectedMode  atomic.Bool
	debugCommand   atomic.Pointer[string]
	latencyMonitor atomic.Int64
	latencyTrack   atomic.Bool  // latency-tracking
	watchdog       atomic.Int64 // watchdog-period, ms (0: off)
	notifyFlags    atomic.Int64 // notify-keyspace-events classes
	maxmemory      atomic.Uint64
	// collection encoding thresholds
	hashMaxEntries, hashMaxValue, setMaxIntset, zsetMaxEntries, zsetMaxValue atomic.Int64
	obuf                                                                     atomic.Pointer[[3]config.OutputBufferLimit]
}

// serverStats are INFO stats counters.
type serverStats struct {
	connections   atomic.Int64
	commands      atomic.Int64
	rejectedConns atomic.Int64
	netInput      atomic.Int64
	netOutput     atomic.Int64
	opsSamples    [16]int64
	opsIdx        int
	lastOps       int64
	lastOpsAt     time.Time
	instOps       atomic.Int64
	unexpectedErr atomic.Int64
	// blockedClients and trackingClients are maintained by blocking
	// operations and client tracking (INFO clients).
	blockedClients atomic.Int64
	// forks counts background snapshots (BGSAVE, AOF rewrites, full
	// syncs): Redis forks a child for each.
	forks           atomic.Int64
	trackingClients atomic.Int64
}

// New builds a server from its options; nothing listens until Start.
func New(opts Options) (*Server, error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.New()
	}
	s := &Server{
		cfg:       cfg,
		opts:      opts,
		clients:   map[int64]*Client{},
		done:      make(chan struct{}),
		cronStop:  make(chan struct{}),
		startTime: time.Now(),
		logLevel:  &slog.LevelVar{},
		logClose:  func() {},
	}
	s.persist.lastOK.Store(true)
	var id [20]byte
	_, _ = crand.Read(id[:])
	s.runID = hex.EncodeToString(id[:])
	s.logLevel.Set(parseLogLevel(cfg.String("loglevel")))
	if opts.Logger != nil {
		s.log = opts.Logger
	} else {
		w, closeFn, err := logWriterFor(cfg.String("logfile"))
		if err != nil {
			return nil, err
		}
		s.logClose = closeFn
		s.log = slog.New(newRedisLogHandler(w, s.logLevel))
	}
	s.ks = keyspace.New(int(cfg.Int("databases")))
	s.ks.SetHook(s.keyChanged)
	s.ks.SetExpiryPaused(s.expiryPaused)
	s.ks.SetSizer(objectMemory)
	s.pause.blocked = &s.stats.blockedClients
	s.cmds = newCommandTable(
		stringCommands(), keyCommands(), connectionCommands(), serverCommands(), functionCommands(),
		bitmapCommands(), sortCommands(), geoCommands(), transactionCommands(), pubsubCommands(), replicationCommands(), failoverCommands(), hashCommands(), listCommands(), setCommands(), zsetCommands(), streamCommands(),
		scriptCommands(), persistenceCommands(), hllCommands(),
		aofCommands(), // AOF: BGREWRITEAOF (aof.go)
		aclCommands(), // ACL (cmd_acl.go)
	)
	if err := s.cmds.rename(cfg.Renames()); err != nil {
		return nil, err
	}
	if err := s.initACL(); err != nil {
		return nil, err
	}
	s.initScripting()
	s.slowlog.init()
	s.latency.init()
	s.loadLiveConfig()
	s.registerConfigHooks()
	s.applyAccessMode()
	s.registerAccessModeHooks()
	if opts.OwnsProcess {
		applyMemoryLimit(cfg.Uint("maxmemory"))
	}
	s.registerListenHooks()
	s.registerTLSHooks()
	s.registerOOMHooks()
	s.initAOF() // AOF configuration and CONFIG SET hooks (aof.go)
	s.initReplication()
	s.recordStartupMemory()
	return s, nil
}

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Start listens on the configured addresses and serves in the background.
func (s *Server) Start() error {
	if err := s.listen(); err != nil {
		return err
	}
	s.startupOOMScore()
	if pidfile := s.cfg.String("pidfile"); pidfile != "" {
		if err := os.WriteFile(pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			s.log.Warn("Failed to write PID file", "err", err)
		}
	}
	s.listenMu.Lock()
	for _, ln := range s.listeners {
		s.startAccepting(ln)
	}
	for _, ln := range s.tls.listeners {
		s.startAccepting(ln)
	}
	if s.unix != nil {
		s.startAccepting(s.unix)
	}
	s.listenMu.Unlock()
	if s.opts.Banner {
		port := s.tcpPort()
		s.log.Info(fmt.Sprintf("Peregrine (Redis %s compatible) 64 bit, standalone mode, port %d", Version, port))
		s.log.Info("Server initialized")
	}
	// Clients may connect while the data loads: they get LOADING errors
	// for everything but the commands flagged "loading".
	if err := s.loadDataAtStartup(); err != nil {
		s.closeListeners()
		return err
	}
	if s.opts.Banner {
		s.log.Info("Ready to accept connections tcp")
	}
	s.startReplicationFromConfig() // replicaof directive (replication_replica.go)
	s.wg.Add(1)
	go s.cron()
	go s.watchdogLoop()
	return nil
}

// Done is closed when the server has shut down (SHUTDOWN or Close).
func (s *Server) Done() <-chan struct{} { return s.done }

// ExitCode is the process exit code a SHUTDOWN asked for.
func (s *Server) ExitCode() int { return s.exitCode }

// Close shuts the server down without saving: listeners and clients are
// closed and in-flight commands finish.
func (s *Server) Close() error {
	s.shutdown(0)
	return nil
}

// shutdown stops everything once.
func (s *Server) shutdown(code int) {
	s.shutdownOnce.Do(func() {
		s.exitCode = code
		s.stopScriptForShutdown()
		s.closeListeners()
		s.migrate.closeAll()
		close(s.cronStop)
		s.clientsMu.Lock()
		for _, c := range s.clients {
			c.kill()
		}
		s.clientsMu.Unlock()
		go func() {
			s.wg.Wait()
			s.aofClose() // AOF: write and fsync what is buffered (aof.go)
			if pidfile := s.cfg.String("pidfile"); pidfile != "" {
				os.Remove(pidfile)
			}
			s.log.Warn("Peregrine is now ready to exit, bye bye...")
			s.logClose()
			close(s.done)
		}()
	})
}

// Signal handles SIGTERM and SIGINT (name is "SIGTERM" or "SIGINT") as
// Redis does: the signal schedules a shutdown that the cron performs, so
// SHUTDOWN ABORT can still cancel it; a second SIGINT while one is pending
// asks to exit at once, which Signal reports by returning true.
func (s *Server) Signal(name string) (exitNow bool) {
	if name == "SIGINT" && s.shutdownASAP.Load() {
		s.log.Warn("You insist... exiting now.")
		return true
	}
	s.log.Warn(fmt.Sprintf("Received %s scheduling shutdown...", name))
	s.lastSignal.Store(&name)
	s.shutdownASAP.Store(true)
	return false
}

// Wait blocks until the server has shut down.
func (s *Server) Wait() { <-s.done }
