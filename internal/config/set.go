package config

import (
	"errors"
	"strings"
)

// SetOptions carries the context of a CONFIG SET that Set cannot know.
type SetOptions struct {
	// LocalClient reports that the client is connected over loopback or a
	// Unix socket, which enable-protected-configs "local" requires.
	LocalClient bool
	// Loading reports that the server is loading its dataset; directives
	// such as dir and appendonly cannot change meanwhile.
	Loading bool
}

// Set implements CONFIG SET name value [name value ...] for a non-local
// client outside loading; see SetWithOptions.
func (c *Config) Set(pairs [][2]string) error {
	return c.SetWithOptions(pairs, SetOptions{})
}

// SetWithOptions implements CONFIG SET. All names are checked first, then
// all values are parsed, then the new values are stored together and the
// OnApply hooks of the directives that changed run in argument order. If
// any step fails nothing changes: values already stored are restored and
// the hooks that ran are re-run with the previous values. Multi-argument
// directives (save, bind, ...) take their arguments separated by single
// spaces. Naming the same directive twice, directly or through an alias,
// is an error.
//
// The returned error's text is the complete Redis error reply, e.g.
// "ERR CONFIG SET failed (possibly related to argument 'maxmemory') -
// argument must be a memory value", or "LOADING Redis is loading the
// dataset in memory".
func (c *Config) SetWithOptions(pairs [][2]string, opts SetOptions) error {
	c.op.Lock()
	defer c.op.Unlock()

	type change struct {
		d        *directive
		name     string // the table name used (alias or canonical), lower case
		old, new value
		changed  bool
	}
	changes := make([]change, 0, len(pairs))

	c.mu.Lock()
	// 1. Names: the first problem found is reported.
	allowProtected := c.protectedAllowed(opts.LocalClient)
	for _, p := range pairs {
		e := lookup(p[0])
		if e == nil {
			c.mu.Unlock()
			return errors.New("ERR Unknown option or number of arguments for CONFIG SET - '" + p[0] + "'")
		}
		d := e.d
		switch {
		case d.flags&immutable != 0:
			c.mu.Unlock()
			return setError(p[0], "can't set immutable config")
		case d.flags&protected != 0 && !allowProtected:
			c.mu.Unlock()
			return setError(p[0], "can't set protected config")
		case opts.Loading && d.flags&denyLoading != 0:
			c.mu.Unlock()
			return errors.New("LOADING Redis is loading the dataset in memory")
		}
		for _, ch := range changes {
			if ch.d == d {
				c.mu.Unlock()
				return setError(p[0], "duplicate parameter")
			}
		}
		changes = append(changes, change{d: d, name: e.name})
	}
	// Redis reports an unknown name even when it follows a bad value, so
	// values are only parsed once every name is known.
	for i, p := range pairs {
		ch := &changes[i]
		ch.old = c.vals[ch.d.idx]
		v, reason := c.parse(ch.d, ch.old, splitSetValue(ch.d, p[1]), false)
		if reason != "" {
			c.mu.Unlock()
			return setError(ch.name, reason)
		}
		ch.new = v
		ch.changed = !sameValue(ch.d, ch.old, v)
	}
	// 2. Store everything, then run hooks without holding mu.
	for _, ch := range changes {
		c.vals[ch.d.idx] = ch.new
	}
	hooks := make([][]func(string) error, len(changes))
	for i, ch := range changes {
		if ch.changed {
			hooks[i] = c.hooks[ch.d.idx]
		}
	}
	c.mu.Unlock()

	for i, ch := range changes {
		for _, fn := range hooks[i] {
			err := fn(format(ch.d, ch.new))
			if err == nil {
				continue
			}
			// 3. Roll back: restore values, then re-apply the old ones.
			c.mu.Lock()
			for _, ch := range changes {
				c.vals[ch.d.idx] = ch.old
			}
			c.mu.Unlock()
			for j := 0; j <= i; j++ {
				for _, fn := range hooks[j] {
					_ = fn(format(changes[j].d, changes[j].old))
				}
			}
			return setError(ch.name, err.Error())
		}
	}
	return nil
}

// Update changes a directive on behalf of the server itself (for example
// replicaof after a REPLICAOF command), bypassing the immutable and
// protected checks and without running hooks. value uses CONFIG SET
// syntax; the error is the bare Redis reason.
func (c *Config) Update(name, value string) error {
	e := lookup(name)
	if e == nil {
		return errors.New("Unknown option '" + name + "'")
	}
	c.op.Lock()
	defer c.op.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	v, reason := c.parse(e.d, c.vals[e.d.idx], splitSetValue(e.d, value), false)
	if reason != "" {
		return errors.New(reason)
	}
	c.vals[e.d.idx] = v
	return nil
}

// setError formats a CONFIG SET failure.
func setError(name, reason string) error {
	msg := "ERR CONFIG SET failed (possibly related to argument '" + name + "')"
	if reason != "" {
		msg += " - " + reason
	}
	return errors.New(msg)
}

// splitSetValue turns a CONFIG SET value into arguments: multi-argument
// directives split on every single space (an empty value gives none).
func splitSetValue(d *directive, s string) []string {
	if d.flags&multiArg == 0 {
		return []string{s}
	}
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// protectedAllowed applies enable-protected-configs; c.mu must be held.
func (c *Config) protectedAllowed(local bool) bool {
	switch c.vals[mustLookup("enable-protected-configs").idx].n {
	case protectedYes:
		return true
	case protectedLocal:
		return local
	}
	return false
}
