package acl

import "strings"

// commandRules describes a selector's command bitmap as Redis 7.0 does:
// +@all or -@all, then the categories that best approximate the bitmap,
// then single commands and first-args to make it exact.
func (s *Selector) commandRules(t *Table) string {
	var b strings.Builder
	fake := newSelector(t, false)
	additive := !s.future
	if additive {
		b.WriteString("-@all ")
	} else {
		b.WriteString("+@all ")
		fake.setAll(true)
	}
	temp := s.clone()
	var applied [len(Categories)]bool
	for {
		best := -1
		minDiff, maxSame := int(^uint(0)>>1), 0
		for j := range Categories {
			if applied[j] {
				continue
			}
			on, off := 0, 0
			bit := uint32(1) << uint(j)
			t.walk(func(c *Command) {
				if c.Cats&bit != 0 {
					if temp.bit(c.ID) {
						on++
					} else {
						off++
					}
				}
			})
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < minDiff || diff == minDiff && same > maxSame) {
				best, minDiff, maxSame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		bit := uint32(1) << uint(best)
		fake.setCategory(t, bit, additive)
		temp.setCategory(t, bit, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(Categories[best])
		b.WriteByte(' ')
		applied[best] = true
	}
	t.walk(func(c *Command) {
		ub, fb := s.bit(c.ID), fake.bit(c.ID)
		if ub != fb {
			if ub {
				b.WriteByte('+')
			} else {
				b.WriteByte('-')
			}
			b.WriteString(c.FullName)
			b.WriteByte(' ')
			fake.change(c, ub)
		}
		if !ub {
			for _, a := range s.firstArgs[c.ID] {
				b.WriteByte('+')
				b.WriteString(c.FullName)
				b.WriteByte('|')
				b.WriteString(a)
				b.WriteByte(' ')
			}
		}
	})
	out := b.String()
	return out[:len(out)-1]
}

func (k keyPattern) String() string {
	switch k.perm {
	case PermRead:
		return "%R~" + k.pat
	case PermWrite:
		return "%W~" + k.pat
	}
	return "~" + k.pat
}

// KeysString is the "keys" field of ACL GETUSER for the selector.
func (s *Selector) KeysString() string {
	if s.allKeys {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, k := range s.keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " ")
}

// ChannelsString is the "channels" field of ACL GETUSER for the selector.
func (s *Selector) ChannelsString() string {
	if s.allChannels {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, c := range s.channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// CommandsString is the "commands" field of ACL GETUSER for the selector.
func (s *Selector) CommandsString(t *Table) string { return s.commandRules(t) }

func (s *Selector) describe(t *Table) string {
	var b strings.Builder
	if s.allKeys {
		b.WriteString("~* ")
	} else {
		for _, k := range s.keys {
			b.WriteString(k.String())
			b.WriteByte(' ')
		}
	}
	if s.allChannels {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, c := range s.channels {
			b.WriteString("&" + c + " ")
		}
	}
	b.WriteString(s.commandRules(t))
	return b.String()
}

// Flags lists the user flags as ACL GETUSER reports them.
func (u *User) Flags() []string {
	var f []string
	if u.on {
		f = append(f, "on")
	} else {
		f = append(f, "off")
	}
	if u.nopass {
		f = append(f, "nopass")
	}
	switch u.sanitize {
	case 2:
		f = append(f, "skip-sanitize-payload")
	case 1:
		f = append(f, "sanitize-payload")
	}
	return f
}

// Passwords returns the password hashes.
func (u *User) Passwords() []string { return u.passwords }

// Root returns the root selector.
func (u *User) Root() *Selector { return u.selectors[0] }

// Selectors returns the additional selectors.
func (u *User) Selectors() []*Selector { return u.selectors[1:] }

// Describe returns the user's rules as ACL LIST prints them (after the
// "user <name> " prefix); applying them to a new user recreates it.
func (u *User) Describe(t *Table) string {
	var b strings.Builder
	for _, f := range u.Flags() {
		b.WriteString(f)
		b.WriteByte(' ')
	}
	for _, p := range u.passwords {
		b.WriteString("#" + p + " ")
	}
	for i, s := range u.selectors {
		if i == 0 {
			b.WriteString(s.describe(t))
		} else {
			b.WriteString(" (" + s.describe(t) + ")")
		}
	}
	return b.String()
}
