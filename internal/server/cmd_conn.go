package server

import (
	"strings"
)

func connectionCommands() []*Command {
	return []*Command{
		spec("ping", -1, "fast", 0, 0, 0, "connection", pingCommand),
		spec("echo", 2, "loading stale fast", 0, 0, 0, "connection", echoCommand),
		spec("quit", -1, "allow_busy noscript loading stale fast no_auth", 0, 0, 0, "connection", quitCommand),
		spec("reset", 1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "connection", resetCommand),
		spec("select", 2, "loading stale fast", 0, 0, 0, "connection", selectCommand),
		spec("auth", -2, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "connection", authCommand),
		spec("hello", -1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "connection", helloCommand),
		clientCommand(),
	}
}

func pingCommand(x *Ctx) {
	if len(x.args) > 2 {
		x.ErrArity()
		return
	}
	if x.c.flags&clientPubsub != 0 && x.w.Proto == 2 {
		x.w.Array(2)
		x.w.BulkString("pong")
		if len(x.args) == 2 {
			x.w.Bulk(x.args[1])
		} else {
			x.w.BulkString("")
		}
		return
	}
	if len(x.args) == 2 {
		x.w.Bulk(x.args[1])
		return
	}
	x.w.Simple("PONG")
}

func echoCommand(x *Ctx) { x.w.Bulk(x.args[1]) }

func quitCommand(x *Ctx) {
	// Leave every shared registry now, as Redis frees the client right
	// after the reply: the next command of another client must not see it.
	x.s.discardTransaction(x.c)
	x.s.unsubscribeAll(x.c)
	x.s.disableTracking(x.c)
	x.w.OK()
	x.c.flags |= clientCloseAfterReply
}

func resetCommand(x *Ctx) {
	c := x.c
	if c.flags&clientMonitor != 0 {
		x.s.removeMonitor(c)
	}
	c.db = 0
	c.w.Proto = 2
	c.name = ""
	c.user = "default"
	c.aclUser = x.s.acl.reg.Default()
	c.authed = x.s.defaultAuthed()
	c.rd.Authenticated = c.authed
	c.flags &^= clientReplyOff | clientReplySkipNext | clientReplySkip | clientNoEvict | clientNoTouch | clientPubsub
	x.s.resetHooks(x)
	x.w.Simple("RESET")
}

// resetHooks clears per-client state owned by later subsystems (MULTI,
// tracking, pub/sub) on RESET.
func (s *Server) resetHooks(x *Ctx) {
	s.discardTransaction(x.c)
	s.unsubscribeAll(x.c)
	s.disableTracking(x.c)
}

func selectCommand(x *Ctx) {
	id, ok := parseInt(x.args[1])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if id < 0 || id >= int64(x.s.ks.Count()) {
		x.Err(errDBIndex)
		return
	}
	x.c.db = int(id)
	x.w.OK()
}

func authCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err(errSyntax)
		return
	}
	// Credentials never reach MONITOR or the slow log.
	args := append([][]byte(nil), x.args...)
	for i := 1; i < len(x.args); i++ {
		x.redactArg(i)
	}
	user, pass := []byte("default"), args[1]
	if len(x.args) == 2 {
		if x.s.acl.reg.Default().User().NoPass() {
			x.Err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
			return
		}
	} else {
		user, pass = args[1], args[2]
	}
	if !x.s.authenticate(x.c, x.cmd, user, pass, string(args[0])) {
		x.Err(errWrongPass)
		return
	}
	x.w.OK()
}

func helloCommand(x *Ctx) {
	var ver int64
	next := 1
	if len(x.args) >= 2 {
		v, ok := parseInt(x.args[1])
		if !ok {
			x.Err("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			x.Err(errNoProto)
			return
		}
		ver = v
		next = 2
	}
	for j := next; j < len(x.args); j++ {
		more := len(x.args) - 1 - j
		opt := strings.ToLower(string(x.args[j]))
		switch {
		case opt == "auth" && more >= 2:
			user, pass := x.args[j+1], x.args[j+2]
			x.redactArg(j + 1)
			x.redactArg(j + 2)
			if !x.s.authenticate(x.c, x.cmd, user, pass, string(x.args[0])) {
				x.Err(errWrongPass)
				return
			}
			j += 2
		case opt == "setname" && more >= 1:
			if !validClientName(x.args[j+1]) {
				x.Err(errClientName)
				return
			}
			x.c.name = string(x.args[j+1])
			j++
		default:
			x.Err("ERR Syntax error in HELLO option '" + string(x.args[j]) + "'")
			return
		}
	}
	if !x.c.authed {
		x.Err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if ver != 0 {
		x.c.w.Proto = int(ver)
	}
	w := x.w
	w.Map(7)
	w.BulkString("server")
	w.BulkString("redis")
	w.BulkString("version")
	w.BulkString(Version)
	w.BulkString("proto")
	w.Int(int64(w.Proto))
	w.BulkString("id")
	w.Int(x.c.id)
	w.BulkString("mode")
	w.BulkString("standalone")
	w.BulkString("role")
	w.BulkString("master")
	w.BulkString("modules")
	w.EmptyArray()
}

// validClientName reports whether name has no spaces, newlines or special characters.
func validClientName(name []byte) bool {
	for _, c := range name {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}
