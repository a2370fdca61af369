package config

import (
	"maps"
	"slices"
	"sync"
)

// Config is the live configuration of one server instance. It holds every
// Redis 7.0 directive; several Configs may coexist in one process. All
// methods are safe for concurrent use.
type Config struct {
	// op serialises the operations that change values (Load*, Set,
	// Update, Rewrite) so that a CONFIG SET is atomic as a whole while its
	// apply hooks run without holding mu.
	op sync.Mutex
	// mu guards everything below.
	mu    sync.RWMutex
	vals  []value
	hooks map[int][]func(value string) error

	file       string // absolute path of the loaded configuration file
	newlines   int    // newlines read so far by LoadFile/LoadString
	saveLoaded bool   // a "save" line was read: later ones accumulate

	renames map[string]string
	users   []string

	commandExists func(name string) bool
	rewriteUsers  func() []string
}

// New returns a Config with every directive at its default value. The
// default "dir" is the process's current directory.
func New() *Config {
	c := &Config{
		vals:    make([]value, len(directives)),
		hooks:   make(map[int][]func(string) error),
		renames: make(map[string]string),
	}
	for i := range directives {
		c.vals[i] = directives[i].defaultValue()
	}
	return c
}

// mustLookup returns the directive for a name the server hard-codes.
func mustLookup(name string) *directive {
	e := lookup(name)
	if e == nil {
		panic("config: unknown directive " + name)
	}
	return e.d
}

// Get returns the current value of a directive (name or alias, any case)
// formatted as CONFIG GET shows it.
func (c *Config) Get(name string) (string, bool) {
	e := lookup(name)
	if e == nil {
		return "", false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return format(e.d, c.vals[e.d.idx]), true
}

// String returns the formatted value of a directive; it panics if the
// directive does not exist.
func (c *Config) String(name string) string {
	d := mustLookup(name)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return format(d, c.vals[d.idx])
}

// Int returns the numeric value of a directive: the number for integer
// directives (percentages of maxmemory-clients are negative, as in Redis),
// 1 or 0 for booleans, the value of the selected name(s) for enums, the
// classes of notify-keyspace-events and the master port of replicaof.
// Memory values above math.MaxInt64 (maxmemory only) wrap; use Uint. It
// panics if the directive does not exist.
func (c *Config) Int(name string) int64 {
	d := mustLookup(name)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.vals[d.idx].n
}

// Uint returns Int reinterpreted as unsigned, for maxmemory and the other
// unsigned 64-bit memory directives.
func (c *Config) Uint(name string) uint64 {
	return uint64(c.Int(name))
}

// Bool returns the value of a yes/no directive; it panics if the
// directive does not exist.
func (c *Config) Bool(name string) bool {
	return c.Int(name) != 0
}

// boolLocked reads a boolean while c.mu is held.
func (c *Config) boolLocked(name string) bool {
	return c.vals[mustLookup(name).idx].n != 0
}

// OnApply registers fn to run when CONFIG SET changes the directive
// (name or alias). fn receives the new value formatted as CONFIG GET shows
// it; returning an error makes the whole CONFIG SET fail and roll back,
// and the error text is appended to the reply. Hooks run in the order of
// the CONFIG SET arguments, only for directives whose value changed (some
// special directives and the TLS file paths count as changed on every
// set, as in Redis), and are re-run with the previous value during a
// rollback. They may read the Config but must not modify it. Loading a
// configuration does not run hooks: the server reads values at start-up.
// It panics if the directive does not exist.
func (c *Config) OnApply(name string, fn func(value string) error) {
	d := mustLookup(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks[d.idx] = append(c.hooks[d.idx], fn)
}

// File returns the absolute path of the configuration file passed to
// LoadFile, or "" if none was loaded.
func (c *Config) File() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.file
}

// Names returns the canonical name of every directive, in table order.
// Aliases are not included.
func (c *Config) Names() []string {
	names := make([]string, len(directives))
	for i := range directives {
		names[i] = directives[i].name
	}
	return names
}

// Mutable reports whether CONFIG SET may change the directive (name or
// alias). Protected directives count as mutable; see Info.Protected.
func (c *Config) Mutable(name string) bool {
	e := lookup(name)
	return e != nil && e.d.flags&immutable == 0
}

// Info describes a directive.
type Info struct {
	Name        string   // canonical name
	Alias       string   // deprecated alternative name, or ""
	Type        string   // "bool", "int", "enum", "string" or "special"
	Default     string   // default value as CONFIG GET shows it
	Mutable     bool     // CONFIG SET may change it
	Protected   bool     // CONFIG SET needs enable-protected-configs
	Hidden      bool     // CONFIG GET returns it only when named exactly
	Sensitive   bool     // its value must not appear in logs or MONITOR
	MultiArg    bool     // it takes several space-separated arguments
	DenyLoading bool     // CONFIG SET refuses it while the dataset loads
	Enum        []string // accepted names of an enum directive
}

// Lookup returns the description of a directive (name or alias).
func (c *Config) Lookup(name string) (Info, bool) {
	e := lookup(name)
	if e == nil {
		return Info{}, false
	}
	d := e.d
	def := d.defaultValue()
	info := Info{
		Name:        d.name,
		Alias:       d.alias,
		Type:        d.kind.String(),
		Default:     format(d, def),
		Mutable:     d.flags&immutable == 0,
		Protected:   d.flags&protected != 0,
		Hidden:      d.flags&hidden != 0,
		Sensitive:   d.flags&sensitive != 0,
		MultiArg:    d.flags&multiArg != 0,
		DenyLoading: d.flags&denyLoading != 0,
	}
	for _, it := range d.items {
		info.Enum = append(info.Enum, it.name)
	}
	return info, true
}

// Renames returns the rename-command directives read so far: lower-case
// original command name to new name ("" means the command was removed).
func (c *Config) Renames() map[string]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return maps.Clone(c.renames)
}

// Users returns the "user ..." lines read from configuration files, in
// order, trimmed of surrounding white space. SplitArgs splits them.
func (c *Config) Users() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Clone(c.users)
}

// SetCommandLookup makes rename-command check its arguments while loading:
// exists reports whether a command name (lower case) is in the server's
// command table. Without it, rename-command is recorded unchecked. exists
// runs while the Config is locked and must not call it.
func (c *Config) SetCommandLookup(exists func(name string) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commandExists = exists
}

// SetRewriteUsers provides the "user ..." lines CONFIG REWRITE writes
// (the ACL users currently defined, one full "user ..." line each; lines
// may read the Config). Without it,
// Rewrite leaves the file's user lines untouched. When aclfile is set,
// user lines are removed from the file as Redis does.
func (c *Config) SetRewriteUsers(lines func() []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rewriteUsers = lines
}
