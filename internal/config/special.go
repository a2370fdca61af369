package config

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// SaveParam is one "save <seconds> <changes>" snapshotting rule.
type SaveParam struct {
	Seconds int64 // snapshot when this many seconds passed...
	Changes int   // ...and at least this many keys changed
}

// Output buffer limit classes, the indexes of OutputBufferLimits.
const (
	ClientNormal  = 0
	ClientReplica = 1
	ClientPubSub  = 2
)

// OutputBufferLimit is the client-output-buffer-limit of one client class.
type OutputBufferLimit struct {
	Hard        uint64 // bytes; 0 means no limit
	Soft        uint64 // bytes; 0 means no limit
	SoftSeconds int64  // how long the soft limit may be exceeded
}

// Keyspace notification classes, the bits of NotifyKeyspaceEvents.
const (
	NotifyKeyspace = 1 << 0  // K
	NotifyKeyevent = 1 << 1  // E
	NotifyGeneric  = 1 << 2  // g
	NotifyString   = 1 << 3  // $
	NotifyList     = 1 << 4  // l
	NotifySet      = 1 << 5  // s
	NotifyHash     = 1 << 6  // h
	NotifyZset     = 1 << 7  // z
	NotifyExpired  = 1 << 8  // x
	NotifyEvicted  = 1 << 9  // e
	NotifyStream   = 1 << 10 // t
	NotifyKeyMiss  = 1 << 11 // m (not part of A)
	NotifyLoaded   = 1 << 12 // module-only, no letter
	NotifyModule   = 1 << 13 // d
	NotifyNew      = 1 << 14 // n (not part of A)
	// NotifyAll is the "A" alias.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZset | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

var (
	defaultSave = []SaveParam{{3600, 1}, {300, 100}, {60, 10000}}
	defaultObuf = [3]OutputBufferLimit{
		{0, 0, 0},
		{256 << 20, 64 << 20, 60},
		{32 << 20, 8 << 20, 60},
	}
	defaultOOM         = [3]int{0, 200, 800}
	defaultBind        = []string{"*", "-::*"}
	defaultPercentiles = []float64{50, 99, 99.9}
	obufClassNames     = [3]string{"normal", "slave", "pubsub"}
)

// --- dir ---------------------------------------------------------------

// dirSpecial is the working directory. Redis chdir()s; several servers
// share our process, so the absolute, symlink-free path is stored instead
// and relative paths resolve against the current value.
var dirSpecial = &special{
	parse: func(c *Config, cur value, args []string, loading bool) (value, string) {
		if len(args) != 1 {
			return value{}, "wrong number of arguments"
		}
		p, reason := resolveDir(cur.s, cstr(args[0]))
		if reason != "" {
			return value{}, reason
		}
		return value{s: p}, ""
	},
	format: func(v value) string { return v.s },
	rewrite: func(c *Config, d *directive, v value, st *rewriteState) {
		if v.s == "" {
			st.markProcessed(d.name)
			return
		}
		st.rewriteLine(d.name, d.name+" "+Quote(v.s), true)
	},
	def: func() value {
		wd, err := os.Getwd()
		if err != nil {
			return value{}
		}
		if real, err := filepath.EvalSymlinks(wd); err == nil {
			wd = real
		}
		return value{s: wd}
	},
}

// resolveDir emulates chdir(path) from directory base followed by getcwd.
func resolveDir(base, path string) (string, string) {
	if path == "" {
		return "", "No such file or directory"
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(base, path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", strerror(err)
	}
	if !fi.IsDir() {
		return "", "Not a directory"
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return filepath.Clean(path), ""
}

// --- save --------------------------------------------------------------

var saveSpecial = &special{
	parse: func(c *Config, cur value, args []string, loading bool) (value, string) {
		reset := false
		if len(args) == 1 && args[0] == "" {
			reset, args = true, nil
		}
		if len(args)%2 != 0 {
			return value{}, "Invalid save parameters"
		}
		nums := make([]int64, len(args))
		for j, a := range args {
			v, ok := fullStrtoll(a)
			if !ok || (j%2 == 0 && v < 1) || (j%2 == 1 && v < 0) {
				return value{}, "Invalid save parameters"
			}
			nums[j] = v
		}
		// Within configuration files the first "save" line replaces the
		// defaults and later ones accumulate; CONFIG SET replaces.
		var params []SaveParam
		if loading && c.saveLoaded && !reset {
			params = slices.Clone(saveParams(cur))
		}
		if loading {
			c.saveLoaded = true
		}
		for j := 0; j < len(nums); j += 2 {
			params = append(params, SaveParam{Seconds: nums[j], Changes: int(int32(nums[j+1]))})
		}
		return value{x: params}, ""
	},
	format: func(v value) string {
		var b strings.Builder
		for i, p := range saveParams(v) {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatInt(p.Seconds, 10) + " " + strconv.Itoa(p.Changes))
		}
		return b.String()
	},
	rewrite: func(c *Config, d *directive, v value, st *rewriteState) {
		params := saveParams(v)
		if len(params) == 0 {
			st.rewriteLine(d.name, d.name+` ""`, true)
		}
		for _, p := range params {
			st.rewriteLine(d.name, d.name+" "+strconv.FormatInt(p.Seconds, 10)+" "+strconv.Itoa(p.Changes), true)
		}
		st.markProcessed(d.name)
	},
	def: func() value { return value{x: defaultSave} },
}

func saveParams(v value) []SaveParam {
	p, _ := v.x.([]SaveParam)
	return p
}

// --- client-output-buffer-limit -----------------------------------------

var obufSpecial = &special{
	parse: func(c *Config, cur value, args []string, loading bool) (value, string) {
		if len(args)%4 != 0 {
			return value{}, "Wrong number of arguments in buffer limit configuration."
		}
		limits := obufLimits(cur)
		for j := 0; j < len(args); j += 4 {
			class := obufClass(args[j])
			if class < 0 {
				return value{}, "Invalid client class specified in buffer limit configuration."
			}
			hard, okHard := parseMemory(args[j+1])
			soft, okSoft := parseMemory(args[j+2])
			secs, okSecs := fullStrtoll(args[j+3])
			secs = int64(int32(secs)) // Redis parses into a C int
			if !okHard || !okSoft || !okSecs || secs < 0 {
				return value{}, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
			}
			limits[class] = OutputBufferLimit{Hard: hard, Soft: soft, SoftSeconds: secs}
		}
		return value{x: limits}, ""
	},
	format: func(v value) string {
		l := obufLimits(v)
		parts := make([]string, 0, 3)
		for i, name := range obufClassNames {
			parts = append(parts, name+" "+strconv.FormatUint(l[i].Hard, 10)+" "+
				strconv.FormatUint(l[i].Soft, 10)+" "+strconv.FormatInt(l[i].SoftSeconds, 10))
		}
		return strings.Join(parts, " ")
	},
	rewrite: func(c *Config, d *directive, v value, st *rewriteState) {
		l := obufLimits(v)
		for i, name := range obufClassNames {
			if name == "slave" {
				name = "replica"
			}
			line := d.name + " " + name + " " + formatMemory(int64(l[i].Hard)) + " " +
				formatMemory(int64(l[i].Soft)) + " " + strconv.FormatInt(l[i].SoftSeconds, 10)
			st.rewriteLine(d.name, line, l[i] != defaultObuf[i])
		}
	},
	def: func() value { return value{x: defaultObuf} },
}

func obufLimits(v value) [3]OutputBufferLimit {
	l, _ := v.x.([3]OutputBufferLimit)
	return l
}

// obufClass maps a client class name to its index, or -1 (also for
// "master", which has no output buffer limit of its own).
func obufClass(name string) int {
	name = cstr(name)
	switch {
	case asciiEqualFold(name, "normal"):
		return ClientNormal
	case asciiEqualFold(name, "slave"), asciiEqualFold(name, "replica"):
		return ClientReplica
	case asciiEqualFold(name, "pubsub"):
		return ClientPubSub
	}
	return -1
}

// --- oom-score-adj-values ------------------------------------------------

var oomValuesSpecial = &special{
	parse: func(c *Config, cur value, args []string, loading bool) (value, string) {
		if len(args) != 3 {
			return value{}, "wrong number of arguments"
		}
		var vals [3]int
		for i, a := range args {
			v, ok := fullStrtoll(a)
			if !ok || v < -2000 || v > 2000 {
				return value{}, "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
			}
			vals[i] = int(v)
		}
		return value{x: vals}, ""
	},
	format: func(v value) string {
		o := oomValues(v)
		return strconv.Itoa(o[0]) + " " + strconv.Itoa(o[1]) + " " + strconv.Itoa(o[2])
	},
	rewrite: func(c *Config, d *directive, v value, st *rewriteState) {
		o := oomValues(v)
		line := d.name + " " + strconv.Itoa(o[0]) + " " + strconv.Itoa(o[1]) + " " + strconv.Itoa(o[2])
		st.rewriteLine(d.name, line, o != defaultOOM)
	},
	def:   func() value { return value{x: defaultOOM} },
	equal: func(a, b value) bool { return oomValues(a) == oomValues(b) },
}

func oomValues(v value) [3]int {
	o, _ := v.x.([3]int)
	return o
}

// --- notify-keyspace-events ----------------------------------------------

var notifySpecial = &special{
	parse: func(c *Config, cur value, args []string, loading bool) (value, string) {
		if len(args) != 1 {
			return value{}, "wrong number of arguments"
		}
		flags, ok := parseNotifyFlags(args[0])
		if !ok {
			return value{}, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
		}
		return value{n: flags}, ""
	},
	format: func(v value) string { return formatNotifyFlags(v.n) },
	rewrite: func(c *Config, d *directive, v value, st *rewriteState) {
		st.rewriteLine(d.name, d.name+" "+Quote(formatNotifyFlags(v.n)), v.n != 0)
	},
	def: func() value { return value{} },
}

// notifyLetters maps class letters to flags, in the order Redis prints them.
var notifyLetters = []struct {
	c    byte
	flag int64
}{
	{'g', NotifyGeneric}, {'$', NotifyString}, {'l', NotifyList}, {'s', NotifySet},
	{'h', NotifyHash}, {'z', NotifyZset}, {'x', NotifyExpired}, {'e', NotifyEvicted},
	{'t', NotifyStream}, {'d', NotifyModule}, {'n', NotifyNew},
	{'K', NotifyKeyspace}, {'E', NotifyKeyevent}, {'m', NotifyKeyMiss},
}

func parseNotifyFlags(s string) (int64, bool) {
	var flags int64
next:
	for _, c := range []byte(cstr(s)) {
		if c == 'A' {
			flags |= NotifyAll
			continue
		}
		for _, l := range notifyLetters {
			if l.c == c {
				flags |= l.flag
				continue next
			}
		}
		return 0, false
	}
	return flags, true
}

// formatNotifyFlags prints "A" for the whole set, otherwise the type
// letters, then K, E and m. Like Redis, "n" is lost when "A" is printed.
func formatNotifyFlags(flags int64) string {
	var b strings.Builder
	all := flags&NotifyAll == NotifyAll
	if all {
		b.WriteByte('A')
	}
	for _, l := range notifyLetters {
		isType := l.flag != NotifyKeyspace && l.flag != NotifyKeyevent && l.flag != NotifyKeyMiss
		if flags&l.flag != 0 && !(all && isType) {
			b.WriteByte(l.c)
		}
	}
	return b.String()
}

// --- bind ----------------------------------------------------------------

var bindSpecial = &special{
	parse: func(c *Config, cur value, args []string, loading bool) (value, string) {
		if len(args) > 16 {
			return value{}, "Too many bind addresses specified."
		}
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		addrs := make([]string, len(args))
		for i, a := range args {
			addrs[i] = cstr(a)
		}
		return value{x: addrs}, ""
	},
	format: func(v value) string { return strings.Join(bindAddrs(v), " ") },
	rewrite: func(c *Config, d *directive, v value, st *rewriteState) {
		addrs := bindAddrs(v)
		if slices.Equal(addrs, defaultBind) {
			st.markProcessed(d.name)
			return
		}
		line := d.name + ` ""`
		if len(addrs) > 0 {
			line = d.name + " " + strings.Join(addrs, " ")
		}
		st.rewriteLine(d.name, line, true)
	},
	def: func() value { return value{x: defaultBind} },
}

func bindAddrs(v value) []string {
	a, _ := v.x.([]string)
	return a
}

// --- replicaof -----------------------------------------------------------

// replicaofSpecial keeps the master host in s (empty when this server is
// a master) and its port in n.
var replicaofSpecial = &special{
	parse: func(c *Config, cur value, args []string, loading bool) (value, string) {
		if len(args) != 2 {
			return value{}, "wrong number of arguments"
		}
		if asciiEqualFold(cstr(args[0]), "no") && asciiEqualFold(cstr(args[1]), "one") {
			return value{}, ""
		}
		port, ok := fullStrtoll(args[1])
		port = int64(int32(port)) // Redis stores the port in a C int
		if !ok || port < 0 || port > 65535 {
			return value{}, "Invalid master port"
		}
		return value{s: cstr(args[0]), n: port}, ""
	},
	format: func(v value) string {
		if v.s == "" {
			return ""
		}
		return v.s + " " + strconv.FormatInt(v.n, 10)
	},
	rewrite: func(c *Config, d *directive, v value, st *rewriteState) {
		if v.s == "" || c.boolLocked("cluster-enabled") {
			st.markProcessed(d.name)
			return
		}
		st.rewriteLine(d.name, d.name+" "+v.s+" "+strconv.FormatInt(v.n, 10), true)
	},
	def: func() value { return value{} },
}

// --- latency-tracking-info-percentiles ------------------------------------

var percentilesSpecial = &special{
	parse: func(c *Config, cur value, args []string, loading bool) (value, string) {
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		ps := make([]float64, len(args))
		for i, a := range args {
			f, ok := parseFloat(a)
			if !ok {
				return value{}, "Invalid latency-tracking-info-percentiles parameters"
			}
			if f > 100 || f < 0 {
				return value{}, "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
			}
			ps[i] = f
		}
		return value{x: ps}, ""
	},
	format: func(v value) string {
		ps := percentiles(v)
		parts := make([]string, len(ps))
		for i, p := range ps {
			parts[i] = formatPercentile(p)
		}
		return strings.Join(parts, " ")
	},
	rewrite: func(c *Config, d *directive, v value, st *rewriteState) {
		ps := percentiles(v)
		line := d.name + ` ""`
		if len(ps) > 0 {
			line = d.name
			for _, p := range ps {
				line += " " + formatPercentile(p)
			}
		}
		st.rewriteLine(d.name, line, true)
	},
	def: func() value { return value{x: defaultPercentiles} },
}

func percentiles(v value) []float64 {
	p, _ := v.x.([]float64)
	return p
}

// --- typed accessors -----------------------------------------------------

// specialValue returns the current value of a special directive.
func (c *Config) specialValue(name string) value {
	e := lookup(name)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.vals[e.d.idx]
}

// SaveParams returns the snapshotting rules ("save"); empty means RDB
// snapshots are disabled.
func (c *Config) SaveParams() []SaveParam {
	return slices.Clone(saveParams(c.specialValue("save")))
}

// OutputBufferLimits returns client-output-buffer-limit, indexed by
// ClientNormal, ClientReplica and ClientPubSub.
func (c *Config) OutputBufferLimits() [3]OutputBufferLimit {
	return obufLimits(c.specialValue("client-output-buffer-limit"))
}

// OOMScoreAdjValues returns oom-score-adj-values for the master, replica
// and background child processes.
func (c *Config) OOMScoreAdjValues() [3]int {
	return oomValues(c.specialValue("oom-score-adj-values"))
}

// NotifyKeyspaceEvents returns the notify-keyspace-events classes as a
// combination of the Notify* bits.
func (c *Config) NotifyKeyspaceEvents() int {
	return int(c.specialValue("notify-keyspace-events").n)
}

// BindAddrs returns the addresses to listen on ("bind"); an empty slice
// means no TCP listener.
func (c *Config) BindAddrs() []string {
	return slices.Clone(bindAddrs(c.specialValue("bind")))
}

// ReplicaOf returns the master this server replicates from; ok is false
// when the server is a master.
func (c *Config) ReplicaOf() (host string, port int, ok bool) {
	v := c.specialValue("replicaof")
	return v.s, int(v.n), v.s != ""
}

// LatencyPercentiles returns latency-tracking-info-percentiles.
func (c *Config) LatencyPercentiles() []float64 {
	return slices.Clone(percentiles(c.specialValue("latency-tracking-info-percentiles")))
}
