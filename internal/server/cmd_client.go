package server

import (
	"sort"
	"strconv"
	"time"
)

// clientCommand is the CLIENT container (listed by the connection family).
// CACHING, TRACKING, GETREDIR, TRACKINGINFO and UNBLOCK join it with
// client-side caching and blocking operations.
func clientCommand() *Command {
	c := container("client", -2, "connection",
		spec("getname", 2, "noscript loading stale sentinel", 0, 0, 0, "", clientGetnameCommand),
		spec("help", 2, "loading stale sentinel", 0, 0, 0, "", clientHelpCommand),
		spec("id", 2, "noscript loading stale sentinel", 0, 0, 0, "", clientIDCommand),
		spec("info", 2, "noscript loading stale sentinel", 0, 0, 0, "", clientInfoCommand),
		spec("kill", -3, "admin noscript loading stale sentinel", 0, 0, 0, "", clientKillCommand),
		spec("list", -2, "admin noscript loading stale sentinel", 0, 0, 0, "", clientListCommand),
		spec("no-evict", 3, "admin noscript loading stale sentinel", 0, 0, 0, "", clientNoEvictCommand),
		spec("no-touch", 3, "noscript loading stale", 0, 0, 0, "", clientNoTouchCommand),
		spec("pause", -3, "admin noscript loading stale sentinel", 0, 0, 0, "", clientPauseCommand),
		spec("reply", 3, "noscript loading stale sentinel", 0, 0, 0, "", clientReplyCommand),
		spec("setinfo", -4, "noscript loading stale sentinel", 0, 0, 0, "", clientSetinfoCommand),
		spec("setname", 3, "noscript loading stale sentinel", 0, 0, 0, "", clientSetnameCommand),
		spec("tracking", -3, "noscript loading stale", 0, 0, 0, "", clientTrackingCommand),
		spec("caching", 3, "noscript loading stale", 0, 0, 0, "", clientCachingCommand),
		spec("getredir", 2, "noscript loading stale", 0, 0, 0, "", clientGetredirCommand),
		spec("trackinginfo", 2, "noscript loading stale", 0, 0, 0, "", clientTrackinginfoCommand),
		spec("unblock", -3, "admin noscript loading stale", 0, 0, 0, "", clientUnblockCommand),
		spec("unpause", 2, "admin noscript loading stale sentinel", 0, 0, 0, "", clientUnpauseCommand),
	)
	c.Flags = parseFlags("sentinel")
	return c
}

func clientHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "CLIENT",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill the connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to the specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing the current connection (default: yes).",
		"    * ID <client-id>",
		"      Kill the connection with the given ID.",
		"    * MAXAGE <maxage>",
		"      Kill connections older than <maxage> seconds.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of the specified type.",
		"    * ID <client-id> [<client-id> ...]",
		"      Return the clients with the given IDs.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all clients, or only those sending writes, for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"SETINFO <LIB-NAME|LIB-VER> <value>",
		"    Record the name or version of the client library.",
		"NO-EVICT (ON|OFF)",
		"    Protect the current connection from client eviction.",
		"NO-TOUCH (ON|OFF)",
		"    Do not update the last access time of the keys the connection reads.",
	)
}

func clientIDCommand(x *Ctx) { x.w.Int(x.c.id) }

func clientGetnameCommand(x *Ctx) {
	if x.c.name == "" {
		x.w.Null()
		return
	}
	x.w.BulkString(x.c.name)
}

func clientSetnameCommand(x *Ctx) {
	if !validClientName(x.args[2]) {
		x.Err(errClientName)
		return
	}
	x.c.name = string(x.args[2])
	x.w.OK()
}

// clientSetinfoCommand implements CLIENT SETINFO LIB-NAME|LIB-VER value
// (Redis 7.2; client libraries send it on connect).
func clientSetinfoCommand(x *Ctx) {
	if len(x.args) != 4 {
		x.ErrArity()
		return
	}
	attr, val := x.args[2], x.args[3]
	for _, ch := range val {
		if ch < '!' || ch > '~' {
			x.Err("ERR " + upper(string(attr)) + " cannot contain spaces, newlines or special characters.")
			return
		}
	}
	switch {
	case eqFold(attr, "lib-name"):
		x.c.lib = string(val)
	case eqFold(attr, "lib-ver"):
		x.c.libVer = string(val)
	default:
		x.Err("ERR Unrecognized option '" + string(attr) + "'")
		return
	}
	x.w.OK()
}

func clientReplyCommand(x *Ctx) {
	switch {
	case eqFold(x.args[2], "on"):
		x.c.flags &^= clientReplyOff | clientReplySkip | clientReplySkipNext
		x.w.OK()
	case eqFold(x.args[2], "off"):
		x.c.flags |= clientReplyOff
	case eqFold(x.args[2], "skip"):
		if x.c.flags&clientReplyOff == 0 {
			x.c.flags |= clientReplySkipNext
		}
	default:
		x.Err(errSyntax)
	}
}

// onOffFlag implements the ON|OFF client switches (NO-EVICT, NO-TOUCH).
func onOffFlag(x *Ctx, flag int) {
	switch {
	case eqFold(x.args[2], "on"):
		x.c.flags |= flag
	case eqFold(x.args[2], "off"):
		x.c.flags &^= flag
	default:
		x.Err(errSyntax)
		return
	}
	x.w.OK()
}

func clientNoEvictCommand(x *Ctx) { onOffFlag(x, clientNoEvict) }
func clientNoTouchCommand(x *Ctx) { onOffFlag(x, clientNoTouch) }

func clientPauseCommand(x *Ctx) {
	if len(x.args) > 4 {
		x.Err(errSubcommandSyntax(x))
		return
	}
	writesOnly := false
	if len(x.args) == 4 {
		switch {
		case eqFold(x.args[3], "write"):
			writesOnly = true
		case eqFold(x.args[3], "all"):
		default:
			x.Err("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	}
	ms, ok := parseInt(x.args[2])
	if !ok {
		x.Err("ERR timeout is not an integer or out of range")
		return
	}
	if ms < 0 {
		x.Err("ERR timeout is negative")
		return
	}
	x.s.pause.start(time.Now().Add(time.Duration(ms)*time.Millisecond), writesOnly)
	x.w.OK()
}

func clientUnpauseCommand(x *Ctx) {
	x.s.pause.stop()
	x.w.OK()
}

// Client types, as CLIENT LIST TYPE and CLIENT KILL TYPE name them.
const (
	clientTypeNormal = iota
	clientTypeReplica
	clientTypePubsub
	clientTypeMaster
)

func clientTypeByName(b []byte) (int, bool) {
	switch {
	case eqFold(b, "normal"):
		return clientTypeNormal, true
	case eqFold(b, "slave"), eqFold(b, "replica"):
		return clientTypeReplica, true
	case eqFold(b, "pubsub"):
		return clientTypePubsub, true
	case eqFold(b, "master"):
		return clientTypeMaster, true
	}
	return 0, false
}

// clientType classifies a client (MONITOR clients count as normal, as in Redis).
func clientType(c *Client) int {
	switch {
	case c.flags&clientMaster != 0:
		return clientTypeMaster
	case c.flags&clientReplica != 0 && c.flags&clientMonitor == 0:
		return clientTypeReplica
	}
	if c.flags&clientPubsub != 0 {
		return clientTypePubsub
	}
	return clientTypeNormal
}

// sortedClients returns the connected clients in ID order.
func (s *Server) sortedClients() []*Client {
	s.clientsMu.Lock()
	out := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		// A killed client is gone for Redis at once; its goroutine may
		// not have removed it yet.
		if !c.killed.Load() {
			out = append(out, c)
		}
	}
	s.clientsMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Server) clientByID(id int64) *Client {
	s.clientsMu.Lock()
	defer s.clientsMu.Unlock()
	return s.clients[id]
}

// clientMemory is a client's memory for CLIENT LIST tot-mem (clientmem.go).
func clientMemory(c *Client) int64 { return c.memoryUsage() }

// clientFlagsString is the flags= field of CLIENT LIST.
func clientFlagsString(c *Client) string {
	var b []byte
	if c.flags&clientReplica != 0 {
		b = append(b, 'S')
	}
	if c.flags&clientMaster != 0 {
		b = append(b, 'M')
	}
	if c.flags&clientMonitor != 0 {
		b = append(b, 'O')
	}
	if c.flags&clientPubsub != 0 {
		b = append(b, 'P')
	}
	if c.multi != nil {
		b = append(b, 'x')
	}
	if c.blocked != nil {
		b = append(b, 'b')
	}
	if t := c.tracking; t != nil {
		b = append(b, 't')
		if t.brokenRedir {
			b = append(b, 'R')
		}
		if t.bcast {
			b = append(b, 'B')
		}
	}
	if c.flags&clientCloseAfterReply != 0 {
		b = append(b, 'c')
	}
	if c.flags&clientNoEvict != 0 {
		b = append(b, 'e')
	}
	if c.flags&clientNoTouch != 0 {
		b = append(b, 'T')
	}
	if len(b) == 0 {
		return "N"
	}
	return string(b)
}

// appendClientInfo writes one CLIENT LIST line (without the newline) in the
// field order of Redis 7.0. x is the calling command, whose own client
// reports the command running now. The keyspace lock is held.
func appendClientInfo(b []byte, x *Ctx, c *Client) []byte {
	now := nowMs()
	cmd := "NULL"
	switch {
	case c == x.c:
		cmd = x.cmd.FullName()
	case c.lastCmd != nil:
		cmd = c.lastCmd.FullName()
	}
	multi := int64(-1)
	if c.multi != nil {
		multi = int64(len(c.multi.queue))
	}
	user := c.user
	if user == "" {
		user = "(superuser)"
	}
	num := func(k string, v int64) {
		b = append(b, ' ')
		b = append(b, k...)
		b = append(b, '=')
		b = strconv.AppendInt(b, v, 10)
	}
	str := func(k, v string) {
		b = append(b, ' ')
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, v...)
	}
	b = append(b, "id="...)
	b = strconv.AppendInt(b, c.id, 10)
	str("addr", c.addr)
	str("laddr", c.laddr)
	num("fd", int64(c.fd))
	str("name", c.name)
	num("age", (now-c.createdMs)/1000)
	num("idle", (now-c.lastActive.Load())/1000)
	str("flags", clientFlagsString(c))
	num("db", int64(c.db))
	num("sub", int64(c.subs.channels.len()))
	num("psub", int64(c.subs.patterns.len()))
	num("ssub", int64(c.subs.shard.len()))
	num("multi", multi)
	num("qbuf", c.qbuf.Load())
	num("qbuf-free", c.qbufFree.Load())
	multiMem := int64(0)
	if c.multi != nil {
		multiMem = c.multi.mem
	}
	num("argv-mem", 0) // arguments stay in the query buffer (qbuf)
	num("multi-mem", multiMem)
	num("rbs", 0)
	num("rbp", 0)
	num("obl", 0)
	num("oll", 0)
	num("omem", c.pendingOutput())
	num("tot-mem", clientMemory(c))
	str("events", "r")
	str("cmd", cmd)
	str("user", user)
	redir := int64(-1)
	if c.tracking != nil {
		redir = c.tracking.redirect
	}
	num("redir", redir)
	num("resp", int64(c.w.Proto))
	return b
}

func clientInfoCommand(x *Ctx) {
	b := appendClientInfo(nil, x, x.c)
	b = append(b, '\n')
	x.w.Verbatim("txt", string(b))
}

func clientListCommand(x *Ctx) {
	var list []*Client
	switch {
	case len(x.args) == 2:
		list = x.s.sortedClients()
	case len(x.args) == 4 && eqFold(x.args[2], "type"):
		t, ok := clientTypeByName(x.args[3])
		if !ok {
			x.Err("ERR Unknown client type '" + string(x.args[3]) + "'")
			return
		}
		for _, c := range x.s.sortedClients() {
			if clientType(c) == t {
				list = append(list, c)
			}
		}
	case len(x.args) > 3 && eqFold(x.args[2], "id"):
		for _, a := range x.args[3:] {
			id, ok := parseInt(a)
			if !ok {
				x.Err("ERR Invalid client ID")
				return
			}
			if c := x.s.clientByID(id); c != nil {
				list = append(list, c)
			}
		}
	default:
		x.Err(errSyntax)
		return
	}
	var b []byte
	for _, c := range list {
		b = appendClientInfo(b, x, c)
		b = append(b, '\n')
	}
	x.w.Verbatim("txt", string(b))
}

// clientKillFilter is the parsed form of CLIENT KILL's options.
type clientKillFilter struct {
	addr, laddr, user string
	hasUser           bool
	typ               int
	id, maxAge        int64
	skipMe            bool
}

func (f *clientKillFilter) match(self, c *Client, now int64) bool {
	switch {
	case f.addr != "" && c.addr != f.addr,
		f.laddr != "" && c.laddr != f.laddr,
		f.typ >= 0 && clientType(c) != f.typ,
		f.id != 0 && c.id != f.id,
		f.hasUser && c.user != f.user,
		f.maxAge != 0 && (now-c.createdMs)/1000 < f.maxAge,
		c == self && f.skipMe:
		return false
	}
	return true
}

// userExists reports whether an ACL user of that name exists.
func (s *Server) userExists(name string) bool { return s.acl.reg.Get(name) != nil }

func clientKillCommand(x *Ctx) {
	f := clientKillFilter{typ: -1, skipMe: true}
	oldForm := len(x.args) == 3
	if oldForm {
		f.addr = string(x.args[2])
		f.skipMe = false // the old form may kill the caller itself
	} else {
		for i := 2; i < len(x.args); i += 2 {
			opt := x.args[i]
			if i+1 >= len(x.args) {
				x.Err(errSyntax)
				return
			}
			val := x.args[i+1]
			switch {
			case eqFold(opt, "id"):
				id, ok := parseInt(val)
				if !ok || id <= 0 {
					x.Err("ERR client-id should be greater than 0")
					return
				}
				f.id = id
			case eqFold(opt, "type"):
				t, ok := clientTypeByName(val)
				if !ok {
					x.Err("ERR Unknown client type '" + string(val) + "'")
					return
				}
				f.typ = t
			case eqFold(opt, "addr"):
				f.addr = string(val)
			case eqFold(opt, "laddr"):
				f.laddr = string(val)
			case eqFold(opt, "user"):
				if !x.s.userExists(string(val)) {
					x.Err("ERR No such user '" + string(val) + "'")
					return
				}
				f.user, f.hasUser = string(val), true
			case eqFold(opt, "skipme"):
				switch {
				case eqFold(val, "yes"):
					f.skipMe = true
				case eqFold(val, "no"):
					f.skipMe = false
				default:
					x.Err(errSyntax)
					return
				}
			case eqFold(opt, "maxage"):
				n, ok := parseInt(val)
				if !ok || n <= 0 {
					x.Err("ERR maxage should be greater than 0")
					return
				}
				f.maxAge = n
			default:
				x.Err(errSyntax)
				return
			}
		}
	}
	now := nowMs()
	killed := 0
	closeSelf := false
	for _, c := range x.s.sortedClients() {
		if !f.match(x.c, c, now) {
			continue
		}
		if c == x.c {
			closeSelf = true
		} else {
			c.kill()
		}
		killed++
	}
	if oldForm {
		if killed == 0 {
			x.Err(errNoSuchClient)
		} else {
			x.w.OK()
		}
	} else {
		x.w.Int(int64(killed))
	}
	if closeSelf {
		x.c.flags |= clientCloseAfterReply
	}
}
