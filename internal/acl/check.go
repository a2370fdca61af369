package acl

import (
	"strings"

	"github.com/peregrinedb/peregrine/internal/glob"
)

// Result is the outcome of a permission check.
type Result int

// Check results; the order matters when several selectors fail (the
// higher one is reported).
const (
	OK Result = iota
	DeniedCmd
	DeniedKey
	DeniedChannel
	DeniedAuth
)

// KeyRef is one key argument of a command and the access it needs.
type KeyRef struct {
	Pos  int
	Perm Perm
}

// ChanRef is one channel argument of a command; Pattern is set for
// PSUBSCRIBE's patterns, which match ACL patterns only literally.
type ChanRef struct {
	Pos     int
	Pattern bool
}

// Request is a command to check against a user.
type Request struct {
	Cmd      *Command
	Args     [][]byte
	Keys     []KeyRef
	Channels []ChanRef
}

func (s *Selector) keyAllowed(key []byte, perm Perm) bool {
	if s.allKeys {
		return true
	}
	for _, k := range s.keys {
		if k.perm&perm != perm {
			continue
		}
		if glob.MatchBytes([]byte(k.pat), key, false) {
			return true
		}
	}
	return false
}

func channelInList(list []string, ch []byte, pattern bool) bool {
	for _, p := range list {
		if pattern && p == string(ch) || !pattern && glob.MatchBytes([]byte(p), ch, false) {
			return true
		}
	}
	return false
}

func (s *Selector) check(r *Request) (Result, int) {
	c := r.Cmd
	if c == nil {
		// A command the ACL table does not know: only allcommands runs it.
		if !s.allCommands {
			return DeniedCmd, 0
		}
	} else if !s.allCommands && !c.NoAuth && !s.bit(c.ID) {
		args := s.firstArgs[c.ID]
		idx := 1
		if c.Parent != nil {
			idx = 2
		}
		ok := false
		if len(r.Args) > idx {
			for _, a := range args {
				if strings.EqualFold(a, string(r.Args[idx])) {
					ok = true
					break
				}
			}
		}
		if !ok {
			return DeniedCmd, 0
		}
	}
	if !s.allKeys {
		for _, k := range r.Keys {
			if !s.keyAllowed(r.Args[k.Pos], k.Perm) {
				return DeniedKey, k.Pos
			}
		}
	}
	if !s.allChannels {
		for _, ch := range r.Channels {
			if !channelInList(s.channels, r.Args[ch.Pos], ch.Pattern) {
				return DeniedChannel, ch.Pos
			}
		}
	}
	return OK, 0
}

// Check reports whether the user may run the request; on refusal it
// returns the reason and the argument position of the refused key or
// channel, chosen as Redis does across selectors.
func (u *User) Check(r *Request) (Result, int) {
	res, idx := DeniedCmd, 0
	for _, s := range u.selectors {
		got, pos := s.check(r)
		if got == OK {
			return OK, 0
		}
		if got > res || got == res && pos > idx {
			res, idx = got, pos
		}
	}
	return res, idx
}

// UnrestrictedRead reports whether one selector allows the request and
// reads of every key (SORT's BY and GET need it).
func (u *User) UnrestrictedRead(r *Request) bool {
	for _, s := range u.selectors {
		if res, _ := s.check(r); res != OK {
			continue
		}
		if s.allKeys {
			return true
		}
		for _, k := range s.keys {
			if k.pat == "*" && k.perm&PermRead != 0 {
				return true
			}
		}
	}
	return false
}

// KeyAllowed reports whether any selector lets the user access key.
func (u *User) KeyAllowed(key []byte, perm Perm) bool {
	for _, s := range u.selectors {
		if s.keyAllowed(key, perm) {
			return true
		}
	}
	return false
}

// ChannelAllowed reports whether any selector lets the user use channel
// (or, with pattern, subscribe to that exact pattern).
func (u *User) ChannelAllowed(ch []byte, pattern bool) bool {
	for _, s := range u.selectors {
		if s.allChannels || channelInList(s.channels, ch, pattern) {
			return true
		}
	}
	return false
}

// ChannelsShrunk reports whether the change from old to u may have
// revoked channels old allowed (so subscribed clients must be checked):
// false when u allows every channel or keeps all of old's patterns.
func (u *User) ChannelsShrunk(old *User) bool {
	for _, s := range u.selectors {
		if s.allChannels {
			return false
		}
	}
	all := u.channelUnion()
	for _, s := range old.selectors {
		if s.allChannels {
			return true
		}
		for _, c := range s.channels {
			found := false
			for _, n := range all {
				found = found || n == c
			}
			if !found {
				return true
			}
		}
	}
	return false
}

func (u *User) channelUnion() []string {
	var all []string
	for _, s := range u.selectors {
		all = append(all, s.channels...)
	}
	return all
}

// SubscriptionAllowed reports whether a subscribed client of the user may
// keep a subscription, matched against the union of the selectors'
// channel patterns as Redis does when permissions change.
func (u *User) SubscriptionAllowed(ch []byte, pattern bool) bool {
	for _, s := range u.selectors {
		if s.allChannels {
			return true
		}
	}
	return channelInList(u.channelUnion(), ch, pattern)
}
