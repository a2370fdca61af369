package server

import (
	"fmt"
	"sort"
	"strings"

	"github.com/peregrinedb/peregrine/internal/acl"
)

// Flag is a command property from the command table.
type Flag uint32

// Command flags, named as COMMAND INFO reports them.
const (
	FlagWrite Flag = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagModule
	FlagAdmin
	FlagPubsub
	FlagNoScript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagSkipMonitor
	FlagSkipSlowlog
	FlagAsking
	FlagFast
	FlagNoAuth
	FlagMayReplicate
	FlagSentinel
	FlagOnlySentinel
	FlagNoMandatoryKeys
	FlagProtected
	FlagModuleGetKeys
	FlagModuleNoCluster
	FlagNoAsyncLoading
	FlagNoMulti
	FlagMovableKeys
	FlagAllowBusy
)

var flagNames = []struct {
	f    Flag
	name string
}{
	{FlagWrite, "write"}, {FlagReadonly, "readonly"}, {FlagDenyOOM, "denyoom"}, {FlagModule, "module"},
	{FlagAdmin, "admin"}, {FlagPubsub, "pubsub"}, {FlagNoScript, "noscript"}, {FlagBlocking, "blocking"},
	{FlagLoading, "loading"}, {FlagStale, "stale"}, {FlagSkipMonitor, "skip_monitor"},
	{FlagSkipSlowlog, "skip_slowlog"}, {FlagAsking, "asking"}, {FlagFast, "fast"}, {FlagNoAuth, "no_auth"},
	{FlagMayReplicate, "may_replicate"}, {FlagSentinel, "sentinel"}, {FlagOnlySentinel, "only_sentinel"},
	{FlagNoMandatoryKeys, "no_mandatory_keys"}, {FlagProtected, "protected"},
	{FlagNoAsyncLoading, "no_async_loading"}, {FlagNoMulti, "no_multi"}, {FlagMovableKeys, "movablekeys"},
	{FlagAllowBusy, "allow_busy"},
}

// parseFlags turns "write denyoom fast" into flags; unknown words panic at
// table construction (a programming error caught by every test).
func parseFlags(s string) Flag {
	var f Flag
	for _, w := range strings.Fields(s) {
		found := false
		for _, fn := range flagNames {
			if fn.name == w {
				f |= fn.f
				found = true
			}
		}
		if !found {
			panic("unknown command flag " + w)
		}
	}
	return f
}

// Command is one entry of the command table: everything the server knows
// about a command is declared here once.
type Command struct {
	Name     string // lower case; "get", or "get" under parent "config"
	Arity    int    // Redis convention: N exact, -N at least N (including the name)
	Flags    Flag
	FirstKey int // key positions (0 = no keys)
	LastKey  int // -1 = last argument
	Step     int
	Group    string   // command group: string, generic, connection, server, ...
	ACL      []string // ACL categories beyond those derived from flags and group
	Handler  func(*Ctx)
	// KeysFunc extracts key positions for commands with movable keys.
	KeysFunc func(args [][]byte) []int
	Sub      map[string]*Command
	Parent   *Command
	// explicitACL means the group implies no ACL category (Redis lists
	// only ACL itself and the flag-derived ones, e.g. WAIT in "generic").
	explicitACL bool
	// scriptRO marks EVAL_RO, EVALSHA_RO and FCALL_RO: readonly, yet they
	// track keys for client-side caching only when the script reads.
	scriptRO bool
	// aclCmd is the command's entry in the ACL table (acl.go).
	aclCmd *acl.Command

	stats cmdStats
}

// cmdStats are the per-command counters of INFO commandstats (guarded by the keyspace lock).
type cmdStats struct {
	calls, usec, rejected, failed int64
	hist                          *latencyHistogram // latency-tracking; nil until the first call
}

// FullName is "config|get" for subcommands, the name otherwise.
func (c *Command) FullName() string {
	if c.Parent != nil {
		return c.Parent.Name + "|" + c.Name
	}
	return c.Name
}

// Has reports whether the command has flag f.
func (c *Command) Has(f Flag) bool { return c.Flags&f != 0 }

// spec declares a command compactly; families build their table slices with it.
func spec(name string, arity int, flags string, first, last, step int, group string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: arity, Flags: parseFlags(flags), FirstKey: first, LastKey: last, Step: step, Group: group, Handler: h}
}

// container declares a command with subcommands (CONFIG, CLIENT, ...).
func container(name string, arity int, group string, subs ...*Command) *Command {
	c := &Command{Name: name, Arity: arity, Group: group, Sub: map[string]*Command{}}
	for _, s := range subs {
		s.Parent = c
		s.Group = group
		c.Sub[s.Name] = s
	}
	return c
}

// acl adds explicit ACL categories to a command.
func (c *Command) acl(cats ...string) *Command {
	c.ACL = append(c.ACL, cats...)
	return c
}

// onlyACL sets the ACL categories beyond the flag-derived ones, without
// the one the command's group would imply.
func (c *Command) onlyACL(cats ...string) *Command {
	c.ACL = append(c.ACL, cats...)
	c.explicitACL = true
	return c
}

// readonlyScript marks a readonly script command (see scriptRO).
func (c *Command) readonlyScript() *Command {
	c.scriptRO = true
	return c
}

// keys sets the movable-keys extractor.
func (c *Command) keys(f func(args [][]byte) []int) *Command {
	c.KeysFunc = f
	c.Flags |= FlagMovableKeys
	return c
}

// commandTable is one server's table, keyed by lower-case name.
type commandTable map[string]*Command

func newCommandTable(families ...[]*Command) commandTable {
	t := commandTable{}
	for _, fam := range families {
		for _, c := range fam {
			if _, dup := t[c.Name]; dup {
				panic("duplicate command " + c.Name)
			}
			t[c.Name] = c
		}
	}
	return t
}

// rename carries out rename-command directives (original name to new
// name, "" to remove the command). The command keeps its own name in
// COMMAND replies, as in Redis; only the name clients call changes.
func (t commandTable) rename(renames map[string]string) error {
	from := make([]string, 0, len(renames))
	for k := range renames {
		from = append(from, k)
	}
	sort.Strings(from)
	moved := map[string]*Command{}
	for _, name := range from {
		c := t[strings.ToLower(name)]
		if c == nil {
			//lint:ignore ST1005 Redis's exact error text, shown to users
			return fmt.Errorf("No such command in rename-command: '%s'", name)
		}
		delete(t, strings.ToLower(name))
		if to := strings.ToLower(renames[name]); to != "" {
			moved[to] = c
		}
	}
	for to, c := range moved {
		if _, dup := t[to]; dup {
			//lint:ignore ST1005 Redis's exact error text, shown to users
			return fmt.Errorf("Target command name already exists: '%s'", to)
		}
		t[to] = c
	}
	return nil
}

// lookup finds a command by name, case-insensitively, without allocating for
// names already lower case.
func (t commandTable) lookup(name []byte) *Command {
	// Names arrive in lower case (most clients) or upper case (scripts'
	// redis.call('GET', ...), redis-cli users): a leading capital skips
	// the lookup that would miss.
	if len(name) > 0 && (name[0] < 'A' || name[0] > 'Z') {
		if c, ok := t[string(name)]; ok {
			return c
		}
	}
	var tmp [32]byte
	if len(name) > len(tmp) {
		return t[strings.ToLower(string(name))]
	}
	b := tmp[:len(name)]
	for i, ch := range name {
		if ch >= 'A' && ch <= 'Z' {
			ch += 32
		}
		b[i] = ch
	}
	return t[string(b)]
}

// sorted returns the commands in name order.
func (t commandTable) sorted() []*Command {
	out := make([]*Command, 0, len(t))
	for _, c := range t {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// keyPositions returns the argument indexes of the keys of a call.
func (c *Command) keyPositions(args [][]byte) []int {
	if c.KeysFunc != nil {
		return c.KeysFunc(args)
	}
	if c.FirstKey <= 0 {
		return nil
	}
	last := c.LastKey
	if last < 0 {
		last = len(args) + last
	}
	var out []int
	for i := c.FirstKey; i <= last && i < len(args); i += c.Step {
		out = append(out, i)
	}
	return out
}

// aclCategories derives the categories COMMAND INFO lists.
func (c *Command) aclCategories() []string {
	var cats []string
	add := func(s string) {
		for _, x := range cats {
			if x == s {
				return
			}
		}
		cats = append(cats, s)
	}
	if c.Has(FlagWrite) {
		add("@write")
	}
	if c.Has(FlagReadonly) && c.Group != "scripting" {
		add("@read")
	}
	if c.Has(FlagAdmin) {
		add("@admin")
		add("@dangerous")
	}
	if c.Has(FlagPubsub) {
		add("@pubsub")
	}
	if c.Has(FlagFast) {
		add("@fast")
	}
	if c.Has(FlagBlocking) {
		add("@blocking")
	}
	if !c.Has(FlagFast) {
		add("@slow")
	}
	group := c.Group
	if c.Sub != nil || c.explicitACL {
		group = "" // containers carry no category of their own
	}
	switch group {
	case "generic":
		add("@keyspace")
	case "string", "list", "set", "hash", "stream", "bitmap", "geo", "connection", "scripting":
		add("@" + c.Group)
	case "transactions":
		add("@transaction")
	case "sorted_set":
		add("@sortedset")
	case "hyperloglog":
		add("@hyperloglog")
	}
	for _, x := range c.ACL {
		add(x)
	}
	return cats
}

// sortedAll returns every top-level command of the original table by name,
// renamed or not (ACL rules name commands by their original names).
func (t commandTable) sortedAll() []*Command { return t.sorted() }

// sortedSubs returns a container's subcommands by name.
func (c *Command) sortedSubs() []*Command {
	out := make([]*Command, 0, len(c.Sub))
	for _, s := range c.Sub {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
