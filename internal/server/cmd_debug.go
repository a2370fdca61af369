package server

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/peregrinedb/peregrine/internal/glob"
	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// debugState holds the knobs DEBUG sets for the test suite. Subsystems read
// them: lists the packed threshold, cron pause-cron, scripting
// disable-deny-scripts, RDB loading skip-checksum, AOF flush-sleep.
type debugState struct {
	quicklistPackedThreshold atomic.Int64 // bytes; 0 = the default (1 GB)
	pauseCron                atomic.Bool
	disableDenyScripts       atomic.Bool
	skipChecksumValidation   atomic.Bool
	aofFlushSleepUs          atomic.Int64
	replyBufferPeakResetMs   atomic.Int64 // -1 never; 0 = the default
	replyBufferNoResize      atomic.Bool
	dropClusterPacketFilter  atomic.Int64
}

// debugAllowed applies enable-debug-command: "yes", "no", or "local"
// (loopback and in-process clients only).
func (x *Ctx) debugAllowed() bool {
	mode := "no"
	if p := x.s.live.debugCommand.Load(); p != nil {
		mode = *p
	}
	switch mode {
	case "yes":
		return true
	case "local":
		return x.c.conn == nil || isLoopback(x.c.conn.RemoteAddr())
	}
	return false
}

func debugCommand(x *Ctx) {
	if !x.debugAllowed() {
		x.Err(errDebugDisabled)
		return
	}
	sub := strings.ToLower(string(x.args[1]))
	n := len(x.args)
	if h, ok := debugHandlers[sub]; ok && n >= h.min && (h.max < 0 || n <= h.max) {
		h.fn(x)
		return
	}
	x.Err(errSubcommandSyntax(x))
}

// debugHandler is one DEBUG subcommand with its argument count bounds
// (including DEBUG and the subcommand; max -1 = unbounded).
type debugHandler struct {
	min, max int
	fn       func(*Ctx)
}

var debugHandlers = map[string]debugHandler{
	"help":                         {2, 2, debugHelp},
	"sleep":                        {3, 3, debugSleep},
	"segfault":                     {2, 2, debugSegfault},
	"set-active-expire":            {3, 3, debugSetActiveExpire},
	"object":                       {3, 3, debugObject},
	"sdslen":                       {3, 3, debugSdslen},
	"digest":                       {2, 2, debugDigest},
	"digest-value":                 {2, -1, debugDigestValue},
	"protocol":                     {3, 3, debugProtocol},
	"log":                          {3, 3, debugLog},
	"error":                        {3, 3, debugError},
	"leak":                         {3, 3, debugOK},
	"replicate":                    {3, -1, debugReplicate},
	"change-repl-id":               {2, 2, debugChangeReplID},
	"populate":                     {3, 5, debugPopulate},
	"reload":                       {2, -1, debugReload},
	"loadaof":                      {2, 2, debugLoadAOF},
	"restart":                      {2, 3, debugRestart},
	"crash-and-recover":            {2, 3, debugRestart},
	"quicklist-packed-threshold":   {3, 3, debugQuicklistPackedThreshold},
	"listpack":                     {3, 3, debugListpack},
	"quicklist":                    {3, 4, debugQuicklist},
	"set-skip-checksum-validation": {3, 3, debugSetSkipChecksum},
	"aof-flush-sleep":              {3, 3, debugAOFFlushSleep},
	"set-disable-deny-scripts":     {3, 3, debugSetDisableDenyScripts},
	"pause-cron":                   {3, 3, debugPauseCron},
	"replybuffer":                  {4, 4, debugReplyBuffer},
	"stringmatch-test":             {2, 2, debugStringmatchTest},
	"structsize":                   {2, 2, debugStructsize},
	"htstats":                      {3, 3, debugHTStats},
	"htstats-key":                  {3, 3, debugHTStatsKey},
	"config-rewrite-force-all":     {2, 2, debugConfigRewriteForceAll},
	"client-eviction":              {2, 2, debugClientEviction},
	"drop-cluster-packet-filter":   {3, 3, debugDropClusterPacketFilter},
}

func debugHelp(x *Ctx) {
	x.s.replyHelp(x, "DEBUG",
		"AOF-FLUSH-SLEEP <microsec>",
		"    Sleep before each AOF flush (for tests).",
		"CHANGE-REPL-ID",
		"    Give the instance new replication IDs.",
		"    Dangerous: meant only for testing replication.",
		"CONFIG-REWRITE-FORCE-ALL",
		"    Rewrite the configuration file (as CONFIG REWRITE does).",
		"CRASH-AND-RECOVER [<milliseconds>]",
		"    Not supported: the server cannot restart itself.",
		"DIGEST",
		"    Return a hex signature of the whole dataset.",
		"DIGEST-VALUE <key> [<key> ...]",
		"    Return a hex signature of the value of each key.",
		"ERROR <string>",
		"    Reply with <string> as an error (for client tests).",
		"LEAK <string>",
		"    Accepted for compatibility; does nothing.",
		"LOG <message>",
		"    Write <message> to the server log.",
		"HTSTATS <dbid>",
		"    Return statistics of the hash tables of database <dbid>.",
		"HTSTATS-KEY <key>",
		"    Return statistics of the hash table of the value at <key>.",
		"LOADAOF",
		"    Reload the dataset from the AOF (needs persistence).",
		"REPLICATE <string>",
		"    Send a command to the replicas only.",
		"OBJECT <key>",
		"    Show low level information about <key> and its value.",
		"DROP-CLUSTER-PACKET-FILTER <packet-type>",
		"    Drop cluster packets of a type (-1 lets all through).",
		"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num> (or <prefix>:<num>), with values",
		"    value:<num>, padded or cut to <size> bytes if given. Existing keys are",
		"    left alone and nothing is propagated.",
		"PROTOCOL <type>",
		"    Reply with a sample value of <type>: string, integer, double, bignum, null,",
		"    array, set, map, attrib, push, verbatim, true, false.",
		"RELOAD [option ...]",
		"    Save the dataset to RDB and load it back (needs persistence). Options:",
		"    * MERGE: keys from the RDB replace conflicting keys.",
		"    * NOFLUSH: keep the current keys while loading.",
		"    * NOSAVE: load the existing RDB file without saving first.",
		"RESTART [<milliseconds>]",
		"    Not supported: the server cannot restart itself.",
		"SDSLEN <key>",
		"    Show the string lengths and allocations of <key> and its value.",
		"SET-ACTIVE-EXPIRE <0|1>",
		"    0 stops the background expiry of keys (they still expire when",
		"    accessed); 1 turns it back on.",
		"QUICKLIST-PACKED-THRESHOLD <size>",
		"    Elements larger than <size> are stored as plain list nodes.",
		"    Up to 4GB; 0 restores the default (1GB).",
		"SET-SKIP-CHECKSUM-VALIDATION <0|1>",
		"    Skip checksum checks of RDB files and RESTORE payloads.",
		"SEGFAULT",
		"    Write a crash report (stack traces) and stop the server at once, without saving.",
		"SLEEP <seconds>",
		"    Block the server for <seconds> (decimals allowed).",
		"STRINGMATCH-TEST",
		"    Fuzz the glob matcher.",
		"STRUCTSIZE",
		"    Return the sizes of core structures.",
		"LISTPACK <key>",
		"    Print the listpack encoding of <key> on standard output.",
		"QUICKLIST <key> [<0|1>]",
		"    Print the quicklist encoding of <key> on standard output.",
		"CLIENT-EVICTION",
		"    Show the client eviction pools (maxmemory-clients).",
		"PAUSE-CRON <0|1>",
		"    Stop (1) or resume (0) the periodic background tasks.",
		"REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|time>",
		"    Time in milliseconds between resets of the reply buffer peak.",
		"REPLYBUFFER RESIZING <0|1>",
		"    Turn reply buffer resizing off or on.",
	)
}

func debugOK(x *Ctx) { x.w.OK() }

// atoi parses like C's atoi: leading digits, 0 when there are none.
func atoi(b []byte) int64 {
	s := strings.TrimSpace(string(b))
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}

// strtod parses the longest float prefix of b, 0 when there is none.
func strtod(b []byte) float64 {
	s := strings.TrimSpace(string(b))
	for end := len(s); end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
	}
	return 0
}

// debugSleep blocks the whole server, as Redis's DEBUG SLEEP does: the
// handler runs under the keyspace lock.
func debugSleep(x *Ctx) {
	d := time.Duration(strtod(x.args[2]) * float64(time.Second))
	if d > 0 {
		time.Sleep(d)
	}
	x.w.OK()
}

func debugSetActiveExpire(x *Ctx) {
	x.s.ks.ActiveExpire = atoi(x.args[2]) != 0
	x.w.OK()
}

func debugChangeReplID(x *Ctx) {
	x.s.log.Warn("Changing replication IDs after receiving DEBUG change-repl-id")
	x.s.changeReplID()
	x.w.OK()
}

func debugLog(x *Ctx) {
	x.s.log.Warn("DEBUG LOG: " + string(x.args[2]))
	x.w.OK()
}

// debugError replies with the argument as the whole error line.
func debugError(x *Ctx) { x.Err(string(x.args[2])) }

// debugObjectInfo is implemented by values that add encoding details to
// DEBUG OBJECT (quicklists report ql_nodes, ql_avg_node, ...): the text is
// appended after a space.
type debugObjectInfo interface {
	DebugInfo() string
}

// serializedLengther is implemented by values that know their RDB size.
type serializedLengther interface {
	SerializedLength() int
}

// rdbLenSize is the size of an RDB length prefix.
func rdbLenSize(n int) int {
	switch {
	case n < 1<<6:
		return 1
	case n < 1<<14:
		return 2
	case n <= 1<<32-1:
		return 5
	}
	return 9
}

// serializedLength estimates the RDB size of an entry's value.
func serializedLength(e *keyspace.Entry) int {
	if e.Type == keyspace.TypeString {
		if e.Enc == keyspace.EncInt {
			n, _ := parseInt(e.Str)
			switch {
			case n >= -(1<<7) && n < 1<<7:
				return 2
			case n >= -(1<<15) && n < 1<<15:
				return 3
			case n >= -(1<<31) && n < 1<<31:
				return 5
			}
		}
		return rdbLenSize(len(e.Str)) + len(e.Str)
	}
	if sl, ok := e.Obj.(serializedLengther); ok {
		return sl.SerializedLength()
	}
	return 0
}

// refcount is what OBJECT REFCOUNT reports: Redis shares the objects of
// small integers, except under maxmemory with an LRU or LFU policy, where
// each value needs its own access field.
func refcount(s *Server, e *keyspace.Entry) int64 {
	if e.Type == keyspace.TypeString && e.Enc == keyspace.EncInt && !s.unsharedIntegers() {
		if n, _ := parseInt(e.Str); n >= 0 && n < 10000 {
			return 2147483647
		}
	}
	return 1
}

func debugObject(x *Ctx) {
	e := x.db.Peek(x.args[2])
	if e == nil {
		x.Err(errNoSuchKey)
		return
	}
	// As in Redis, the access field is shown raw and read as an LRU clock
	// whatever the policy.
	idle := keyspace.LRUIdle(e.Access, x.now) / 1000
	s := fmt.Sprintf("Value at:%p refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
		e, refcount(x.s, e), encodingName(e), serializedLength(e), e.Access&keyspace.LRUClockMax, idle)
	if di, ok := e.Obj.(debugObjectInfo); ok {
		if extra := di.DebugInfo(); extra != "" {
			s += " " + extra
		}
	}
	x.w.Simple(s)
}

func debugSdslen(x *Ctx) {
	e := x.db.Peek(x.args[2])
	if e == nil {
		x.Err(errNoSuchKey)
		return
	}
	if e.Type != keyspace.TypeString || e.Enc == keyspace.EncInt {
		x.Err("ERR Not an sds encoded string.")
		return
	}
	key := x.args[2]
	x.w.Simple(fmt.Sprintf("key_sds_len:%d, key_sds_avail:0, key_zmalloc: %d, val_sds_len:%d, val_sds_avail:%d, val_zmalloc: %d",
		len(key), allocRound(len(key)+4), len(e.Str), cap(e.Str)-len(e.Str), allocRound(cap(e.Str)+4)))
}

// valueDigester is implemented by collection values: it writes a canonical
// form of the value (independent of encoding and of the order of unordered
// collections) for DEBUG DIGEST.
type valueDigester interface {
	DigestValue(w io.Writer)
}

// digestValue hashes an entry's value and whether it has a TTL.
func digestValue(h hash.Hash, e *keyspace.Entry) {
	var hdr [9]byte
	hdr[0] = byte(e.Type)
	if e.Type == keyspace.TypeString {
		binary.LittleEndian.PutUint64(hdr[1:], uint64(len(e.Str)))
		h.Write(hdr[:])
		h.Write(e.Str)
	} else {
		h.Write(hdr[:1])
		if d, ok := e.Obj.(valueDigester); ok {
			d.DigestValue(h)
		} else {
			fmt.Fprintf(h, "%T", e.Obj)
		}
	}
	if e.Expire != 0 {
		h.Write([]byte("!!expire!!"))
	}
}

func xorInto(dst *[20]byte, src []byte) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}

// datasetDigest is an order-independent signature of every database: the
// XOR of one hash per key (database number, key, value). An empty dataset
// digests to zeros.
func (s *Server) datasetDigest() [20]byte {
	var final [20]byte
	h := sha1.New()
	var sum [20]byte
	for i := 0; i < s.ks.Count(); i++ {
		var id [4]byte
		binary.LittleEndian.PutUint32(id[:], uint32(i))
		s.ks.DB(i).Range(func(key string, e *keyspace.Entry) bool {
			h.Reset()
			h.Write(id[:])
			var kl [8]byte
			binary.LittleEndian.PutUint64(kl[:], uint64(len(key)))
			h.Write(kl[:])
			io.WriteString(h, key)
			digestValue(h, e)
			xorInto(&final, h.Sum(sum[:0]))
			return true
		})
	}
	return final
}

func debugDigest(x *Ctx) {
	d := x.s.datasetDigest()
	x.w.Simple(hex.EncodeToString(d[:]))
}

func debugDigestValue(x *Ctx) {
	x.w.Array(len(x.args) - 2)
	h := sha1.New()
	for _, k := range x.args[2:] {
		var d [20]byte
		if e := x.db.Peek(k); e != nil {
			h.Reset()
			digestValue(h, e)
			h.Sum(d[:0])
		}
		x.w.Simple(hex.EncodeToString(d[:]))
	}
}

func debugProtocol(x *Ctx) {
	w := x.w
	switch strings.ToLower(string(x.args[2])) {
	case "string":
		w.BulkString("Hello World")
	case "integer":
		w.Int(12345)
	case "double":
		w.Double(3.141)
	case "bignum":
		w.BigNumber("1234567999999999999999999999999999999")
	case "null":
		w.Null()
	case "array":
		w.Array(3)
		for j := int64(0); j < 3; j++ {
			w.Int(j)
		}
	case "set":
		w.Set(3)
		for j := int64(0); j < 3; j++ {
			w.Int(j)
		}
	case "map":
		w.Map(3)
		for j := int64(0); j < 3; j++ {
			w.Int(j)
			w.Bool(j == 1)
		}
	case "attrib":
		if w.Proto >= 3 {
			w.Attribute(1)
			w.BulkString("key-popularity")
			w.Array(2)
			w.BulkString("key:123")
			w.Int(90)
		}
		w.BulkString("Some real reply following the attribute")
	case "push":
		if w.Proto < 3 {
			x.Err("ERR RESP2 is not supported by this command")
			return
		}
		w.Push(2)
		w.BulkString("server-cpu-usage")
		w.Int(42)
		w.BulkString("Some real reply following the push reply")
	case "true":
		w.Bool(true)
	case "false":
		w.Bool(false)
	case "verbatim":
		w.Verbatim("txt", "This is a verbatim\nstring")
	default:
		x.Err("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
	}
}

// positiveArg parses a DEBUG count as getPositiveLongFromObjectOrReply does.
func positiveArg(x *Ctx, b []byte) (int64, bool) {
	n, ok := parseInt(b)
	if !ok || n < 0 {
		x.Err("ERR value is out of range, must be positive")
		return 0, false
	}
	return n, true
}

// debugPopulate creates count string keys prefix:N = value:N (the value
// padded with zero bytes or cut to size when given). Existing keys are
// kept. The keys are reported to the change hook without an event class,
// so WATCH and tracking see them but no notification fires, and they do
// not count as dirty changes (as in Redis, populate is not propagated).
func debugPopulate(x *Ctx) {
	count, ok := positiveArg(x, x.args[2])
	if !ok {
		return
	}
	var size int64
	if len(x.args) == 5 {
		if size, ok = positiveArg(x, x.args[4]); !ok {
			return
		}
	}
	prefix := "key"
	if len(x.args) >= 4 {
		prefix = string(x.args[3])
	}
	dirty := x.s.ks.Dirty
	var key, val []byte
	for j := int64(0); j < count; j++ {
		key = strconv.AppendInt(append(append(key[:0], prefix...), ':'), j, 10)
		if x.db.Lookup(key, x.now) != nil {
			continue
		}
		val = strconv.AppendInt(append(val[:0], "value:"...), j, 10)
		if size > 0 {
			// Redis pads with zero bytes to size, or truncates to it.
			if l := len(val); l < int(size) {
				val = slices.Grow(val, int(size)-l)[:size]
				clear(val[l:])
			} else {
				val = val[:size]
			}
		}
		x.db.SetString(key, val, keyspace.Entry{Type: keyspace.TypeString,
			Enc: keyspace.StringEncoding(val), Access: x.newAccess()})
		x.db.Changed(key, 0, "")
	}
	x.s.ks.Dirty = dirty
	x.w.OK()
}

func debugReload(x *Ctx) {
	flush, save, merge := true, true, false
	for _, a := range x.args[2:] {
		switch {
		case eqFold(a, "merge"):
			merge = true
		case eqFold(a, "noflush"):
			flush = false
		case eqFold(a, "nosave"):
			save = false
		default:
			x.Err("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	if save {
		if err := x.s.saveLocked(); err != nil {
			x.Err("ERR")
			return
		}
	}
	if flush {
		x.s.emptyData()
	}
	if err := x.s.loadRDBFile(x.s.rdbPath(), loadOptions{locked: true, merge: merge, keepFunctions: !flush && !merge}); err != nil {
		x.Err("ERR Error trying to load the RDB dump")
		return
	}
	x.s.log.Warn("DB reloaded by DEBUG RELOAD")
	x.w.OK()
}

func debugLoadAOF(x *Ctx) {
	// Other clients get LOADING meanwhile (a slow script in the file
	// answers them before the lock is free).
	x.s.persist.loading.Store(true)
	defer x.s.persist.loading.Store(false)
	x.s.debugLoadAOF(x) // aof.go
}

func debugRestart(x *Ctx) {
	if len(x.args) == 3 {
		if _, ok := parseInt(x.args[2]); !ok {
			x.Err(errNotInt)
			return
		}
	}
	x.Err("ERR failed to restart the server. Check server logs.")
}

// parseMemory parses a memory amount as redis.conf writes them: a number
// with an optional k, kb, m, mb, g or gb unit (case-insensitive).
func parseMemory(b []byte) (int64, bool) {
	s := strings.ToLower(string(b))
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"kb", 1024}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mul = strings.TrimSuffix(s, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil || int64(n) > (1<<63-1)/mul {
		return 0, false
	}
	return int64(n) * mul, true
}

func debugQuicklistPackedThreshold(x *Ctx) {
	sz, ok := parseMemory(x.args[2])
	if !ok || sz > 1<<32-1<<20 {
		x.Err("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
		return
	}
	x.s.debug.quicklistPackedThreshold.Store(sz)
	x.w.OK()
}

// encodedEntry returns the entry of key for DEBUG LISTPACK/QUICKLIST/
// HTSTATS-KEY, replying "no such key" when it is missing.
func encodedEntry(x *Ctx) *keyspace.Entry {
	e := x.db.LookupNoTouch(x.args[2], x.now)
	if e == nil {
		x.Err(errNoSuchKey)
	}
	return e
}

func debugListpack(x *Ctx) {
	e := encodedEntry(x)
	if e == nil {
		return
	}
	if encodingName(e) != "listpack" {
		x.Err("ERR Not a listpack encoded object.")
		return
	}
	fmt.Printf("%+v\n", e.Obj)
	x.w.Simple("Listpack structure printed on stdout")
}

func debugQuicklist(x *Ctx) {
	e := encodedEntry(x)
	if e == nil {
		return
	}
	if encodingName(e) != "quicklist" {
		x.Err("ERR Not a quicklist encoded object.")
		return
	}
	fmt.Printf("%+v\n", e.Obj)
	x.w.Simple("Quicklist structure printed on stdout")
}

func debugSetSkipChecksum(x *Ctx) {
	x.s.debug.skipChecksumValidation.Store(atoi(x.args[2]) != 0)
	x.w.OK()
}

func debugAOFFlushSleep(x *Ctx) {
	x.s.debug.aofFlushSleepUs.Store(atoi(x.args[2]))
	x.w.OK()
}

func debugSetDisableDenyScripts(x *Ctx) {
	x.s.debug.disableDenyScripts.Store(atoi(x.args[2]) != 0)
	x.w.OK()
}

func debugPauseCron(x *Ctx) {
	x.s.debug.pauseCron.Store(atoi(x.args[2]) != 0)
	x.w.OK()
}

func debugReplyBuffer(x *Ctx) {
	switch {
	case eqFold(x.args[2], "peak-reset-time"):
		switch {
		case eqFold(x.args[3], "never"):
			x.s.debug.replyBufferPeakResetMs.Store(-1)
		case eqFold(x.args[3], "reset"):
			x.s.debug.replyBufferPeakResetMs.Store(0)
		default:
			n, ok := parseInt(x.args[3])
			if !ok {
				x.Err(errNotInt)
				return
			}
			x.s.debug.replyBufferPeakResetMs.Store(n)
		}
	case eqFold(x.args[2], "resizing"):
		x.s.debug.replyBufferNoResize.Store(atoi(x.args[3]) == 0)
	default:
		x.Err(errSubcommandSyntax(x))
		return
	}
	x.w.OK()
}

// debugStringmatchTest matches random patterns against random strings to
// check that the glob matcher neither panics nor hangs.
func debugStringmatchTest(x *Ctx) {
	const alphabet = "*?[]^-\\abc"
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	gen := func(n int) string {
		b := make([]byte, rnd.IntN(n))
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		return string(b)
	}
	for i := 0; i < 100000; i++ {
		glob.Match(gen(32), gen(32), i%2 == 0)
	}
	x.w.Simple("Apparently the glob matcher survived: test passed")
}

func debugStructsize(x *Ctx) {
	x.w.BulkString(fmt.Sprintf("bits:%d entry:%d client:%d command:%d ",
		unsafe.Sizeof(uintptr(0))*8, unsafe.Sizeof(keyspace.Entry{}), unsafe.Sizeof(Client{}), unsafe.Sizeof(Command{})))
}

func tableStatsText(title string, buckets, elements int, rehashing bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Hash table stats (%s):\n", title)
	fmt.Fprintf(&b, " table size: %d\n", buckets)
	fmt.Fprintf(&b, " number of elements: %d\n", elements)
	if rehashing {
		b.WriteString(" rehashing: yes\n")
	}
	return b.String()
}

func debugHTStats(x *Ctx) {
	id, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if id < 0 || id >= int64(x.s.ks.Count()) {
		x.Err("ERR Out of range database")
		return
	}
	t := x.s.ks.DB(int(id)).Tables()
	text := "[Dictionary HT]\n" + tableStatsText("main hash table", t.Buckets, t.Keys, t.Rehashing) +
		"[Expires HT]\n" + tableStatsText("main hash table", t.ExpiresBuckets, t.Expires, false)
	x.w.Verbatim("txt", text)
}

// hashTableStatser is implemented by values stored in a hash table, for
// DEBUG HTSTATS-KEY.
type hashTableStatser interface {
	HTStats() (buckets, elements int, rehashing, ok bool)
}

func debugHTStatsKey(x *Ctx) {
	e := encodedEntry(x)
	if e == nil {
		return
	}
	if hs, ok := e.Obj.(hashTableStatser); ok {
		if b, n, r, ok := hs.HTStats(); ok {
			x.w.Verbatim("txt", "[Dictionary HT]\n"+tableStatsText("main hash table", b, n, r))
			return
		}
	}
	x.Err("ERR The value stored at the specified key is not represented using an hash table")
}

func debugConfigRewriteForceAll(x *Ctx) {
	if err := x.s.cfg.Rewrite(x.s.cfg.File()); err != nil {
		msg := strings.TrimPrefix(err.Error(), "ERR ")
		x.Err("ERR CONFIG-REWRITE-FORCE-ALL failed: " + msg)
		return
	}
	x.w.OK()
}

func debugClientEviction(x *Ctx) {
	if x.s.cfg.Int("maxmemory-clients") == 0 {
		x.Err("ERR maxmemory-clients is disabled.")
		return
	}
	x.w.Verbatim("txt", "client eviction is not implemented: no memory pools to show\n")
}

func debugDropClusterPacketFilter(x *Ctx) {
	n, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	x.s.debug.dropClusterPacketFilter.Store(n)
	x.w.OK()
}
