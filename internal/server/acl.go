package server

import (
	"fmt"
	"strconv"

	"github.com/peregrinedb/peregrine/internal/acl"
	"github.com/peregrinedb/peregrine/internal/config"
)

// aclState is the server's ACL: the users and the ACL LOG (guarded by the
// keyspace lock; a client reads its user's rules through its acl.Ref
// without the lock).
type aclState struct {
	reg *acl.Registry
	log acl.Log
}

// initACL builds the ACL table from the command table, applies
// requirepass to the default user and defines the users of the config
// file and of the aclfile.
func (s *Server) initACL() error {
	t := acl.NewTable()
	for _, c := range s.cmds.sortedAll() {
		c.aclCmd = t.Add(c.Name, c.aclCategories(), c.Has(FlagNoAuth), nil)
		for _, sub := range c.sortedSubs() {
			sub.aclCmd = t.Add(sub.FullName(), sub.aclCategories(), sub.Has(FlagNoAuth), c.aclCmd)
		}
	}
	s.acl.reg = acl.NewRegistry(t)
	s.acl.reg.AllChannels = s.cfg.String("acl-pubsub-default") == "allchannels"
	s.updateDefaultPassword(s.cfg.String("requirepass"))
	s.cfg.OnApply("requirepass", func(v string) error {
		s.updateDefaultPassword(v) // CONFIG SET runs under the keyspace lock
		return nil
	})
	s.cfg.OnApply("acl-pubsub-default", func(v string) error {
		s.acl.reg.AllChannels = v == "allchannels"
		return nil
	})
	s.cfg.OnApply("acllog-max-len", func(v string) error {
		n, _ := strconv.Atoi(v)
		s.acl.log.Trim(n)
		return nil
	})
	users := s.cfg.Users()
	file := s.cfg.String("aclfile")
	if file != "" && len(users) > 0 {
		//lint:ignore ST1005 Redis's exact message
		return fmt.Errorf("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.")
	}
	var lines [][]string
	for _, l := range users {
		args, err := config.SplitArgs(l)
		if err != nil {
			return fmt.Errorf("user directive %q: %w", l, err)
		}
		lines = append(lines, args)
	}
	if err := s.acl.reg.LoadConfigLines(lines); err != nil {
		return err
	}
	if file != "" {
		if _, err := s.acl.reg.LoadFile(file); err != nil {
			//lint:ignore ST1005 Redis's exact message
			return fmt.Errorf("Aborting Redis startup because of ACL errors: %w", err)
		}
	}
	s.cfg.SetRewriteUsers(func() []string {
		return s.acl.reg.Lines() // CONFIG REWRITE runs under the keyspace lock
	})
	return nil
}

// updateDefaultPassword ties requirepass to the default user, as Redis:
// resetpass, then the password or nopass.
func (s *Server) updateDefaultPassword(pass string) {
	op := "nopass"
	if pass != "" {
		op = ">" + pass
	}
	_, _, _ = s.acl.reg.SetUser("default", []string{"resetpass", op})
}

// defaultAuthed reports whether new connections start authenticated (the
// default user is on and needs no password).
func (s *Server) defaultAuthed() bool {
	u := s.acl.reg.Default().User()
	return u.Enabled() && u.NoPass()
}

// aclRequest describes a command for a permission check: its key
// arguments with the access each needs, and its channels.
func aclRequest(cmd *Command, args [][]byte) *acl.Request {
	r := &acl.Request{Cmd: cmd.aclCmd, Args: args}
	// Shard channels have key specs for cluster slots, but they are not
	// keys for ACL (Redis flags them NOT_KEY).
	if (cmd.FirstKey > 0 || cmd.KeysFunc != nil) && !cmd.Has(FlagPubsub) {
		pos := cmd.keyPositions(args)
		for i, p := range pos {
			if p > 0 && p < len(args) {
				r.Keys = append(r.Keys, acl.KeyRef{Pos: p, Perm: keyPerm(cmd, args, i, len(pos))})
			}
		}
	}
	if cmd.Has(FlagPubsub) {
		switch cmd.FullName() {
		case "publish", "spublish":
			r.Channels = append(r.Channels, acl.ChanRef{Pos: 1})
		case "subscribe", "ssubscribe", "psubscribe":
			for i := 1; i < len(args); i++ {
				r.Channels = append(r.Channels, acl.ChanRef{Pos: i, Pattern: cmd.Name == "psubscribe"})
			}
		}
	}
	return r
}

// aclContext is the ACL LOG context of a command run by c.
func aclContext(c *Client) string {
	if c.multi != nil {
		return acl.CtxMulti
	}
	return acl.CtxToplevel
}

// aclLogDenial records a refusal in the ACL LOG; the keyspace lock is held.
// c is the client whose info the entry shows.
func (s *Server) aclLogDenial(c *Client, cmd *Command, reason acl.Result, ctx, object, user string) {
	x := &Ctx{s: s, c: c, cmd: cmd}
	info := string(appendClientInfo(nil, x, c))
	s.acl.log.Add(acl.LogEntry{Reason: reason, Context: ctx, Object: object, Username: user, Ctime: nowMs(), ClientInfo: info}, int(s.cfg.Int("acllog-max-len")))
}

// aclCheck checks a command of a restricted user and returns the NOPERM
// error to reply with ("" when allowed), logging the denial.
func (s *Server) aclCheck(c *Client, ref *acl.Ref, cmd *Command, args [][]byte, ctx string) (acl.Result, string) {
	u := ref.User()
	if u.Unrestricted() {
		return acl.OK, ""
	}
	res, idx := u.Check(aclRequest(cmd, args))
	if res == acl.OK {
		return res, ""
	}
	object := cmd.FullName()
	if res != acl.DeniedCmd {
		object = string(args[idx])
	}
	logClient := c
	if c == s.scripting.client && s.scripting.run.x != nil {
		logClient = s.scripting.run.x.c
	}
	s.aclLogDenial(logClient, cmd, res, ctx, object, ref.Name())
	switch res {
	case acl.DeniedCmd:
		return res, "NOPERM this user has no permissions to run the '" + cmd.FullName() + "' command"
	case acl.DeniedKey:
		return res, "NOPERM this user has no permissions to access one of the keys used as arguments"
	}
	return res, "NOPERM this user has no permissions to access one of the channels used as arguments"
}

// aclDispatchCheck is dispatch's ACL check for a restricted user (keyspace
// lock not held).
func (s *Server) aclDispatchCheck(c *Client, cmd *Command, args [][]byte) string {
	s.ks.Lock()
	_, msg := s.aclCheck(c, c.aclUser, cmd, args, aclContext(c))
	s.ks.Unlock()
	return msg
}

// aclExecError is the error EXEC gives a queued command the user may no
// longer run, or "".
func (s *Server) aclExecError(c *Client, cmd *Command, args [][]byte) string {
	if c.aclUser == nil {
		return ""
	}
	res, _ := s.aclCheck(c, c.aclUser, cmd, args, acl.CtxMulti)
	reason := ""
	switch res {
	case acl.OK:
		return ""
	case acl.DeniedCmd:
		reason = "no permission to execute the command or subcommand"
	case acl.DeniedKey:
		reason = "no permission to touch the specified keys"
	default:
		reason = "no permission to access one of the channels used as arguments"
	}
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
}

// aclScriptError is the error redis.call gives a command the script's
// caller may not run, or "" (keyspace lock held).
func (s *Server) aclScriptError(cmd *Command, argv [][]byte) string {
	r := s.scripting.run.x
	if r == nil || r.c.aclUser == nil {
		return ""
	}
	res, _ := s.aclCheck(s.scripting.client, r.c.aclUser, cmd, argv, acl.CtxLua)
	switch res {
	case acl.OK:
		return ""
	case acl.DeniedCmd:
		return "ERR The user executing the script can't run this command or subcommand"
	case acl.DeniedKey:
		return "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"
	}
	return "ERR The user executing the script can't publish to the channel mentioned in the command"
}

// ACLAllows reports whether the running script's caller may run argv
// (redis.acl_check_cmd).
func (h *scriptHost) ACLAllows(argv [][]byte) bool {
	s := h.s
	cmd := s.lookupCall(argv)
	r := s.scripting.run.x
	if cmd == nil || r == nil || r.c.aclUser == nil {
		return true
	}
	u := r.c.aclUser.User()
	if u.Unrestricted() {
		return true
	}
	res, _ := u.Check(aclRequest(cmd, argv))
	return res == acl.OK
}

// sortPatternsAllowed reports whether the client may use SORT's BY and GET
// patterns: its user must be able to read every key.
func (x *Ctx) sortPatternsAllowed() bool {
	c := x.c
	if c == x.s.scripting.client && x.s.scripting.run.x != nil {
		c = x.s.scripting.run.x.c
	}
	if c.aclUser == nil {
		return true
	}
	u := c.aclUser.User()
	return u.Unrestricted() || u.UnrestrictedRead(aclRequest(x.cmd, x.args))
}

// authenticate checks credentials and, on success, makes the client that
// user; a failure is logged in the ACL LOG.
func (s *Server) authenticate(c *Client, cmd *Command, user, pass []byte, cmdName string) bool {
	if ref := s.acl.reg.Get(string(user)); ref != nil {
		u := ref.User()
		if u.Enabled() && u.CheckPassword(string(pass)) {
			c.authed = true
			c.aclUser = ref
			c.user = ref.Name()
			c.rd.Authenticated = true
			return true
		}
	}
	s.aclLogDenial(c, cmd, acl.DeniedAuth, aclContext(c), cmdName, string(user))
	return false
}

// disconnectUser closes the connections of a deleted or reloaded user, as
// Redis does: the client running the command closes after its reply.
func (s *Server) disconnectUser(self *Client, ref *acl.Ref) {
	for _, c := range s.sortedClients() {
		if c.aclUser != ref {
			continue
		}
		if c == self {
			c.flags |= clientCloseAfterReply
		} else {
			s.killNow(c)
		}
	}
}

// killRevokedSubscribers closes the pub/sub clients of a user whose
// channel permissions no longer cover their subscriptions.
func (s *Server) killRevokedSubscribers(self *Client, ref *acl.Ref, old, cur *acl.User) {
	if old == nil || !cur.ChannelsShrunk(old) {
		return
	}
	for _, c := range s.sortedClients() {
		if c.aclUser != ref || !c.subscribed() {
			continue
		}
		kill := false
		for _, p := range c.subs.patterns.order {
			kill = kill || !cur.SubscriptionAllowed([]byte(p), true)
		}
		for _, ch := range c.subs.channels.order {
			kill = kill || !cur.SubscriptionAllowed([]byte(ch), false)
		}
		for _, ch := range c.subs.shard.order {
			kill = kill || !cur.SubscriptionAllowed([]byte(ch), false)
		}
		if !kill {
			continue
		}
		if c == self {
			c.flags |= clientCloseAfterReply
		} else {
			s.killNow(c)
		}
	}
}

// subscribed reports whether the client has any subscription.
func (c *Client) subscribed() bool {
	return len(c.subs.channels.order)+len(c.subs.patterns.order)+len(c.subs.shard.order) > 0
}

// keyPerm is the access a command needs to its i-th key (of n): read,
// write, both, or none for commands that only test existence or size.
func keyPerm(cmd *Command, args [][]byte, i, n int) acl.Perm {
	name := cmd.FullName()
	switch name {
	case "exists", "touch", "type", "memory|usage", "hexists", "hstrlen", "sismember", "strlen", "hlen", "llen",
		"scard", "zcard", "xlen", "ttl", "pttl", "expiretime", "pexpiretime", "object|encoding", "object|freq",
		"object|idletime", "object|refcount":
		return 0
	}
	switch name {
	case "copy", "sort", "sort_ro", "georadius", "georadiusbymember", "geosearchstore", "zrangestore", "smove", "lmove", "blmove", "rpoplpush", "brpoplpush",
		"sunionstore", "sinterstore", "sdiffstore", "zunionstore", "zinterstore", "zdiffstore", "bitop", "pfmerge", "rename", "renamenx":
		dest := 0
		switch name {
		case "sunionstore", "sinterstore", "sdiffstore", "zunionstore", "zinterstore", "zdiffstore", "zrangestore", "geosearchstore", "bitop":
			dest = 0 // the first key is the destination
		default:
			dest = n - 1
		}
		if n > 1 && i == dest {
			if name == "pfmerge" {
				return acl.PermAll
			}
			return acl.PermWrite
		}
		switch name {
		case "smove", "lmove", "blmove", "rpoplpush", "brpoplpush", "rename", "renamenx":
			return acl.PermAll
		}
		return acl.PermRead
	case "set":
		for _, a := range args[3:] {
			if eqFold(a, "get") {
				return acl.PermAll
			}
		}
		return acl.PermWrite
	case "bitfield":
		for _, a := range args[2:] {
			if eqFold(a, "set") || eqFold(a, "incrby") {
				return acl.PermAll
			}
		}
		return acl.PermRead
	case "eval", "evalsha", "fcall", "migrate":
		return acl.PermAll
	case "incr", "decr", "incrby", "decrby", "incrbyfloat", "getset", "getdel", "getex", "hincrby", "hincrbyfloat",
		"lpop", "rpop", "blpop", "brpop", "lmpop", "blmpop", "spop", "zpopmin", "zpopmax", "bzpopmin", "bzpopmax",
		"zmpop", "bzmpop", "zincrby", "xautoclaim", "xclaim", "xreadgroup", "lpos":
		if cmd.Has(FlagWrite) {
			return acl.PermAll
		}
	}
	switch {
	case cmd.Has(FlagWrite):
		return acl.PermWrite
	case cmd.Has(FlagReadonly):
		return acl.PermRead
	}
	return acl.PermAll
}

// killNow disconnects another client and, as Redis frees it at once, makes
// it disappear from CLIENT LIST before the current command replies (its
// goroutine does the rest of the cleanup). The keyspace lock is held.
func (s *Server) killNow(c *Client) {
	s.clientsMu.Lock()
	delete(s.clients, c.id)
	s.clientsMu.Unlock()
	c.kill()
}
