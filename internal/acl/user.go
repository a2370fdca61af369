package acl

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/peregrinedb/peregrine/internal/config"
)

// Perm is a key pattern's permission: read, write or both.
type Perm uint8

// Key permissions.
const (
	PermRead  Perm = 1
	PermWrite Perm = 2
	PermAll        = PermRead | PermWrite
)

type keyPattern struct {
	pat  string
	perm Perm
}

// Selector is one set of permissions: the root selector of a user or one
// of its additional "(...)" selectors. A command is allowed when any
// selector allows it entirely.
type Selector struct {
	allKeys, allChannels, allCommands bool
	// future is Redis's reserved "future commands" bit: set by +@all,
	// cleared only by -@all.
	future    bool
	bits      []uint64
	firstArgs map[int][]string
	keys      []keyPattern
	channels  []string
}

func newSelector(t *Table, allChannels bool) *Selector {
	return &Selector{bits: make([]uint64, (t.Len()+63)/64), allChannels: allChannels}
}

func (s *Selector) clone() *Selector {
	n := *s
	n.bits = append([]uint64(nil), s.bits...)
	n.keys = append([]keyPattern(nil), s.keys...)
	n.channels = append([]string(nil), s.channels...)
	if s.firstArgs != nil {
		n.firstArgs = make(map[int][]string, len(s.firstArgs))
		for k, v := range s.firstArgs {
			n.firstArgs[k] = append([]string(nil), v...)
		}
	}
	return &n
}

func (s *Selector) bit(id int) bool { return s.bits[id/64]&(1<<uint(id%64)) != 0 }

func (s *Selector) setBit(id int, v bool) {
	if v {
		s.bits[id/64] |= 1 << uint(id%64)
	} else {
		s.bits[id/64] &^= 1 << uint(id%64)
		s.allCommands = false
	}
}

// change allows or denies a command and, for a container, its subcommands.
func (s *Selector) change(c *Command, allow bool) {
	s.setBit(c.ID, allow)
	delete(s.firstArgs, c.ID)
	for _, sub := range c.Subs {
		s.setBit(sub.ID, allow)
	}
}

func (s *Selector) setCategory(t *Table, bit uint32, allow bool) {
	t.walk(func(c *Command) {
		if c.Cats&bit != 0 {
			s.change(c, allow)
		}
	})
}

func (s *Selector) setAll(allow bool) {
	var w uint64
	if allow {
		w = ^uint64(0)
	}
	for i := range s.bits {
		s.bits[i] = w
	}
	s.allCommands, s.future = allow, allow
	s.firstArgs = nil
}

// ruleError is one rule's failure, with Redis's explanation.
type ruleError string

func (e ruleError) Error() string { return string(e) }

// The explanations ACL SETUSER gives for a bad rule.
const (
	errUnknownName  ruleError = "Unknown command or category name in ACL"
	errSyntax       ruleError = "Syntax error"
	errKeysAfterAll ruleError = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	errChanAfterAll ruleError = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	errNoSuchPass   ruleError = "The password you are trying to remove from the user does not exist"
	errBadHash      ruleError = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	errFirstArgSub  ruleError = "Allowing first-arg of a subcommand is not supported"
	// ErrDuplicateUser is reported for a user defined twice in the config.
	ErrDuplicateUser ruleError = "Duplicate user found. A user can only be defined once in config files"
)

func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == 0 || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f' {
			return true
		}
	}
	return false
}

// apply applies one selector rule.
func (s *Selector) apply(t *Table, op string) error {
	switch {
	case strings.EqualFold(op, "allkeys") || op == "~*":
		s.allKeys, s.keys = true, nil
	case strings.EqualFold(op, "resetkeys"):
		s.allKeys, s.keys = false, nil
	case strings.EqualFold(op, "allchannels") || op == "&*":
		s.allChannels, s.channels = true, nil
	case strings.EqualFold(op, "resetchannels"):
		s.allChannels, s.channels = false, nil
	case strings.EqualFold(op, "allcommands") || strings.EqualFold(op, "+@all"):
		s.setAll(true)
	case strings.EqualFold(op, "nocommands") || strings.EqualFold(op, "-@all"):
		s.setAll(false)
	case op[0] == '~' || op[0] == '%':
		if s.allKeys {
			return errKeysAfterAll
		}
		var perm Perm
		off := 1
		if op[0] == '%' {
			for ; off < len(op); off++ {
				c := op[off]
				if (c == 'R' || c == 'r') && perm&PermRead == 0 {
					perm |= PermRead
				} else if (c == 'W' || c == 'w') && perm&PermWrite == 0 {
					perm |= PermWrite
				} else if c == '~' {
					off++
					break
				} else {
					return errSyntax
				}
			}
		} else {
			perm = PermAll
		}
		pat := op[off:]
		if hasSpaces(pat) {
			return errSyntax
		}
		found := false
		for i := range s.keys {
			if s.keys[i].pat == pat {
				s.keys[i].perm |= perm
				found = true
			}
		}
		if !found {
			s.keys = append(s.keys, keyPattern{pat, perm})
		}
	case op[0] == '&':
		if s.allChannels {
			return errChanAfterAll
		}
		pat := op[1:]
		if hasSpaces(pat) {
			return errSyntax
		}
		for _, c := range s.channels {
			if c == pat {
				return nil
			}
		}
		s.channels = append(s.channels, pat)
	case op[0] == '+' && (len(op) < 2 || op[1] != '@'):
		name := op[1:]
		bar := strings.LastIndexByte(name, '|')
		if bar < 0 {
			c := t.Lookup(name)
			if c == nil {
				return errUnknownName
			}
			s.change(c, true)
			return nil
		}
		c := t.Lookup(name[:bar])
		if c == nil {
			return errUnknownName
		}
		if c.Parent != nil {
			return errFirstArgSub
		}
		sub := name[bar+1:]
		if sub == "" {
			return errSyntax
		}
		if len(c.Subs) > 0 {
			sc := t.Lookup(name)
			if sc == nil {
				return errUnknownName
			}
			s.change(sc, true)
			return nil
		}
		if s.firstArgs == nil {
			s.firstArgs = map[int][]string{}
		}
		for _, a := range s.firstArgs[c.ID] {
			if strings.EqualFold(a, sub) {
				return nil
			}
		}
		s.firstArgs[c.ID] = append(s.firstArgs[c.ID], sub)
	case op[0] == '-' && (len(op) < 2 || op[1] != '@'):
		c := t.Lookup(op[1:])
		if c == nil {
			return errUnknownName
		}
		s.change(c, false)
	case (op[0] == '+' || op[0] == '-') && op[1] == '@':
		bit := CategoryBit(op[2:])
		if bit == 0 {
			return errUnknownName
		}
		s.setCategory(t, bit, op[0] == '+')
	default:
		return errSyntax
	}
	return nil
}

// User is one ACL user. A published User is never modified: SetUser
// returns a changed copy.
type User struct {
	Name      string
	on        bool
	nopass    bool
	sanitize  int8 // 0 unset, 1 sanitize-payload, 2 skip-sanitize-payload
	passwords []string
	selectors []*Selector // [0] is the root selector
	// unrestricted: the root selector allows every command, key and channel.
	unrestricted bool
}

// NewUser returns a user as ACL SETUSER creates it: off, no passwords, no
// permissions; allChannels follows acl-pubsub-default.
func NewUser(t *Table, name string, allChannels bool) *User {
	return &User{Name: name, selectors: []*Selector{newSelector(t, allChannels)}}
}

// NewDefaultUser returns the "default" user: on, nopass, everything allowed.
func NewDefaultUser(t *Table) *User {
	u := NewUser(t, "default", true)
	r := u.selectors[0]
	r.setAll(true)
	r.allKeys = true
	u.on, u.nopass = true, true
	u.refresh()
	return u
}

func (u *User) clone() *User {
	n := *u
	n.passwords = append([]string(nil), u.passwords...)
	n.selectors = make([]*Selector, len(u.selectors))
	for i, s := range u.selectors {
		n.selectors[i] = s.clone()
	}
	return &n
}

func (u *User) refresh() {
	r := u.selectors[0]
	u.unrestricted = r.allCommands && r.allKeys && r.allChannels
}

// Enabled reports whether the user is "on".
func (u *User) Enabled() bool { return u.on }

// NoPass reports whether any password authenticates the user.
func (u *User) NoPass() bool { return u.nopass }

// SkipSanitizePayload reports the skip-sanitize-payload flag: with
// sanitize-dump-payload clients, this user's RESTORE payloads are not
// deep-sanitized.
func (u *User) SkipSanitizePayload() bool { return u.sanitize == 2 }

// Unrestricted reports whether the user may run any command on any key
// and channel: permission checks can be skipped.
func (u *User) Unrestricted() bool { return u.unrestricted }

// HashPassword returns the hex SHA-256 of a password, as ACL stores it.
func HashPassword(p string) string {
	h := sha256.Sum256([]byte(p))
	return hex.EncodeToString(h[:])
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// CheckPassword reports whether pass authenticates the user (ignoring on/off).
func (u *User) CheckPassword(pass string) bool {
	if u.nopass {
		return true
	}
	h := HashPassword(pass)
	ok := false
	for _, p := range u.passwords {
		if constEq(p, h) {
			ok = true
		}
	}
	return ok
}

func constEq(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// applyOne applies one user rule (user flags, passwords, selectors or a
// root selector rule). allChannels is acl-pubsub-default.
func (u *User) applyOne(t *Table, op string, allChannels bool) error {
	if op == "" {
		return nil
	}
	switch {
	case strings.EqualFold(op, "on"):
		u.on = true
	case strings.EqualFold(op, "off"):
		u.on = false
	case strings.EqualFold(op, "skip-sanitize-payload"):
		u.sanitize = 2
	case strings.EqualFold(op, "sanitize-payload"):
		u.sanitize = 1
	case strings.EqualFold(op, "nopass"):
		u.nopass, u.passwords = true, nil
	case strings.EqualFold(op, "resetpass"):
		u.nopass, u.passwords = false, nil
	case op[0] == '>' || op[0] == '#':
		var h string
		if op[0] == '>' {
			h = HashPassword(op[1:])
		} else {
			if !validHash(op[1:]) {
				return errBadHash
			}
			h = op[1:]
		}
		dup := false
		for _, p := range u.passwords {
			dup = dup || p == h
		}
		if !dup {
			u.passwords = append(u.passwords, h)
		}
		u.nopass = false
	case op[0] == '<' || op[0] == '!':
		var h string
		if op[0] == '<' {
			h = HashPassword(op[1:])
		} else {
			if !validHash(op[1:]) {
				return errBadHash
			}
			h = op[1:]
		}
		for i, p := range u.passwords {
			if p == h {
				u.passwords = append(u.passwords[:i:i], u.passwords[i+1:]...)
				return nil
			}
		}
		return errNoSuchPass
	case op[0] == '(' && op[len(op)-1] == ')':
		s := newSelector(t, allChannels)
		for _, a := range splitArgs(op[1 : len(op)-1]) {
			if err := s.apply(t, a); err != nil {
				return err
			}
		}
		u.selectors = append(u.selectors, s)
	case strings.EqualFold(op, "clearselectors"):
		u.selectors = u.selectors[:1]
	case strings.EqualFold(op, "reset"):
		u.nopass, u.passwords = false, nil
		r := u.selectors[0]
		r.allKeys, r.keys = false, nil
		r.allChannels, r.channels = allChannels, nil
		u.on = false
		u.sanitize = 1
		u.selectors = u.selectors[:1]
		r.setAll(false)
	default:
		return u.selectors[0].apply(t, op)
	}
	return nil
}

// splitArgs splits a selector's body on spaces, honouring quotes as
// redis.conf does; an unbalanced quote yields the raw words.
func splitArgs(s string) []string {
	if args, err := config.SplitArgs(s); err == nil {
		return args
	}
	return strings.Fields(s)
}

// mergeSelectors joins selector rules spread over several arguments
// ("(~x" "+get)") into one, as Redis does; on an unclosed parenthesis it
// returns the index of the argument that opened it.
func mergeSelectors(ops []string) ([]string, int) {
	var out []string
	open := -1
	var cur string
	for j, op := range ops {
		if open < 0 && len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			cur, open = op, j
			continue
		}
		if open >= 0 {
			cur += " " + op
			if len(op) > 0 && op[len(op)-1] == ')' {
				out = append(out, cur)
				open = -1
			}
			continue
		}
		out = append(out, op)
	}
	if open >= 0 {
		return nil, open
	}
	return out, -1
}

// Apply returns a copy of u (or of a new user named name when u is nil)
// with the rules applied, or Redis's error message ("Error in ACL SETUSER
// modifier ..."); u itself is never changed.
func Apply(t *Table, u *User, name string, ops []string, allChannels bool) (*User, error) {
	merged, bad := mergeSelectors(ops)
	if bad >= 0 {
		//lint:ignore ST1005 Redis's exact error text, shown to users
		return nil, fmt.Errorf("Unmatched parenthesis in acl selector starting at '%s'.", ops[bad])
	}
	var n *User
	if u == nil {
		n = NewUser(t, name, allChannels)
	} else {
		n = u.clone()
	}
	for _, op := range merged {
		if err := n.applyOne(t, op, allChannels); err != nil {
			var re ruleError
			if errors.As(err, &re) {
				return nil, fmt.Errorf("Error in ACL SETUSER modifier '%s': %s", op, re)
			}
			return nil, fmt.Errorf("Error in ACL SETUSER modifier '%s': %w", op, err)
		}
	}
	n.refresh()
	return n, nil
}

// ValidUsername reports whether a user name is acceptable (no spaces or
// NUL characters).
func ValidUsername(name string) bool { return !hasSpaces(name) }
