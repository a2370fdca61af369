package config

import "math"

// C limits used by Redis's bounds.
const (
	intMin    = math.MinInt32
	intMax    = math.MaxInt32
	uintMax   = math.MaxUint32
	longMax   = math.MaxInt64
	llongMax  = math.MaxInt64
	ssizeMax  = math.MaxInt64
	ullongMax = -1 // all bits set: 18446744073709551615 under unsigned bounds
)

// Enum value sets. Values follow Redis so flag enums combine the same way.
var (
	maxmemoryPolicyEnum = []enumItem{{"volatile-lru", 0<<8 | 1}, {"volatile-lfu", 1<<8 | 2},
		{"volatile-random", 3 << 8}, {"volatile-ttl", 2 << 8}, {"allkeys-lru", 4<<8 | 1 | 4},
		{"allkeys-lfu", 5<<8 | 2 | 4}, {"allkeys-random", 6<<8 | 4}, {"noeviction", 7 << 8}}
	syslogFacilityEnum = []enumItem{{"user", 8}, {"local0", 128}, {"local1", 136}, {"local2", 144},
		{"local3", 152}, {"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184}}
	loglevelEnum        = []enumItem{{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}}
	supervisedEnum      = []enumItem{{"upstart", 3}, {"systemd", 2}, {"auto", 1}, {"no", 0}}
	appendfsyncEnum     = []enumItem{{"everysec", 2}, {"always", 1}, {"no", 0}}
	shutdownOnSigEnum   = []enumItem{{"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}}
	replDisklessLoad    = []enumItem{{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}}
	tlsAuthClientsEnum  = []enumItem{{"no", 0}, {"yes", 1}, {"optional", 2}}
	oomScoreAdjEnum     = []enumItem{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}
	aclPubsubEnum       = []enumItem{{"allchannels", 8}, {"resetchannels", 0}}
	sanitizePayloadEnum = []enumItem{{"no", 0}, {"yes", 1}, {"clients", 2}}
	protectedActionEnum = []enumItem{{"no", 0}, {"yes", 1}, {"local", 2}}
	endpointTypeEnum    = []enumItem{{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}
	propagationErrEnum  = []enumItem{{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}
)

// Values of the protected-action enums (enable-protected-configs etc.).
const (
	protectedNo    = 0
	protectedYes   = 1
	protectedLocal = 2
)

// buildTable returns every directive of Redis 7.0.15, in config.c order.
// Aliases are the deprecated names Redis still accepts.
func buildTable() []directive {
	return []directive{
		// Booleans.
		boolean("rdbchecksum", "", immutable, true),
		boolean("daemonize", "", immutable, false),
		boolean("io-threads-do-reads", "", debugInfo|immutable, false),
		boolean("always-show-logo", "", immutable, false),
		boolean("protected-mode", "", mutable, true),
		boolean("rdbcompression", "", mutable, true),
		boolean("rdb-del-sync-files", "", mutable, false),
		boolean("activerehashing", "", mutable, true),
		boolean("stop-writes-on-bgsave-error", "", mutable, true),
		boolean("set-proc-title", "", immutable, true),
		boolean("dynamic-hz", "", mutable, true),
		boolean("lazyfree-lazy-eviction", "", debugInfo, false),
		boolean("lazyfree-lazy-expire", "", debugInfo, false),
		boolean("lazyfree-lazy-server-del", "", debugInfo, false),
		boolean("lazyfree-lazy-user-del", "", debugInfo, false),
		boolean("lazyfree-lazy-user-flush", "", debugInfo, false),
		boolean("repl-disable-tcp-nodelay", "", mutable, false),
		boolean("repl-diskless-sync", "", debugInfo, true),
		boolean("aof-rewrite-incremental-fsync", "", mutable, true),
		boolean("no-appendfsync-on-rewrite", "", mutable, false),
		boolean("cluster-require-full-coverage", "", mutable, true),
		boolean("rdb-save-incremental-fsync", "", mutable, true),
		boolean("aof-load-truncated", "", mutable, true),
		boolean("aof-use-rdb-preamble", "", mutable, true),
		boolean("aof-timestamp-enabled", "", mutable, false),
		boolean("cluster-replica-no-failover", "cluster-slave-no-failover", mutable, false),
		boolean("replica-lazy-flush", "slave-lazy-flush", mutable, false),
		boolean("replica-serve-stale-data", "slave-serve-stale-data", mutable, true),
		boolean("replica-read-only", "slave-read-only", debugInfo, true),
		boolean("replica-ignore-maxmemory", "slave-ignore-maxmemory", mutable, true),
		boolean("jemalloc-bg-thread", "", mutable, true),
		checked(boolean("activedefrag", "", debugInfo, false), checkActiveDefrag),
		boolean("syslog-enabled", "", immutable, false),
		boolean("cluster-enabled", "", immutable, false),
		boolean("appendonly", "", denyLoading, false),
		boolean("cluster-allow-reads-when-down", "", mutable, false),
		boolean("cluster-allow-pubsubshard-when-down", "", mutable, true),
		boolean("crash-log-enabled", "", mutable, true),
		boolean("crash-memcheck-enabled", "", mutable, true),
		boolean("use-exit-on-panic", "", hidden, false),
		boolean("disable-thp", "", immutable, true),
		boolean("cluster-allow-replica-migration", "", mutable, true),
		boolean("replica-announced", "", mutable, true),
		boolean("latency-tracking", "", mutable, true),
		boolean("aof-disable-auto-gc", "", mutable, false),
		boolean("replica-ignore-disk-write-errors", "", mutable, false),

		// Strings (nullable ones store "" as NULL, which is also their default).
		str("aclfile", "", immutable, "", false),
		str("unixsocket", "", immutable, "", true),
		str("pidfile", "", immutable, "", true),
		str("replica-announce-ip", "slave-announce-ip", mutable, "", true),
		str("masteruser", "", sensitive, "", true),
		str("cluster-announce-ip", "", mutable, "", true),
		str("cluster-config-file", "", immutable, "nodes.conf", false),
		checked(str("cluster-announce-hostname", "", mutable, "", true), checkHostname),
		str("syslog-ident", "", immutable, "redis", false),
		checked(str("dbfilename", "", protected, "dump.rdb", false), checkDBFilename),
		checked(str("appendfilename", "", immutable, "appendonly.aof", false), checkAOFFilename),
		checked(str("appenddirname", "", immutable, "appendonlydir", false), checkAOFDirname),
		str("server_cpulist", "", immutable, "", true),
		str("bio_cpulist", "", immutable, "", true),
		str("aof_rewrite_cpulist", "", immutable, "", true),
		str("bgsave_cpulist", "", immutable, "", true),
		str("ignore-warnings", "", mutable, "", false),
		checked(str("proc-title-template", "", mutable, "{title} {listen-addr} {server-mode}", false), checkProcTitle),
		str("bind-source-addr", "", mutable, "", true),
		str("logfile", "", immutable, "", false),
		sds("masterauth", "", sensitive, "", true),
		sds("requirepass", "", sensitive, "", true),

		// Enums.
		enum("supervised", "", immutable, supervisedEnum, 0),
		enum("syslog-facility", "", immutable, syslogFacilityEnum, 128),
		enum("repl-diskless-load", "", debugInfo|denyLoading, replDisklessLoad, 0),
		enum("loglevel", "", mutable, loglevelEnum, 2),
		enum("maxmemory-policy", "", mutable, maxmemoryPolicyEnum, 7<<8),
		enum("appendfsync", "", mutable, appendfsyncEnum, 2),
		enum("oom-score-adj", "", mutable, oomScoreAdjEnum, 0),
		enum("acl-pubsub-default", "", mutable, aclPubsubEnum, 0),
		enum("sanitize-dump-payload", "", debugInfo, sanitizePayloadEnum, 0),
		enum("enable-protected-configs", "", immutable, protectedActionEnum, protectedNo),
		enum("enable-debug-command", "", immutable, protectedActionEnum, protectedNo),
		enum("enable-module-command", "", immutable, protectedActionEnum, protectedNo),
		enum("cluster-preferred-endpoint-type", "", mutable, endpointTypeEnum, 0),
		enum("propagation-error-behavior", "", mutable, propagationErrEnum, 0),
		checked(enum("shutdown-on-sigint", "", multiArg, shutdownOnSigEnum, 0), checkShutdownFlags),
		checked(enum("shutdown-on-sigterm", "", multiArg, shutdownOnSigEnum, 0), checkShutdownFlags),

		// Signed integers (C int).
		signed("databases", "", immutable, 1, intMax, 16, plain),
		signed("port", "", mutable, 0, 65535, 6379, plain),
		signed("io-threads", "", debugInfo|immutable, 1, 128, 1, plain),
		signed("auto-aof-rewrite-percentage", "", mutable, 0, intMax, 100, plain),
		signed("cluster-replica-validity-factor", "cluster-slave-validity-factor", mutable, 0, intMax, 10, plain),
		signed("list-max-listpack-size", "list-max-ziplist-size", mutable, intMin, intMax, -2, plain),
		signed("tcp-keepalive", "", mutable, 0, intMax, 300, plain),
		signed("cluster-migration-barrier", "", mutable, 0, intMax, 1, plain),
		signed("active-defrag-cycle-min", "", mutable, 1, 99, 1, plain),
		signed("active-defrag-cycle-max", "", mutable, 1, 99, 25, plain),
		signed("active-defrag-threshold-lower", "", mutable, 0, 1000, 10, plain),
		signed("active-defrag-threshold-upper", "", mutable, 0, 1000, 100, plain),
		signed("lfu-log-factor", "", mutable, 0, intMax, 10, plain),
		signed("lfu-decay-time", "", mutable, 0, intMax, 1, plain),
		signed("replica-priority", "slave-priority", mutable, 0, intMax, 100, plain),
		signed("repl-diskless-sync-delay", "", mutable, 0, intMax, 5, plain),
		signed("maxmemory-samples", "", mutable, 1, intMax, 5, plain),
		signed("maxmemory-eviction-tenacity", "", mutable, 0, 100, 10, plain),
		signed("timeout", "", mutable, 0, intMax, 0, plain),
		signed("replica-announce-port", "slave-announce-port", mutable, 0, 65535, 0, plain),
		signed("tcp-backlog", "", immutable, 0, intMax, 511, plain),
		signed("cluster-port", "", immutable, 0, 65535, 0, plain),
		signed("cluster-announce-bus-port", "", mutable, 0, 65535, 0, plain),
		signed("cluster-announce-port", "", mutable, 0, 65535, 0, plain),
		signed("cluster-announce-tls-port", "", mutable, 0, 65535, 0, plain),
		signed("repl-timeout", "", mutable, 1, intMax, 60, plain),
		signed("repl-ping-replica-period", "repl-ping-slave-period", mutable, 1, intMax, 10, plain),
		signed("list-compress-depth", "", debugInfo, 0, intMax, 0, plain),
		signed("rdb-key-save-delay", "", hidden, intMin, intMax, 0, plain),
		signed("key-load-delay", "", hidden, intMin, intMax, 0, plain),
		signed("active-expire-effort", "", mutable, 1, 10, 1, plain),
		signed("hz", "", mutable, 0, intMax, 10, plain), // clamped to 1..500, see normalize
		signed("min-replicas-to-write", "min-slaves-to-write", mutable, 0, intMax, 0, plain),
		signed("min-replicas-max-lag", "min-slaves-max-lag", mutable, 0, intMax, 10, plain),
		signed("watchdog-period", "", hidden, 0, intMax, 0, plain),
		signed("shutdown-timeout", "", mutable, 0, intMax, 10, plain),
		signed("repl-diskless-sync-max-replicas", "", mutable, 0, intMax, 0, plain),

		// Unsigned integers (C unsigned int).
		unsigned("maxclients", "", mutable, 1, uintMax, 10000, plain),
		unsigned("unixsocketperm", "", immutable, 0, 0777, 0, octal),
		unsigned("socket-mark-id", "", immutable, 0, uintMax, 0, plain),

		// C unsigned long: Redis checks these bounds as signed.
		signed("active-defrag-max-scan-fields", "", mutable, 1, longMax, 1000, plain),
		signed("slowlog-max-len", "", mutable, 0, longMax, 128, plain),
		signed("acllog-max-len", "", mutable, 0, longMax, 128, plain),

		// C long long.
		signed("busy-reply-threshold", "lua-time-limit", mutable, 0, longMax, 5000, plain),
		signed("cluster-node-timeout", "", mutable, 0, llongMax, 15000, plain),
		signed("slowlog-log-slower-than", "", mutable, -1, llongMax, 10000, plain),
		signed("latency-monitor-threshold", "", mutable, 0, llongMax, 0, plain),
		signed("proto-max-bulk-len", "", debugInfo, 1024*1024, longMax, 512*1024*1024, memory),
		signed("stream-node-max-entries", "", mutable, 0, llongMax, 100, plain),
		signed("repl-backlog-size", "", mutable, 1, llongMax, 1024*1024, memory),

		// C unsigned long long.
		unsigned("maxmemory", "", mutable, 0, ullongMax, 0, memory),
		unsigned("cluster-link-sendbuf-limit", "", mutable, 0, ullongMax, 0, memory),

		// C size_t (unsigned bounds).
		unsigned("hash-max-listpack-entries", "hash-max-ziplist-entries", mutable, 0, longMax, 512, plain),
		unsigned("set-max-intset-entries", "", mutable, 0, longMax, 512, plain),
		unsigned("zset-max-listpack-entries", "zset-max-ziplist-entries", mutable, 0, longMax, 128, plain),
		unsigned("active-defrag-ignore-bytes", "", mutable, 1, llongMax, 100<<20, memory),
		unsigned("hash-max-listpack-value", "hash-max-ziplist-value", mutable, 0, longMax, 64, memory),
		unsigned("stream-node-max-bytes", "", mutable, 0, longMax, 4096, memory),
		unsigned("zset-max-listpack-value", "zset-max-ziplist-value", mutable, 0, longMax, 64, memory),
		unsigned("hll-sparse-max-bytes", "", mutable, 0, longMax, 3000, memory),
		unsigned("tracking-table-max-keys", "", mutable, 0, longMax, 1000000, plain),
		unsigned("client-query-buffer-limit", "", debugInfo, 1024*1024, longMax, 1024*1024*1024, memory),

		// C ssize_t: a memory value or a percentage of maxmemory.
		signed("maxmemory-clients", "", mutable, -100, ssizeMax, 0, memoryPercent),

		// C time_t and off_t.
		signed("repl-backlog-ttl", "", mutable, 0, longMax, 60*60, plain),
		signed("auto-aof-rewrite-min-size", "", mutable, 0, llongMax, 64*1024*1024, memory),
		signed("loading-process-events-interval-bytes", "", hidden, 1024, intMax, 2*1024*1024, plain),

		// TLS (present in TLS-enabled builds such as Debian's).
		signed("tls-port", "", mutable, 0, 65535, 0, plain),
		signed("tls-session-cache-size", "", mutable, 0, intMax, 20*1024, plain),
		signed("tls-session-cache-timeout", "", mutable, 0, intMax, 300, plain),
		boolean("tls-cluster", "", mutable, false),
		boolean("tls-replication", "", mutable, false),
		enum("tls-auth-clients", "", mutable, tlsAuthClientsEnum, 1),
		boolean("tls-prefer-server-ciphers", "", mutable, false),
		boolean("tls-session-caching", "", mutable, true),
		str("tls-cert-file", "", volatile, "", true),
		str("tls-key-file", "", volatile, "", true),
		str("tls-key-file-pass", "", mutable, "", true),
		str("tls-client-cert-file", "", volatile, "", true),
		str("tls-client-key-file", "", volatile, "", true),
		str("tls-client-key-file-pass", "", mutable, "", true),
		str("tls-dh-params-file", "", volatile, "", true),
		str("tls-ca-cert-file", "", volatile, "", true),
		str("tls-ca-cert-dir", "", volatile, "", true),
		str("tls-protocols", "", mutable, "", true),
		str("tls-ciphers", "", mutable, "", true),
		str("tls-ciphersuites", "", mutable, "", true),

		// Special directives (special.go).
		spec("dir", "", protected|denyLoading, dirSpecial),
		spec("save", "", multiArg, saveSpecial),
		spec("client-output-buffer-limit", "", multiArg, obufSpecial),
		spec("oom-score-adj-values", "", multiArg, oomValuesSpecial),
		spec("notify-keyspace-events", "", mutable, notifySpecial),
		spec("bind", "", multiArg, bindSpecial),
		spec("replicaof", "slaveof", immutable|multiArg, replicaofSpecial),
		spec("latency-tracking-info-percentiles", "", multiArg, percentilesSpecial),
	}
}

// deprecatedDirectives are accepted (and ignored) in configuration files
// when followed by exactly one argument.
var deprecatedDirectives = []string{"list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"}

// entry is a name in the lookup index: a directive's name or its alias.
type entry struct {
	name  string
	d     *directive
	alias bool
}

var (
	directives = buildTable()
	entries    []entry           // names then aliases, in table order
	byName     map[string]*entry // lower-case name or alias -> entry
)

func init() {
	byName = make(map[string]*entry, 2*len(directives))
	for i := range directives {
		d := &directives[i]
		d.idx = i
		entries = append(entries, entry{name: d.name, d: d})
		if d.alias != "" {
			entries = append(entries, entry{name: d.alias, d: d, alias: true})
		}
	}
	for i := range entries {
		e := &entries[i]
		if _, dup := byName[e.name]; dup {
			panic("config: duplicate directive " + e.name)
		}
		byName[e.name] = e
	}
}

// lookup finds a directive by name or alias, ignoring ASCII case.
func lookup(name string) *entry {
	return byName[asciiLower(name)]
}
