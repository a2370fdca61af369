package acl

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync/atomic"
)

// Ref is a user's identity: connections hold a Ref and read the current
// rules with User, so ACL SETUSER takes effect on their next command.
type Ref struct {
	name    string
	cur     atomic.Pointer[User]
	deleted atomic.Bool
}

// Name is the user name.
func (r *Ref) Name() string { return r.name }

// User returns the user's current rules.
func (r *Ref) User() *User { return r.cur.Load() }

// Deleted reports whether the user was removed (ACL DELUSER or LOAD).
func (r *Ref) Deleted() bool { return r.deleted.Load() }

// Registry holds the users. It is not safe for concurrent use: the server
// calls it under its keyspace lock.
type Registry struct {
	Table *Table
	users map[string]*Ref
	def   *Ref
	// AllChannels is acl-pubsub-default: whether new users start with
	// allchannels.
	AllChannels bool
}

// NewRegistry returns a registry holding only the default user.
func NewRegistry(t *Table) *Registry {
	r := &Registry{Table: t, users: map[string]*Ref{}}
	r.def = r.put(NewDefaultUser(t))
	return r
}

func (r *Registry) put(u *User) *Ref {
	ref := r.users[u.Name]
	if ref == nil {
		ref = &Ref{name: u.Name}
		r.users[u.Name] = ref
	}
	ref.cur.Store(u)
	return ref
}

// Default returns the default user's Ref.
func (r *Registry) Default() *Ref { return r.def }

// Get returns a user's Ref, or nil.
func (r *Registry) Get(name string) *Ref { return r.users[name] }

// Names lists the user names in order.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.users))
	for n := range r.users {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SetUser applies rules to a user, creating it if needed, and returns the
// old and new versions (old nil for a new user).
func (r *Registry) SetUser(name string, ops []string) (old, cur *User, err error) {
	if ref := r.users[name]; ref != nil {
		old = ref.User()
	}
	cur, err = Apply(r.Table, old, name, ops, r.AllChannels)
	if err != nil {
		return nil, nil, err
	}
	r.put(cur)
	return old, cur, nil
}

// Delete removes a user and returns its Ref (nil when absent); the default
// user cannot be removed.
func (r *Registry) Delete(name string) *Ref {
	ref := r.users[name]
	if ref == nil || ref == r.def {
		return nil
	}
	delete(r.users, name)
	ref.deleted.Store(true)
	return ref
}

// Lines returns every user as an ACL file / ACL LIST line.
func (r *Registry) Lines() []string {
	var out []string
	for _, n := range r.Names() {
		out = append(out, "user "+n+" "+r.users[n].User().Describe(r.Table))
	}
	return out
}

// LoadConfigLines defines users from "user ..." lines of the config file
// (startup): any error is fatal and returned with Redis's wording.
func (r *Registry) LoadConfigLines(lines [][]string) error {
	seen := map[string]bool{}
	for _, args := range lines {
		if len(args) < 2 || !strings.EqualFold(args[0], "user") {
			return fmt.Errorf("bad user directive")
		}
		name := args[1]
		if seen[name] {
			return fmt.Errorf("Error in user declaration '%s': %s", name, ErrDuplicateUser)
		}
		seen[name] = true
		if hasSpaces(name) {
			//lint:ignore ST1005 Redis's exact error text, shown to users
			return fmt.Errorf("Spaces not allowed in ACL usernames")
		}
		base := (*User)(nil)
		if name == "default" {
			base = NewUser(r.Table, "default", r.AllChannels)
			if err := base.applyOne(r.Table, "reset", r.AllChannels); err != nil {
				return err
			}
		}
		merged, bad := mergeSelectors(args[2:])
		if bad >= 0 {
			//lint:ignore ST1005 Redis's exact error text, shown to users
			return fmt.Errorf("Unmatched parenthesis in acl selector starting at '%s'.", args[2+bad])
		}
		u := base
		if u == nil {
			u = NewUser(r.Table, name, r.AllChannels)
		}
		for _, op := range merged {
			if err := u.applyOne(r.Table, op, r.AllChannels); err != nil {
				return fmt.Errorf("Error loading ACL rule '%s' for the user named '%s': %v", op, name, err)
			}
		}
		u.refresh()
		r.put(u)
	}
	return nil
}

// LoadFile replaces every user with the ACL file's (the default user is
// reset and defined by the file, or recreated when the file omits it).
// On any error nothing changes and the error lists the problems as Redis
// does. It returns the Refs of the users that no longer exist or were
// replaced (their clients must be disconnected).
func (r *Registry) LoadFile(path string) ([]*Ref, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("Error loading ACLs, opening file '%s': %s", path, errnoText(err))
	}
	var errs strings.Builder
	users := map[string]*User{}
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			fmt.Fprintf(&errs, "%s:%d should start with user keyword followed by the username. ", path, n)
			continue
		}
		if hasSpaces(argv[1]) {
			fmt.Fprintf(&errs, "'%s:%d: username '%s' contains invalid characters. ", path, n, argv[1])
			continue
		}
		if _, dup := users[argv[1]]; dup {
			fmt.Fprintf(&errs, "WARNING: Duplicate user '%s' found on line %d. ", argv[1], n)
			continue
		}
		u := NewUser(r.Table, argv[1], r.AllChannels)
		users[argv[1]] = u
		merged, bad := mergeSelectors(argv[2:])
		if bad >= 0 {
			fmt.Fprintf(&errs, "%s:%d: Unmatched parenthesis in selector definition.", path, n)
		}
		syntax := false
		for _, op := range merged {
			op = strings.Trim(op, "\t\r\n")
			if err := u.applyOne(r.Table, op, r.AllChannels); err != nil {
				if err == errUnknownName {
					fmt.Fprintf(&errs, "%s:%d: Error in applying operation '%s': %s. ", path, n, op, err)
				} else if !syntax {
					fmt.Fprintf(&errs, "%s:%d: %s. ", path, n, err)
					syntax = true
				}
			}
		}
		u.refresh()
	}
	if errs.Len() > 0 {
		errs.WriteString("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
		return nil, fmt.Errorf("%s", errs.String())
	}
	var gone []*Ref
	for name, ref := range r.users {
		if ref == r.def {
			continue
		}
		delete(r.users, name)
		ref.deleted.Store(true)
		gone = append(gone, ref)
	}
	if _, ok := users["default"]; !ok {
		users["default"] = NewDefaultUser(r.Table)
	}
	for _, u := range users {
		r.put(u)
	}
	return gone, nil
}

// SaveFile writes every user to path atomically (temp file and rename).
func (r *Registry) SaveFile(path string) error {
	var b strings.Builder
	for _, l := range r.Lines() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	tmp := fmt.Sprintf("%s.tmp-%d", path, os.Getpid())
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing ACL file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("renaming ACL file: %w", err)
	}
	return nil
}

// errnoText renders an open error as strerror does.
func errnoText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		s := pe.Err.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}
