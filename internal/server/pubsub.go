package server

import (
	"strconv"

	"github.com/peregrinedb/peregrine/internal/config"
	"time"

	"github.com/peregrinedb/peregrine/internal/glob"
	"github.com/peregrinedb/peregrine/internal/resp"
)

// Pub/Sub: channels, patterns and shard channels. The registry is guarded
// by the keyspace lock (PUBLISH runs under it like every command), so a
// publisher's messages reach each subscriber in publishing order. Messages
// for other clients go through their outbox (drained by a writer
// goroutine, bounded by client-output-buffer-limit pubsub); a subscribed
// client's own replies are moved into the outbox under the same lock (see
// execute), so a subscription's confirmation always precedes its messages.

// pubsubRegistry holds the server's subscriptions.
type pubsubRegistry struct {
	channels map[string][]*Client // in subscription order
	patterns map[string][]*Client
	shard    map[string][]*Client
}

// clientSubs are one client's subscriptions, in subscription order.
type clientSubs struct {
	channels, patterns, shard orderedSet
}

// orderedSet is a small set that remembers insertion order.
type orderedSet struct {
	idx   map[string]struct{}
	order []string
	bytes int64 // length of the members (client memory, clientmem.go)
}

func (o *orderedSet) add(s string) bool {
	if _, ok := o.idx[s]; ok {
		return false
	}
	if o.idx == nil {
		o.idx = map[string]struct{}{}
	}
	o.idx[s] = struct{}{}
	o.order = append(o.order, s)
	o.bytes += int64(len(s))
	return true
}

func (o *orderedSet) remove(s string) bool {
	if _, ok := o.idx[s]; !ok {
		return false
	}
	delete(o.idx, s)
	o.bytes -= int64(len(s))
	for i, v := range o.order {
		if v == s {
			o.order = append(o.order[:i:i], o.order[i+1:]...)
			break
		}
	}
	return true
}

func (o *orderedSet) len() int { return len(o.order) }

func pubsubCommands() []*Command {
	return []*Command{
		spec("subscribe", -2, "pubsub noscript loading stale", 0, 0, 0, "pubsub", subscribeCommand),
		spec("unsubscribe", -1, "pubsub noscript loading stale", 0, 0, 0, "pubsub", unsubscribeCommand),
		spec("psubscribe", -2, "pubsub noscript loading stale", 0, 0, 0, "pubsub", psubscribeCommand),
		spec("punsubscribe", -1, "pubsub noscript loading stale", 0, 0, 0, "pubsub", punsubscribeCommand),
		spec("ssubscribe", -2, "pubsub noscript loading stale", 1, -1, 1, "pubsub", ssubscribeCommand),
		spec("sunsubscribe", -1, "pubsub noscript loading stale", 1, -1, 1, "pubsub", sunsubscribeCommand),
		spec("publish", 3, "pubsub loading stale fast may_replicate", 0, 0, 0, "pubsub", publishCommand),
		spec("spublish", 3, "pubsub loading stale fast may_replicate", 1, 1, 1, "pubsub", spublishCommand),
		container("pubsub", -2, "pubsub",
			spec("channels", -2, "pubsub loading stale", 0, 0, 0, "", pubsubChannelsCommand),
			spec("numpat", 2, "pubsub loading stale", 0, 0, 0, "", pubsubNumpatCommand),
			spec("numsub", -2, "pubsub loading stale", 0, 0, 0, "", pubsubNumsubCommand),
			spec("shardchannels", -2, "pubsub loading stale", 0, 0, 0, "", pubsubShardchannelsCommand),
			spec("shardnumsub", -2, "pubsub loading stale", 0, 0, 0, "", pubsubShardnumsubCommand),
			spec("help", 2, "loading stale", 0, 0, 0, "", pubsubHelpCommand),
		),
	}
}

// subCount is what (un)subscribe confirmations report: channels plus
// patterns, or shard channels for the shard commands.
func (c *Client) subCount(shard bool) int64 {
	if shard {
		return int64(c.subs.shard.len())
	}
	return int64(c.subs.channels.len() + c.subs.patterns.len())
}

// updatePubsubFlag keeps the subscribed-mode flag in step with the
// subscriptions, and switches the client to outbox delivery on its first one.
func (c *Client) updatePubsubFlag() {
	if c.subs.channels.len()+c.subs.patterns.len()+c.subs.shard.len() > 0 {
		c.flags |= clientPubsub
		c.startAsync()
	} else {
		c.flags &^= clientPubsub
	}
}

// writeSubReply writes a (un)subscribe confirmation: an array in RESP2, a
// push in RESP3.
func writeSubReply(w *resp.Writer, kind string, name []byte, count int64) {
	w.Push(3)
	w.BulkString(kind)
	if name == nil {
		w.Null()
	} else {
		w.Bulk(name)
	}
	w.Int(count)
}

func registryFor(r *pubsubRegistry, kind int) *map[string][]*Client {
	switch kind {
	case subPattern:
		return &r.patterns
	case subShard:
		return &r.shard
	}
	return &r.channels
}

// Subscription kinds.
const (
	subChannel = iota
	subPattern
	subShard
)

func (c *Client) subsFor(kind int) *orderedSet {
	switch kind {
	case subPattern:
		return &c.subs.patterns
	case subShard:
		return &c.subs.shard
	}
	return &c.subs.channels
}

var subVerbs = [3][2]string{{"subscribe", "unsubscribe"}, {"psubscribe", "punsubscribe"}, {"ssubscribe", "sunsubscribe"}}

// subscribe adds c to name's subscribers of the given kind.
func (s *Server) subscribe(c *Client, kind int, name []byte) {
	if c.subsFor(kind).add(string(name)) {
		m := registryFor(&s.pubsub, kind)
		if *m == nil {
			*m = map[string][]*Client{}
		}
		(*m)[string(name)] = append((*m)[string(name)], c)
	}
}

// unsubscribe removes c from name's subscribers; it reports whether c was one.
func (s *Server) unsubscribe(c *Client, kind int, name string) bool {
	if !c.subsFor(kind).remove(name) {
		return false
	}
	m := registryFor(&s.pubsub, kind)
	q := (*m)[name]
	for i, o := range q {
		if o == c {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(*m, name)
	} else {
		(*m)[name] = q
	}
	return true
}

func (x *Ctx) subscribeGeneric(kind int) {
	if x.c.conn == nil {
		// In-process clients have no socket to receive messages on.
		x.Err("ERR SUBSCRIBE is not supported by in-process clients")
		return
	}
	for _, name := range x.args[1:] {
		x.s.subscribe(x.c, kind, name)
		x.c.updatePubsubFlag()
		writeSubReply(x.w, subVerbs[kind][0], name, x.c.subCount(kind == subShard))
	}
}

func (x *Ctx) unsubscribeGeneric(kind int) {
	c := x.c
	verb := subVerbs[kind][1]
	if len(x.args) == 1 {
		names := append([]string(nil), c.subsFor(kind).order...)
		for _, n := range names {
			x.s.unsubscribe(c, kind, n)
			writeSubReply(x.w, verb, []byte(n), c.subCount(kind == subShard))
		}
		if len(names) == 0 {
			writeSubReply(x.w, verb, nil, c.subCount(kind == subShard))
		}
	} else {
		for _, name := range x.args[1:] {
			x.s.unsubscribe(c, kind, string(name))
			writeSubReply(x.w, verb, name, c.subCount(kind == subShard))
		}
	}
	c.updatePubsubFlag()
}

func subscribeCommand(x *Ctx)    { x.subscribeGeneric(subChannel) }
func unsubscribeCommand(x *Ctx)  { x.unsubscribeGeneric(subChannel) }
func psubscribeCommand(x *Ctx)   { x.subscribeGeneric(subPattern) }
func punsubscribeCommand(x *Ctx) { x.unsubscribeGeneric(subPattern) }
func ssubscribeCommand(x *Ctx)   { x.subscribeGeneric(subShard) }
func sunsubscribeCommand(x *Ctx) { x.unsubscribeGeneric(subShard) }

// unsubscribeAll drops every subscription of c silently (RESET, disconnect).
func (s *Server) unsubscribeAll(c *Client) {
	for kind := subChannel; kind <= subShard; kind++ {
		for _, n := range append([]string(nil), c.subsFor(kind).order...) {
			s.unsubscribe(c, kind, n)
		}
	}
	c.flags &^= clientPubsub
}

func publishCommand(x *Ctx) {
	x.w.Int(int64(x.s.publish(x.c, x.w, x.args[1], x.args[2], false)))
}

func spublishCommand(x *Ctx) {
	x.w.Int(int64(x.s.publish(x.c, x.w, x.args[1], x.args[2], true)))
}

// pubsubMessage builds a message in both protocols once per publish.
type pubsubMessage struct {
	kind                  string
	pattern, channel, msg []byte
	resp2, resp3          []byte
}

func (m *pubsubMessage) bytes(proto int) []byte {
	p := &m.resp2
	if proto >= 3 {
		p = &m.resp3
	}
	if *p == nil {
		// Built by hand into an exact-size buffer: this runs for every
		// published message.
		n := 3
		if m.pattern != nil {
			n = 4
		}
		b := make([]byte, 0, 48+len(m.kind)+len(m.pattern)+len(m.channel)+len(m.msg))
		if proto >= 3 {
			b = append(b, '>')
		} else {
			b = append(b, '*')
		}
		b = append(strconv.AppendInt(b, int64(n), 10), '\r', '\n')
		b = appendBulk(b, []byte(m.kind))
		if m.pattern != nil {
			b = appendBulk(b, m.pattern)
		}
		b = appendBulk(appendBulk(b, m.channel), m.msg)
		*p = b
	}
	return *p
}

// publish delivers msg to channel's subscribers (and, unless shard, to the
// matching patterns' subscribers) and returns how many received it. The
// publishing client (self, with its writer w) gets its own copy in order
// with its replies.
func (s *Server) publish(self *Client, w *resp.Writer, channel, msg []byte, shard bool) int {
	n := 0
	deliver := func(c *Client, m *pubsubMessage) {
		n++
		if c == self && w != nil {
			w.Raw(m.bytes(w.Proto))
			return
		}
		s.pushPubsub(c, m.bytes(c.w.Proto))
	}
	if shard {
		m := &pubsubMessage{kind: "smessage", channel: channel, msg: msg}
		for _, c := range s.pubsub.shard[string(channel)] {
			deliver(c, m)
		}
		return n
	}
	m := &pubsubMessage{kind: "message", channel: channel, msg: msg}
	for _, c := range s.pubsub.channels[string(channel)] {
		deliver(c, m)
	}
	for pat, subs := range s.pubsub.patterns {
		if !glob.MatchBytes([]byte(pat), channel, false) {
			continue
		}
		pm := &pubsubMessage{kind: "pmessage", pattern: []byte(pat), channel: channel, msg: msg}
		for _, c := range subs {
			deliver(c, pm)
		}
	}
	return n
}

// pushPubsub queues a message for a subscriber, disconnecting it when its
// pending output passes the pubsub class's hard limit, or stays over the
// soft limit longer than allowed (client-output-buffer-limit).
func (s *Server) pushPubsub(c *Client, b []byte) {
	ob := c.asyncOutbox() // a redirect target may get its first push this way
	if ob == nil {
		return
	}
	c.totalOut.Add(int64(len(b)))
	s.stats.netOutput.Add(int64(len(b)))
	c.queueReply(ob, b, nil)
}

func (x *Ctx) replyChannelList(m map[string][]*Client) {
	var pat []byte
	if len(x.args) > 3 {
		x.Err("ERR unknown subcommand or wrong number of arguments for '" + string(x.args[1]) + "'. Try PUBSUB HELP.")
		return
	}
	if len(x.args) == 3 {
		pat = x.args[2]
	}
	var out []string
	for ch := range m {
		if pat == nil || glob.MatchBytes(pat, []byte(ch), false) {
			out = append(out, ch)
		}
	}
	x.w.BulkStrings(out)
}

func pubsubChannelsCommand(x *Ctx)      { x.replyChannelList(x.s.pubsub.channels) }
func pubsubShardchannelsCommand(x *Ctx) { x.replyChannelList(x.s.pubsub.shard) }
func pubsubNumpatCommand(x *Ctx)        { x.w.Int(int64(len(x.s.pubsub.patterns))) }

func (x *Ctx) replyNumsub(m map[string][]*Client) {
	x.w.Array(2 * (len(x.args) - 2))
	for _, ch := range x.args[2:] {
		x.w.Bulk(ch)
		x.w.Int(int64(len(m[string(ch)])))
	}
}

func pubsubNumsubCommand(x *Ctx)      { x.replyNumsub(x.s.pubsub.channels) }
func pubsubShardnumsubCommand(x *Ctx) { x.replyNumsub(x.s.pubsub.shard) }

func pubsubHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "PUBSUB",
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return the number of unique patterns that clients are subscribed to.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for each channel given.",
		"SHARDCHANNELS [<pattern>]",
		"    Return the active shard channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for each shard channel given.",
	)
}

// pubsubInfo reports the server-wide pub/sub counts for INFO stats.
func (s *Server) pubsubInfo() (channels, patterns, shard int64) {
	return int64(len(s.pubsub.channels)), int64(len(s.pubsub.patterns)), int64(len(s.pubsub.shard))
}

// notifyKeyspaceEvent publishes a keyspace notification if the
// notify-keyspace-events classes select it.
func (s *Server) notifyKeyspaceEvent(dbID int, key []byte, class int, event string, flags int64) {
	if int64(class)<<2&flags == 0 {
		return
	}
	db := strconv.Itoa(dbID)
	if flags&1 != 0 { // K
		ch := make([]byte, 0, 16+len(db)+len(key))
		ch = append(append(append(append(ch, "__keyspace@"...), db...), "__:"...), key...)
		s.publish(nil, nil, ch, []byte(event), false)
	}
	if flags&2 != 0 { // E
		ch := make([]byte, 0, 16+len(db)+len(event))
		ch = append(append(append(append(ch, "__keyevent@"...), db...), "__:"...), event...)
		s.publish(nil, nil, ch, key, false)
	}
}

// obufLimit is the output buffer limit class that applies to c: pubsub for
// subscribed clients, normal otherwise.
// overOutputLimit reports whether pending bytes of output break lim: past
// its hard limit, or past its soft limit for longer than allowed (*softSince
// records when the soft limit was first passed, and is cleared below it).
func overOutputLimit(lim config.OutputBufferLimit, pending uint64, softSince *time.Time) bool {
	if lim.Soft == 0 || pending <= lim.Soft {
		*softSince = time.Time{}
		return lim.Hard > 0 && pending > lim.Hard
	}
	now := time.Now()
	if softSince.IsZero() {
		*softSince = now
	} else if now.Sub(*softSince) > time.Duration(lim.SoftSeconds)*time.Second {
		return true
	}
	return lim.Hard > 0 && pending > lim.Hard
}

func (s *Server) obufLimit(c *Client) config.OutputBufferLimit {
	lims := s.live.obuf.Load()
	if lims == nil {
		return config.OutputBufferLimit{}
	}
	if c.flags&clientPubsub != 0 {
		return lims[2]
	}
	return lims[0]
}

// appendBulk appends v as a RESP bulk string.
func appendBulk(b, v []byte) []byte {
	b = append(b, '$')
	b = append(strconv.AppendInt(b, int64(len(v)), 10), '\r', '\n')
	b = append(b, v...)
	return append(b, '\r', '\n')
}
