package server

import (
	"sort"
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// Client-side caching (CLIENT TRACKING). In the default mode the server
// remembers which clients read which keys (the keys of readonly commands)
// and, when a key changes, sends those clients one invalidation and
// forgets the key. In BCAST mode clients subscribe to key prefixes and get
// every change under them, batched per command. Invalidations travel as
// RESP3 pushes, or as Pub/Sub messages on __redis__:invalidate to a RESP2
// client the tracking client redirects to. Keys are not per database, as in
// Redis. Everything here runs under the keyspace lock.

// trackingState is a client's tracking mode.
type trackingState struct {
	redirect             int64
	bcast, optin, optout bool
	noloop               bool
	caching              bool // CLIENT CACHING given for the next command
	brokenRedir          bool
	prefixes             []string // sorted, BCAST only
}

// trackingRegistry is the server's tracking table and prefix table.
type trackingRegistry struct {
	keys     map[string]map[int64]struct{}
	prefixes map[string]*bcastPrefix
	// pending are invalidations for the current client, sent after its reply.
	pending    [][]byte
	flushPen   bool // a flush invalidation is pending for the current client
	current    *Client
	bcastDirty bool
}

// bcastPrefix is one BCAST prefix: its clients and the keys changed under
// it since the last broadcast (with the client that changed each, for NOLOOP).
type bcastPrefix struct {
	clients map[*Client]struct{}
	keys    map[string]*Client
}

const trackingChannel = "__redis__:invalidate"

func clientTrackingCommand(x *Ctx) {
	var redir int64
	var st trackingState
	var prefixes []string
	for j := 3; j < len(x.args); j++ {
		more := len(x.args) - 1 - j
		a := x.args[j]
		switch {
		case eqFold(a, "redirect") && more > 0:
			j++
			if redir != 0 {
				x.Err("ERR A client can only redirect to a single other client")
				return
			}
			n, ok := parseInt(x.args[j])
			if !ok {
				x.Err(errNotInt)
				return
			}
			redir = n
			x.s.clientsMu.Lock()
			target := x.s.clients[n]
			x.s.clientsMu.Unlock()
			if target == nil {
				x.Err("ERR The client ID you want redirect to does not exist")
				return
			}
		case eqFold(a, "bcast"):
			st.bcast = true
		case eqFold(a, "optin"):
			st.optin = true
		case eqFold(a, "optout"):
			st.optout = true
		case eqFold(a, "noloop"):
			st.noloop = true
		case eqFold(a, "prefix") && more > 0:
			j++
			prefixes = append(prefixes, string(x.args[j]))
		default:
			x.Err(errSyntax)
			return
		}
	}
	c := x.c
	switch {
	case eqFold(x.args[2], "on"):
		cur := c.tracking
		switch {
		case !st.bcast && len(prefixes) > 0:
			x.Err("ERR PREFIX option requires BCAST mode to be enabled")
			return
		case cur != nil && cur.bcast != st.bcast:
			x.Err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		case st.bcast && (st.optin || st.optout):
			x.Err("ERR OPTIN and OPTOUT are not compatible with BCAST")
			return
		case st.optin && st.optout:
			x.Err("ERR You can't specify both OPTIN mode and OPTOUT mode")
			return
		case cur != nil && (st.optin && cur.optout || st.optout && cur.optin):
			x.Err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		}
		if st.bcast && !x.checkPrefixCollisions(prefixes) {
			return
		}
		x.s.enableTracking(c, redir, st, prefixes)
	case eqFold(x.args[2], "off"):
		x.s.disableTracking(c)
	default:
		x.Err(errSyntax)
		return
	}
	x.w.OK()
}

// checkPrefixCollisions refuses prefixes that overlap one another or the
// client's existing ones, with Redis's messages.
func (x *Ctx) checkPrefixCollisions(prefixes []string) bool {
	overlap := func(a, b string) bool {
		n := min(len(a), len(b))
		return a[:n] == b[:n]
	}
	for i, p := range prefixes {
		if t := x.c.tracking; t != nil {
			for _, old := range t.prefixes {
				if overlap(old, p) {
					x.Err("ERR Prefix '" + p + "' overlaps with an existing prefix '" + old + "'. Prefixes for a single client must not overlap.")
					return false
				}
			}
		}
		for _, q := range prefixes[i+1:] {
			if overlap(p, q) {
				x.Err("ERR Prefix '" + p + "' overlaps with another provided prefix '" + q + "'. Prefixes for a single client must not overlap.")
				return false
			}
		}
	}
	return true
}

// enableTracking turns tracking on (or changes its options).
func (s *Server) enableTracking(c *Client, redir int64, st trackingState, prefixes []string) {
	t := c.tracking
	if t == nil {
		t = &trackingState{}
		c.tracking = t
		s.stats.trackingClients.Add(1)
	}
	keep := t.prefixes
	*t = trackingState{redirect: redir, bcast: st.bcast, optin: st.optin, optout: st.optout,
		noloop: st.noloop, prefixes: keep}
	if st.bcast {
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			s.addBcastPrefix(c, p)
		}
	}
	c.startAsync() // invalidations for this client can come from any command
}

func (s *Server) addBcastPrefix(c *Client, p string) {
	if s.track.prefixes == nil {
		s.track.prefixes = map[string]*bcastPrefix{}
	}
	bp := s.track.prefixes[p]
	if bp == nil {
		bp = &bcastPrefix{clients: map[*Client]struct{}{}, keys: map[string]*Client{}}
		s.track.prefixes[p] = bp
	}
	if _, ok := bp.clients[c]; ok {
		return
	}
	bp.clients[c] = struct{}{}
	t := c.tracking
	t.prefixes = append(t.prefixes, p)
	sort.Strings(t.prefixes)
}

// disableTracking turns tracking off (CLIENT TRACKING OFF, RESET, disconnect).
func (s *Server) disableTracking(c *Client) {
	t := c.tracking
	if t == nil {
		return
	}
	for _, p := range t.prefixes {
		if bp := s.track.prefixes[p]; bp != nil {
			delete(bp.clients, c)
			if len(bp.clients) == 0 {
				delete(s.track.prefixes, p)
			}
		}
	}
	c.tracking = nil
	s.stats.trackingClients.Add(-1)
}

func clientCachingCommand(x *Ctx) {
	t := x.c.tracking
	if t == nil {
		x.Err("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
		return
	}
	switch {
	case eqFold(x.args[2], "yes"):
		if !t.optin {
			x.Err("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
			return
		}
	case eqFold(x.args[2], "no"):
		if !t.optout {
			x.Err("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
			return
		}
	default:
		x.Err(errSyntax)
		return
	}
	t.caching = true
	x.w.OK()
}

func clientGetredirCommand(x *Ctx) {
	if t := x.c.tracking; t != nil {
		x.w.Int(t.redirect)
		return
	}
	x.w.Int(-1)
}

func clientTrackinginfoCommand(x *Ctx) {
	t := x.c.tracking
	x.w.Map(3)
	x.w.BulkString("flags")
	var flags []string
	if t == nil {
		flags = []string{"off"}
	} else {
		flags = append(flags, "on")
		if t.bcast {
			flags = append(flags, "bcast")
		}
		if t.optin {
			flags = append(flags, "optin")
			if t.caching {
				flags = append(flags, "caching-yes")
			}
		}
		if t.optout {
			flags = append(flags, "optout")
			if t.caching {
				flags = append(flags, "caching-no")
			}
		}
		if t.noloop {
			flags = append(flags, "noloop")
		}
		if t.brokenRedir {
			flags = append(flags, "broken_redirect")
		}
	}
	x.w.Set(len(flags))
	for _, f := range flags {
		x.w.BulkString(f)
	}
	x.w.BulkString("redirect")
	if t != nil {
		x.w.Int(t.redirect)
	} else {
		x.w.Int(-1)
	}
	x.w.BulkString("prefixes")
	if t == nil {
		x.w.Array(0)
		return
	}
	x.w.BulkStrings(t.prefixes)
}

// trackingLimit keeps the tracking table within tracking-table-max-keys
// by forgetting keys at random, invalidating them for their readers.
func (s *Server) trackingLimit() {
	limit := int(s.cfg.Int("tracking-table-max-keys"))
	if limit <= 0 || len(s.track.keys) <= limit {
		return
	}
	// The server forgets these keys, no client changed them: NOLOOP does
	// not apply and the invalidations go out at once (before any reply).
	cur := s.track.current
	s.track.current = nil
	defer func() { s.track.current = cur }()
	for k := range s.track.keys {
		if len(s.track.keys) <= limit {
			return
		}
		s.trackingInvalidate([]byte(k), true)
	}
}

// trackRead remembers the keys a readonly command read for a tracking
// client (default mode), honouring OPTIN/OPTOUT and CLIENT CACHING.
func (s *Server) trackRead(c *Client, cmd *Command, args [][]byte) {
	t := c.tracking
	if t.bcast || t.optin && !t.caching || t.optout && t.caching || cmd.Has(FlagPubsub) {
		return
	}
	for _, i := range cmd.keyPositions(args) {
		if s.track.keys == nil {
			s.track.keys = map[string]map[int64]struct{}{}
		}
		ids := s.track.keys[string(args[i])]
		if ids == nil {
			ids = map[int64]struct{}{}
			s.track.keys[string(args[i])] = ids
		}
		ids[c.id] = struct{}{}
	}
}

// trackScriptRead handles a readonly command called by a script: as in
// Redis, the caller then tracks every key its EVAL/FCALL declared (the
// readonly EVAL_RO family tracks nothing by itself, only through this).
func (s *Server) trackScriptRead(r *scriptRun) {
	caller := r.x.c
	if caller.tracking == nil {
		return
	}
	s.trackRead(caller, r.x.cmd, r.x.args)
	s.trackingLimit()
}

// afterTrackedCommand runs after each command of a tracking client: the
// CLIENT CACHING flag lasts one command.
func (s *Server) afterTrackedCommand(c *Client, cmd *Command, args [][]byte) {
	t := c.tracking
	if t == nil {
		return
	}
	if cmd.Has(FlagReadonly) && !cmd.scriptRO {
		s.trackRead(c, cmd, args)
		// The table only grows here: keep it within
		// tracking-table-max-keys (CONFIG SET and the cron cover a
		// lowered limit), instead of a check before every command.
		s.trackingLimit()
	}
	if c.multi == nil && (cmd.Parent == nil || cmd.Parent.Name != "client") {
		t.caching = false
	}
}

// trackingInvalidate handles a changed key: BCAST prefixes record it, and
// the clients that read it get an invalidation (the current client's is
// held until its reply is written).
// Expiry and eviction (byServer) are changes made by no client: they are
// not filtered out of NOLOOP broadcasts.
func (s *Server) trackingInvalidate(key []byte, byServer bool) {
	cur := s.track.current
	if len(s.track.prefixes) > 0 {
		modifier := cur
		if byServer {
			modifier = nil
		}
		for p, bp := range s.track.prefixes {
			if strings.HasPrefix(string(key), p) {
				bp.keys[string(key)] = modifier
				s.track.bcastDirty = true
			}
		}
	}
	ids, ok := s.track.keys[string(key)]
	if !ok {
		return
	}
	delete(s.track.keys, string(key))
	s.clientsMu.Lock()
	targets := make([]*Client, 0, len(ids))
	for id := range ids {
		if c := s.clients[id]; c != nil {
			targets = append(targets, c)
		}
	}
	s.clientsMu.Unlock()
	for _, c := range targets {
		t := c.tracking
		if t == nil || t.bcast || t.noloop && c == cur {
			continue
		}
		if c == cur {
			s.track.pending = append(s.track.pending, append([]byte(nil), key...))
			continue
		}
		s.sendInvalidation(c, invalidationKeys([][]byte{key}), nil)
	}
}

// invalidationKeys encodes the array of keys of an invalidation message.
func invalidationKeys(keys [][]byte) []byte {
	n := 16
	for _, k := range keys {
		n += len(k) + 16
	}
	b := append(make([]byte, 0, n), '*')
	b = append(strconv.AppendInt(b, int64(len(keys)), 10), '\r', '\n')
	for _, k := range keys {
		b = appendBulk(b, k)
	}
	return b
}

// sendInvalidation delivers an invalidation whose payload (an array of
// keys, or a null for a flush) is already encoded, to c or to the client c
// redirects to. self is the writer of the running command when c is the
// current client (its pushes follow its reply).
func (s *Server) sendInvalidation(c *Client, payload []byte, self *resp.Writer) {
	t := c.tracking
	target := c
	redirected := false
	if t != nil && t.redirect != 0 {
		s.clientsMu.Lock()
		target = s.clients[t.redirect]
		s.clientsMu.Unlock()
		if target != nil && (target.killed.Load() || target.flags&clientCloseAfterReply != 0) {
			target = nil // quitting: as good as gone
		}
		if target == nil {
			t.brokenRedir = true
			if c.w.Proto >= 3 {
				b := appendBulk([]byte(">2\r\n"), []byte("tracking-redir-broken"))
				b = append(strconv.AppendInt(append(b, ':'), t.redirect, 10), '\r', '\n')
				s.deliverTo(c, b, self)
			}
			return
		}
		redirected = true
		if target != c {
			self = nil
		}
	}
	b := make([]byte, 0, 64+len(payload))
	switch {
	case target.w.Proto >= 3:
		b = appendBulk(append(b, ">2\r\n"...), []byte("invalidate"))
	case redirected && target.flags&clientPubsub != 0:
		b = appendBulk(append(b, "*3\r\n"...), []byte("message"))
		b = appendBulk(b, []byte(trackingChannel))
	default:
		return // a RESP2 connection cannot receive pushes
	}
	s.deliverTo(target, append(b, payload...), self)
}

// deliverTo writes a push (a buffer of its own) into the running
// command's writer or queues it in the client's outbox.
func (s *Server) deliverTo(c *Client, b []byte, self *resp.Writer) {
	if self != nil {
		self.Raw(b)
		return
	}
	s.pushPubsub(c, b)
}

// trackingFlush invalidates every tracking client's cache (FLUSHDB,
// FLUSHALL, SWAPDB) and empties the tracking table.
func (s *Server) trackingFlush() {
	if s.stats.trackingClients.Load() == 0 {
		s.track.keys = nil
		return
	}
	s.clientsMu.Lock()
	var targets []*Client
	for _, c := range s.clients {
		if c.tracking != nil {
			targets = append(targets, c)
		}
	}
	s.clientsMu.Unlock()
	for _, c := range targets {
		if c == s.track.current {
			s.track.flushPen = true
			continue
		}
		s.sendInvalidation(c, nullPayload(c, s), nil)
	}
	s.track.keys = nil
}

// nullPayload is the null that stands for "everything" in a flush
// invalidation, in the protocol of the client that receives it.
func nullPayload(c *Client, s *Server) []byte {
	proto := c.w.Proto
	if t := c.tracking; t != nil && t.redirect != 0 {
		s.clientsMu.Lock()
		if r := s.clients[t.redirect]; r != nil {
			proto = r.w.Proto
		}
		s.clientsMu.Unlock()
	}
	if proto >= 3 {
		return []byte("_\r\n")
	}
	return []byte("*-1\r\n")
}

// trackingAfterCommand sends what the command left pending: the current
// client's own invalidations (after its reply) and the BCAST batches.
func (s *Server) trackingAfterCommand(c *Client) {
	if len(s.track.pending) > 0 || s.track.flushPen {
		pending, flush := s.track.pending, s.track.flushPen
		s.track.pending, s.track.flushPen = nil, false
		if c.tracking != nil {
			for _, k := range pending {
				s.sendInvalidation(c, invalidationKeys([][]byte{k}), c.w)
			}
			if flush {
				s.sendInvalidation(c, nullPayload(c, s), c.w)
			}
		}
	}
	if s.track.bcastDirty {
		s.track.bcastDirty = false
		s.broadcastInvalidations(c)
	}
}

// broadcastInvalidations sends each BCAST prefix's changed keys to its
// clients (leaving out, for NOLOOP clients, the keys they changed).
func (s *Server) broadcastInvalidations(cur *Client) {
	for _, bp := range s.track.prefixes {
		if len(bp.keys) == 0 {
			continue
		}
		keys := make([]string, 0, len(bp.keys))
		for k := range bp.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for c := range bp.clients {
			var list [][]byte
			for _, k := range keys {
				if c.tracking != nil && c.tracking.noloop && bp.keys[k] == c {
					continue
				}
				list = append(list, []byte(k))
			}
			if len(list) == 0 {
				continue
			}
			var self *resp.Writer
			if c == cur {
				self = c.w
			}
			s.sendInvalidation(c, invalidationKeys(list), self)
		}
		clear(bp.keys)
	}
}

// trackingInfo reports the tracking table sizes for INFO.
func (s *Server) trackingInfo() (keys, items, prefixes int) {
	for _, ids := range s.track.keys {
		items += len(ids)
	}
	return len(s.track.keys), items, len(s.track.prefixes)
}
