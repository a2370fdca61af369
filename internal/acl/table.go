package acl

import (
	"sort"
	"strings"
)

// Categories lists the ACL categories in Redis's order (ACL CAT prints
// them in this order and ACL LIST's rule strings try them in it).
var Categories = [...]string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
	"dangerous", "connection", "transaction", "scripting",
}

// CategoryBit returns the bit of a category name ("read" or "@read" is not
// accepted: pass the bare name), case-insensitively, or 0.
func CategoryBit(name string) uint32 {
	for i, c := range Categories {
		if strings.EqualFold(c, name) {
			return 1 << uint(i)
		}
	}
	return 0
}

// Command is the ACL view of one command or subcommand.
type Command struct {
	ID       int
	FullName string // "get", "config|get"
	Cats     uint32 // category bits
	NoAuth   bool   // no_auth commands are always allowed
	Parent   *Command
	Subs     []*Command // sorted by name
}

// Table holds every command the ACL rules can name.
type Table struct {
	top    []*Command
	byName map[string]*Command
	n      int
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{byName: map[string]*Command{}} }

// Add registers a command (parent nil) or a subcommand; cats are category
// names with or without '@'.
func (t *Table) Add(fullName string, cats []string, noAuth bool, parent *Command) *Command {
	c := &Command{ID: t.n, FullName: strings.ToLower(fullName), NoAuth: noAuth, Parent: parent}
	t.n++
	for _, x := range cats {
		c.Cats |= CategoryBit(strings.TrimPrefix(x, "@"))
	}
	t.byName[c.FullName] = c
	if parent == nil {
		i := sort.Search(len(t.top), func(i int) bool { return t.top[i].FullName >= c.FullName })
		t.top = append(t.top, nil)
		copy(t.top[i+1:], t.top[i:])
		t.top[i] = c
	} else {
		i := sort.Search(len(parent.Subs), func(i int) bool { return parent.Subs[i].FullName >= c.FullName })
		parent.Subs = append(parent.Subs, nil)
		copy(parent.Subs[i+1:], parent.Subs[i:])
		parent.Subs[i] = c
	}
	return c
}

// Lookup finds a command by full name, case-insensitively.
func (t *Table) Lookup(name string) *Command { return t.byName[strings.ToLower(name)] }

// Len is the number of command IDs.
func (t *Table) Len() int { return t.n }

// InCategory lists the full names of the commands in a category, in
// table order (parents before their subcommands).
func (t *Table) InCategory(bit uint32) []string {
	var out []string
	t.walk(func(c *Command) {
		if c.Cats&bit != 0 {
			out = append(out, c.FullName)
		}
	})
	return out
}

// walk visits every command, each container followed by its subcommands.
func (t *Table) walk(f func(*Command)) {
	for _, c := range t.top {
		f(c)
		for _, s := range c.Subs {
			f(s)
		}
	}
}
