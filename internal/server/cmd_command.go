package server

import (
	"sort"
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/glob"
	"github.com/peregrinedb/peregrine/internal/resp"
)

// commandCommand is the COMMAND container. COMMAND with no subcommand
// lists every command like COMMAND INFO does.
func commandCommand() *Command {
	docs := parseCommandDocs(commandDocData)
	withDocs := func(h func(*Ctx, commandDocs)) func(*Ctx) { return func(x *Ctx) { h(x, docs) } }
	c := container("command", -1, "server",
		spec("count", 2, "loading stale sentinel", 0, 0, 0, "", commandCountCommand).acl("@connection"),
		spec("docs", -2, "loading stale sentinel", 0, 0, 0, "", withDocs(commandDocsCommand)).acl("@connection"),
		spec("getkeys", -4, "loading stale sentinel", 0, 0, 0, "", withDocs(commandGetkeysCommand)).acl("@connection"),
		spec("getkeysandflags", -4, "loading stale sentinel", 0, 0, 0, "", withDocs(commandGetkeysandflagsCommand)).acl("@connection"),
		spec("help", 2, "loading stale sentinel", 0, 0, 0, "", commandHelpCommand).acl("@connection"),
		spec("info", -2, "loading stale sentinel", 0, 0, 0, "", withDocs(commandInfoCommand)).acl("@connection"),
		spec("list", -2, "loading stale sentinel", 0, 0, 0, "", commandListCommand).acl("@connection"),
	)
	c.Flags = parseFlags("loading stale sentinel")
	c.ACL = []string{"@connection"}
	c.Handler = withDocs(commandInfoCommand)
	return c
}

func commandHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "COMMAND",
		"(no subcommand)",
		"    Return details about every command.",
		"COUNT",
		"    Return the number of commands.",
		"LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
		"    Return the names of all commands and subcommands, optionally filtered.",
		"INFO [<command-name> ...]",
		"    Return details about the given commands, or about every command.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about the given commands, or about every",
		"    command.",
		"GETKEYS <full-command>",
		"    Return the keys of a full command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys of a full command and how it accesses them.",
	)
}

func commandCountCommand(x *Ctx) { x.w.Int(int64(len(x.s.cmds))) }

// lookupFullName finds a command by its full name: "get", or "config|get"
// for a subcommand (case-insensitive). It returns nil for unknown names.
func (s *Server) lookupFullName(name string) *Command {
	parts := strings.Split(name, "|")
	if len(parts) > 2 {
		return nil
	}
	c := s.cmds.lookup([]byte(parts[0]))
	if c == nil || len(parts) == 1 {
		return c
	}
	return c.Sub[strings.ToLower(parts[1])]
}

// lookupCall finds the command a full call (name and arguments) runs, with
// its subcommand; nil if there is none.
func (s *Server) lookupCall(args [][]byte) *Command {
	c := s.cmds.lookup(args[0])
	if c == nil {
		return nil
	}
	return subcommand(c, args)
}

// subcommand resolves the subcommand args[1] of a container command c
// (nil when unknown); any other command is returned as it is.
func subcommand(c *Command, args [][]byte) *Command {
	if c.Sub == nil || len(args) == 1 {
		return c
	}
	return c.Sub[strings.ToLower(string(args[1]))]
}

// --- COMMAND INFO ---

// Flags hidden from COMMAND INFO, as in Redis.
const hiddenFlags = FlagMayReplicate | FlagSentinel | FlagOnlySentinel | FlagProtected | FlagModuleGetKeys | FlagModuleNoCluster

// aclCategoryOrder is the order Redis lists ACL categories in.
var aclCategoryOrder = []string{"@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash",
	"@string", "@bitmap", "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow",
	"@blocking", "@dangerous", "@connection", "@transaction", "@scripting"}

// orderedCategories returns c's ACL categories in Redis's order.
func orderedCategories(c *Command) []string {
	cats := c.aclCategories()
	rank := func(s string) int {
		for i, n := range aclCategoryOrder {
			if n == s {
				return i
			}
		}
		return len(aclCategoryOrder)
	}
	sort.SliceStable(cats, func(i, j int) bool { return rank(cats[i]) < rank(cats[j]) })
	return cats
}

func commandInfoCommand(x *Ctx, docs commandDocs) {
	if len(x.args) <= 2 {
		cmds := x.s.cmds.sorted()
		x.w.Array(len(cmds))
		for _, c := range cmds {
			writeCommandInfo(x, c, docs)
		}
		return
	}
	x.w.Array(len(x.args) - 2)
	for _, a := range x.args[2:] {
		c := x.s.lookupFullName(string(a))
		if c == nil {
			x.w.Null()
			continue
		}
		writeCommandInfo(x, c, docs)
	}
}

// writeCommandInfo writes the 10-element Redis 7 description of c.
func writeCommandInfo(x *Ctx, c *Command, docs commandDocs) {
	w := x.w
	w.Array(10)
	w.BulkString(c.FullName())
	w.Int(int64(c.Arity))
	n := 0
	for _, f := range flagNames {
		if c.Has(f.f) && f.f&hiddenFlags == 0 {
			n++
		}
	}
	w.Set(n)
	for _, f := range flagNames {
		if c.Has(f.f) && f.f&hiddenFlags == 0 {
			w.Simple(f.name)
		}
	}
	if c.FirstKey > 0 {
		w.Int(int64(c.FirstKey))
		w.Int(int64(c.LastKey))
		w.Int(int64(c.Step))
	} else {
		w.Int(0)
		w.Int(0)
		w.Int(0)
	}
	cats := orderedCategories(c)
	w.Set(len(cats))
	for _, cat := range cats {
		w.Simple(cat)
	}
	var tips []string
	if d := docs[c.FullName()]; d != nil {
		tips = d.tips
	}
	w.Set(len(tips))
	for _, tip := range tips {
		w.BulkString(tip)
	}
	specs := docs.keySpecs(c)
	w.Set(len(specs))
	for _, ks := range specs {
		ks.write(w)
	}
	subs := sortedSubs(c)
	if len(subs) == 0 {
		w.Set(0)
		return
	}
	w.Array(len(subs))
	for _, s := range subs {
		writeCommandInfo(x, s, docs)
	}
}

// --- COMMAND DOCS ---

func commandDocsCommand(x *Ctx, docs commandDocs) {
	var list []*Command
	if len(x.args) == 2 {
		list = x.s.cmds.sorted()
	} else {
		for _, a := range x.args[2:] {
			if c := x.s.lookupFullName(string(a)); c != nil {
				list = append(list, c)
			}
		}
	}
	x.w.Map(len(list))
	for _, c := range list {
		x.w.BulkString(c.FullName())
		writeCommandDocs(x, c, docs)
	}
}

// writeCommandDocs writes the documentation map of c: since, group, doc
// flags and, for containers, the subcommands. Summaries, complexity and
// argument descriptions are not carried.
func writeCommandDocs(x *Ctx, c *Command, docs commandDocs) {
	w := x.w
	d := docs[c.FullName()]
	n := 1
	if d != nil {
		if d.since != "" {
			n++
		}
		if d.docFlags != "" {
			n++
		}
		if d.deprecatedSince != "" {
			n++
		}
	}
	subs := sortedSubs(c)
	if len(subs) > 0 {
		n++
	}
	w.Map(n)
	if d != nil && d.since != "" {
		w.BulkString("since")
		w.BulkString(d.since)
	}
	w.BulkString("group")
	w.BulkString(strings.ReplaceAll(c.Group, "_", "-"))
	if d != nil && d.docFlags != "" {
		w.BulkString("doc_flags")
		var names []string
		if strings.Contains(d.docFlags, "d") {
			names = append(names, "deprecated")
		}
		if strings.Contains(d.docFlags, "s") {
			names = append(names, "syscmd")
		}
		w.Set(len(names))
		for _, s := range names {
			w.Simple(s)
		}
	}
	if d != nil && d.deprecatedSince != "" {
		w.BulkString("deprecated_since")
		w.BulkString(d.deprecatedSince)
	}
	if len(subs) > 0 {
		w.BulkString("subcommands")
		w.Map(len(subs))
		for _, s := range subs {
			w.BulkString(s.FullName())
			writeCommandDocs(x, s, docs)
		}
	}
}

// --- COMMAND LIST ---

func commandListCommand(x *Ctx) {
	var filter func(c *Command) bool
	for i := 2; i < len(x.args); i++ {
		if !eqFold(x.args[i], "filterby") || len(x.args)-1-i != 2 {
			x.Err(errSyntax)
			return
		}
		arg := string(x.args[i+2])
		switch {
		case eqFold(x.args[i+1], "module"):
			filter = func(*Command) bool { return false } // no modules
		case eqFold(x.args[i+1], "aclcat"):
			cat := "@" + strings.ToLower(arg)
			filter = func(c *Command) bool {
				for _, k := range c.aclCategories() {
					if k == cat {
						return true
					}
				}
				return false
			}
		case eqFold(x.args[i+1], "pattern"):
			filter = func(c *Command) bool { return glob.Match(arg, c.FullName(), true) }
		default:
			x.Err(errSyntax)
			return
		}
		i += 2
	}
	var names []string
	var walk func(c *Command)
	walk = func(c *Command) {
		if filter == nil || filter(c) {
			names = append(names, c.FullName())
		}
		for _, s := range sortedSubs(c) {
			walk(s)
		}
	}
	for _, c := range x.s.cmds.sorted() {
		walk(c)
	}
	x.w.BulkStrings(names)
}

// --- COMMAND GETKEYS / GETKEYSANDFLAGS ---

func commandGetkeysCommand(x *Ctx, docs commandDocs)         { getkeys(x, docs, false) }
func commandGetkeysandflagsCommand(x *Ctx, docs commandDocs) { getkeys(x, docs, true) }

// hasKeys reports whether a command can take key arguments.
func hasKeys(c *Command) bool { return c.FirstKey > 0 || c.KeysFunc != nil }

// safeKeyPositions runs the command's key extraction, treating a panic on
// malformed arguments as "no keys".
func safeKeyPositions(c *Command, args [][]byte) (pos []int, ok bool) {
	defer func() {
		if recover() != nil {
			pos, ok = nil, false
		}
	}()
	return c.keyPositions(args), true
}

func getkeys(x *Ctx, docs commandDocs, withFlags bool) {
	call := x.args[2:]
	c := x.s.lookupCall(call)
	switch {
	case c == nil:
		x.Err("ERR Invalid command specified")
		return
	case !hasKeys(c):
		x.Err("ERR The command has no key arguments")
		return
	case c.Arity > 0 && c.Arity != len(call) || len(call) < -c.Arity:
		x.Err("ERR Invalid number of arguments specified for command")
		return
	}
	pos, ok := safeKeyPositions(c, call)
	if ok {
		valid := pos[:0:0]
		for _, p := range pos {
			if p > 0 && p < len(call) {
				valid = append(valid, p)
			}
		}
		pos = valid
	}
	if len(pos) == 0 {
		if c.Has(FlagNoMandatoryKeys) {
			x.w.EmptyArray()
			return
		}
		x.Err("ERR Invalid arguments specified for command")
		return
	}
	var flags []uint16
	if withFlags {
		flags = docs.keyFlags(c, call, pos)
	}
	x.w.Array(len(pos))
	for i, p := range pos {
		if !withFlags {
			x.w.Bulk(call[p])
			continue
		}
		x.w.Array(2)
		x.w.Bulk(call[p])
		writeKeyFlags(x.w, flags[i])
	}
}

// --- key specifications ---

// Key specification flags, in the order COMMAND INFO lists them.
const (
	ksRO uint16 = 1 << iota
	ksRW
	ksOW
	ksRM
	ksAccess
	ksUpdate
	ksInsert
	ksDelete
	ksNotKey
	ksIncomplete
	ksVariableFlags
)

var keySpecFlagNames = []string{"RO", "RW", "OW", "RM", "access", "update", "insert", "delete",
	"not_key", "incomplete", "variable_flags"}

// keySpecFlagLetters are the letters commandDocData uses for the flags.
const keySpecFlagLetters = "RWOMauidncv"

type keySpec struct {
	flags uint16
	// begin_search: 'i' index, 'k' keyword, 'u' unknown
	bs        byte
	index     int
	keyword   string
	startFrom int
	// find_keys: 'r' range, 'n' keynum, 'u' unknown
	fk                        byte
	lastKey, keyStep, limit   int
	keyNumIdx, firstKey, step int
}

func writeKeyFlags(w *resp.Writer, f uint16) {
	n := 0
	for i := range keySpecFlagNames {
		if f&(1<<i) != 0 {
			n++
		}
	}
	w.Set(n)
	for i, name := range keySpecFlagNames {
		if f&(1<<i) != 0 {
			w.Simple(name)
		}
	}
}

// write emits the key specification as COMMAND INFO does.
func (ks keySpec) write(w *resp.Writer) {
	w.Map(3)
	w.BulkString("flags")
	writeKeyFlags(w, ks.flags)
	w.BulkString("begin_search")
	w.Map(2)
	w.BulkString("type")
	switch ks.bs {
	case 'i':
		w.BulkString("index")
		w.BulkString("spec")
		w.Map(1)
		w.BulkString("index")
		w.Int(int64(ks.index))
	case 'k':
		w.BulkString("keyword")
		w.BulkString("spec")
		w.Map(2)
		w.BulkString("keyword")
		w.BulkString(ks.keyword)
		w.BulkString("startfrom")
		w.Int(int64(ks.startFrom))
	default:
		w.BulkString("unknown")
		w.BulkString("spec")
		w.Map(0)
	}
	w.BulkString("find_keys")
	w.Map(2)
	w.BulkString("type")
	switch ks.fk {
	case 'r':
		w.BulkString("range")
		w.BulkString("spec")
		w.Map(3)
		w.BulkString("lastkey")
		w.Int(int64(ks.lastKey))
		w.BulkString("keystep")
		w.Int(int64(ks.keyStep))
		w.BulkString("limit")
		w.Int(int64(ks.limit))
	case 'n':
		w.BulkString("keynum")
		w.BulkString("spec")
		w.Map(3)
		w.BulkString("keynumidx")
		w.Int(int64(ks.keyNumIdx))
		w.BulkString("firstkey")
		w.Int(int64(ks.firstKey))
		w.BulkString("keystep")
		w.Int(int64(ks.step))
	default:
		w.BulkString("unknown")
		w.BulkString("spec")
		w.Map(0)
	}
}

// keys returns the argument positions the specification selects in a call
// (args[0] is the command name), or ok=false if it cannot tell.
func (ks keySpec) keys(args [][]byte) (pos []int, ok bool) {
	argc := len(args)
	first := 0
	switch ks.bs {
	case 'i':
		first = ks.index
	case 'k':
		start, end, step := ks.startFrom, argc-1, 1
		if ks.startFrom < 0 {
			start, end, step = argc+ks.startFrom, 1, -1
		}
		for i := start; i != end && i >= 1 && i < argc; i += step {
			if eqFold(args[i], strings.ToLower(ks.keyword)) {
				first = i + 1
				break
			}
		}
		if first == 0 {
			return nil, true
		}
	default:
		return nil, false
	}
	if first >= argc {
		return nil, true
	}
	last, step := 0, 1
	switch ks.fk {
	case 'r':
		step = ks.keyStep
		switch {
		case ks.lastKey >= 0:
			last = first + ks.lastKey
		case ks.limit <= 1:
			last = argc + ks.lastKey
		default:
			last = first + (argc-first)/ks.limit + ks.lastKey
		}
	case 'n':
		if first+ks.keyNumIdx >= argc {
			return nil, true
		}
		n, okN := parseInt(args[first+ks.keyNumIdx])
		if !okN || n < 0 {
			return nil, true
		}
		step = ks.step
		first += ks.firstKey
		last = first + (int(n)-1)*step
	default:
		return nil, false
	}
	if step <= 0 {
		step = 1
	}
	for i := first; i <= last && i < argc; i += step {
		pos = append(pos, i)
	}
	return pos, true
}

// cmdDoc is what commandDocData records about one command.
type cmdDoc struct {
	since, docFlags, deprecatedSince string
	specs                            []keySpec
	tips                             []string
}

// commandDocs maps full command names to their documentation facts.
type commandDocs map[string]*cmdDoc

// keySpecs returns c's key specifications: the recorded ones, or ones
// derived from the table's key positions.
func (d commandDocs) keySpecs(c *Command) []keySpec {
	if doc := d[c.FullName()]; doc != nil && len(doc.specs) > 0 {
		return doc.specs
	}
	if !hasKeys(c) {
		return nil
	}
	var f uint16
	switch {
	case c.Has(FlagWrite):
		f = ksRW | ksUpdate
	case c.Has(FlagReadonly):
		f = ksRO | ksAccess
	default:
		f = ksRO
	}
	var specs []keySpec
	if c.FirstKey > 0 {
		last := c.LastKey
		if last >= 0 {
			last -= c.FirstKey
		}
		specs = append(specs, keySpec{flags: f, bs: 'i', index: c.FirstKey, fk: 'r', lastKey: last, keyStep: max(c.Step, 1)})
	}
	if c.KeysFunc != nil {
		specs = append(specs, keySpec{flags: f | ksIncomplete, bs: 'u', fk: 'u'})
	}
	return specs
}

// keyFlags returns the access flags of each key position of a call: the
// flags of the specification that selects it, else those of the last
// specification that cannot be evaluated statically.
func (d commandDocs) keyFlags(c *Command, args [][]byte, pos []int) []uint16 {
	specs := d.keySpecs(c)
	out := make([]uint16, len(pos))
	for i, p := range pos {
		var f uint16
		found := false
		for _, ks := range specs {
			sel, ok := ks.keys(args)
			if !ok {
				f = ks.flags
				continue
			}
			for _, q := range sel {
				if q == p {
					f, found = ks.flags, true
					break
				}
			}
			if found {
				break
			}
		}
		if !found && f == 0 && len(specs) > 0 {
			f = specs[len(specs)-1].flags
		}
		out[i] = variableKeyFlags(c.FullName(), args, f)
	}
	return out
}

// variableKeyFlags refines the flags of commands whose access depends on
// their arguments (key specs flagged variable_flags).
func variableKeyFlags(name string, args [][]byte, f uint16) uint16 {
	if f&ksVariableFlags == 0 {
		return f
	}
	switch name {
	case "set":
		for _, a := range args[min(3, len(args)):] {
			if eqFold(a, "get") {
				return ksRW | ksAccess | ksUpdate
			}
		}
		return ksOW | ksUpdate
	case "bitfield":
		for i := 2; i < len(args); i++ {
			rem := len(args) - i - 1
			switch {
			case eqFold(args[i], "get") && rem >= 2:
				i += 2
			case eqFold(args[i], "overflow") && rem >= 1:
				i++
			default:
				return ksRW | ksAccess | ksUpdate
			}
		}
		return ksRO | ksAccess
	}
	return f &^ ksVariableFlags
}

// parseCommandDocs reads commandDocData: one line per command,
// "name since docflags[:deprecated-since] specs tips", with "-" for none;
// tips are separated by commas. A
// spec is "flags/begin/find" (specs separated by ';'): flags are letters
// of keySpecFlagLetters; begin is "i<pos>", "k<keyword>,<startfrom>" or
// "u"; find is "r<lastkey>,<step>,<limit>", "n<keynumidx>,<firstkey>,<step>"
// or "u".
func parseCommandDocs(data string) commandDocs {
	docs := commandDocs{}
	for _, line := range strings.Split(strings.TrimSpace(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 {
			panic("bad command doc line: " + line)
		}
		d := &cmdDoc{since: f[1]}
		if f[2] != "-" {
			flags, dep, _ := strings.Cut(f[2], ":")
			if flags != "-" {
				d.docFlags = flags
			}
			d.deprecatedSince = dep
		}
		if f[3] != "-" {
			for _, s := range strings.Split(f[3], ";") {
				d.specs = append(d.specs, parseKeySpec(s))
			}
		}
		if f[4] != "-" {
			d.tips = strings.Split(f[4], ",")
		}
		docs[f[0]] = d
	}
	return docs
}

func parseKeySpec(s string) keySpec {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		panic("bad key spec " + s)
	}
	var ks keySpec
	for _, ch := range parts[0] {
		i := strings.IndexRune(keySpecFlagLetters, ch)
		if i < 0 {
			panic("bad key spec flag in " + s)
		}
		ks.flags |= 1 << i
	}
	nums := func(t string) []int {
		var out []int
		for _, n := range strings.Split(t, ",") {
			v, err := strconv.Atoi(n)
			if err != nil {
				panic("bad key spec number in " + s)
			}
			out = append(out, v)
		}
		return out
	}
	b := parts[1]
	ks.bs = b[0]
	switch b[0] {
	case 'i':
		ks.index = nums(b[1:])[0]
	case 'k':
		kw, from, _ := strings.Cut(b[1:], ",")
		ks.keyword = kw
		ks.startFrom = nums(from)[0]
	}
	fk := parts[2]
	ks.fk = fk[0]
	switch fk[0] {
	case 'r':
		n := nums(fk[1:])
		ks.lastKey, ks.keyStep, ks.limit = n[0], n[1], n[2]
	case 'n':
		n := nums(fk[1:])
		ks.keyNumIdx, ks.firstKey, ks.step = n[0], n[1], n[2]
	}
	return ks
}

// commandDocData records, for every Redis 7.0 command (plus CLIENT SETINFO
// and NO-TOUCH from 7.2), the facts COMMAND DOCS and COMMAND INFO report
// beyond the command table: the version that introduced it, its doc flags
// and deprecation version, its key specifications and its command tips
// (hints for cluster proxies and clients). They are interface
// facts of Redis 7.0.15's commands (what its COMMAND INFO returns); see
// parseCommandDocs for the format.
const commandDocData = `
acl 6.0.0 - - -
acl|cat 6.0.0 - - -
acl|deluser 6.0.0 - - -
acl|dryrun 7.0.0 - - -
acl|genpass 6.0.0 - - -
acl|getuser 6.0.0 - - -
acl|help 6.0.0 - - -
acl|list 6.0.0 - - -
acl|load 6.0.0 - - -
acl|log 6.0.0 - - -
acl|save 6.0.0 - - -
acl|setuser 6.0.0 - - -
acl|users 6.0.0 - - -
acl|whoami 6.0.0 - - -
append 2.0.0 - Wi/i1/r0,1,0 -
asking 3.0.0 - - -
auth 1.0.0 - - -
bgrewriteaof 1.0.0 - - -
bgsave 1.0.0 - - -
bitcount 2.6.0 - Ra/i1/r0,1,0 -
bitfield 3.2.0 - Wuav/i1/r0,1,0 -
bitfield_ro 6.0.0 - Ra/i1/r0,1,0 -
bitop 2.6.0 - Ou/i2/r0,1,0;Ra/i3/r-1,1,0 -
bitpos 2.8.7 - Ra/i1/r0,1,0 -
blmove 6.2.0 - Wad/i1/r0,1,0;Wi/i2/r0,1,0 -
blmpop 7.0.0 - Wad/i2/n0,1,1 -
blpop 2.0.0 - Wad/i1/r-2,1,0 -
brpop 2.0.0 - Wad/i1/r-2,1,0 -
brpoplpush 2.2.0 d:6.2.0 Wad/i1/r0,1,0;Wi/i2/r0,1,0 -
bzmpop 7.0.0 - Wad/i2/n0,1,1 -
bzpopmax 5.0.0 - Wad/i1/r-2,1,0 -
bzpopmin 5.0.0 - Wad/i1/r-2,1,0 -
client 2.4.0 - - -
client|caching 6.0.0 - - -
client|getname 2.6.9 - - -
client|getredir 6.0.0 - - -
client|help 5.0.0 - - -
client|id 5.0.0 - - -
client|info 6.2.0 - - nondeterministic_output
client|kill 2.4.0 - - -
client|list 2.4.0 - - nondeterministic_output
client|no-evict 7.0.0 - - -
client|no-touch 7.2.0 - - -
client|pause 2.9.50 - - -
client|reply 3.2.0 - - -
client|setinfo 7.2.0 - - -
client|setname 2.6.9 - - -
client|tracking 6.0.0 - - -
client|trackinginfo 6.2.0 - - -
client|unblock 5.0.0 - - -
client|unpause 6.2.0 - - -
cluster 3.0.0 - - -
cluster|addslots 3.0.0 - - -
cluster|addslotsrange 7.0.0 - - -
cluster|bumpepoch 3.0.0 - - nondeterministic_output
cluster|count-failure-reports 3.0.0 - - nondeterministic_output
cluster|countkeysinslot 3.0.0 - - -
cluster|delslots 3.0.0 - - -
cluster|delslotsrange 7.0.0 - - -
cluster|failover 3.0.0 - - -
cluster|flushslots 3.0.0 - - -
cluster|forget 3.0.0 - - -
cluster|getkeysinslot 3.0.0 - - nondeterministic_output
cluster|help 5.0.0 - - -
cluster|info 3.0.0 - - nondeterministic_output
cluster|keyslot 3.0.0 - - -
cluster|links 7.0.0 - - nondeterministic_output
cluster|meet 3.0.0 - - -
cluster|myid 3.0.0 - - -
cluster|nodes 3.0.0 - - nondeterministic_output
cluster|replicas 5.0.0 - - nondeterministic_output
cluster|replicate 3.0.0 - - -
cluster|reset 3.0.0 - - -
cluster|saveconfig 3.0.0 - - -
cluster|set-config-epoch 3.0.0 - - -
cluster|setslot 3.0.0 - - -
cluster|shards 7.0.0 - - nondeterministic_output
cluster|slaves 3.0.0 d:5.0.0 - nondeterministic_output
cluster|slots 3.0.0 d:7.0.0 - nondeterministic_output
command 2.8.13 - - nondeterministic_output_order
command|count 2.8.13 - - -
command|docs 7.0.0 - - nondeterministic_output_order
command|getkeys 2.8.13 - - -
command|getkeysandflags 7.0.0 - - -
command|help 5.0.0 - - -
command|info 2.8.13 - - nondeterministic_output_order
command|list 7.0.0 - - nondeterministic_output_order
cluster 3.0.0 - - -
cluster|countkeysinslot 3.0.0 - - -
cluster|meet 3.0.0 - - -
cluster|delslotsrange 7.0.0 - - -
cluster|info 3.0.0 - - nondeterministic_output
cluster|failover 3.0.0 - - -
cluster|replicas 5.0.0 - - nondeterministic_output
cluster|replicate 3.0.0 - - -
cluster|setslot 3.0.0 - - -
cluster|bumpepoch 3.0.0 - - nondeterministic_output
cluster|delslots 3.0.0 - - -
cluster|nodes 3.0.0 - - nondeterministic_output
cluster|links 7.0.0 - - nondeterministic_output
cluster|reset 3.0.0 - - -
cluster|forget 3.0.0 - - -
cluster|flushslots 3.0.0 - - -
cluster|help 5.0.0 - - -
cluster|keyslot 3.0.0 - - -
cluster|addslotsrange 7.0.0 - - -
cluster|myid 3.0.0 - - -
cluster|slaves 3.0.0 d:5.0.0 - nondeterministic_output
cluster|count-failure-reports 3.0.0 - - nondeterministic_output
cluster|shards 7.0.0 - - nondeterministic_output
cluster|addslots 3.0.0 - - -
cluster|slots 3.0.0 d:7.0.0 - nondeterministic_output
cluster|getkeysinslot 3.0.0 - - nondeterministic_output
cluster|saveconfig 3.0.0 - - -
cluster|set-config-epoch 3.0.0 - - -
config 2.0.0 - - -
config|get 2.0.0 - - -
config|help 5.0.0 - - -
config|resetstat 2.0.0 - - -
config|rewrite 2.8.0 - - -
config|set 2.0.0 - - request_policy:all_nodes,response_policy:all_succeeded
copy 6.2.0 - Ra/i1/r0,1,0;Ou/i2/r0,1,0 -
dbsize 1.0.0 - - request_policy:all_shards,response_policy:agg_sum
debug 1.0.0 s - -
decr 1.0.0 - Wau/i1/r0,1,0 -
decrby 1.0.0 - Wau/i1/r0,1,0 -
del 1.0.0 - Md/i1/r-1,1,0 request_policy:multi_shard,response_policy:agg_sum
discard 2.0.0 - - -
dump 2.6.0 - Ra/i1/r0,1,0 nondeterministic_output
echo 1.0.0 - - -
eval 2.6.0 - Wau/i2/n0,1,1 -
eval_ro 7.0.0 - Ra/i2/n0,1,1 -
evalsha 2.6.0 - Wau/i2/n0,1,1 -
evalsha_ro 7.0.0 - Ra/i2/n0,1,1 -
exec 1.2.0 - - -
exists 1.0.0 - R/i1/r-1,1,0 request_policy:multi_shard,response_policy:agg_sum
expire 1.0.0 - Wu/i1/r0,1,0 -
expireat 1.2.0 - Wu/i1/r0,1,0 -
expiretime 7.0.0 - Ra/i1/r0,1,0 -
failover 6.2.0 - - -
fcall 7.0.0 - Wau/i2/n0,1,1 -
fcall_ro 7.0.0 - Ra/i2/n0,1,1 -
flushall 1.0.0 - - request_policy:all_shards,response_policy:all_succeeded
flushdb 1.0.0 - - request_policy:all_shards,response_policy:all_succeeded
function 7.0.0 - - -
function|delete 7.0.0 - - request_policy:all_shards,response_policy:all_succeeded
function|dump 7.0.0 - - -
function|flush 7.0.0 - - request_policy:all_shards,response_policy:all_succeeded
function|help 7.0.0 - - -
function|kill 7.0.0 - - request_policy:all_shards,response_policy:one_succeeded
function|list 7.0.0 - - nondeterministic_output_order
function|load 7.0.0 - - request_policy:all_shards,response_policy:all_succeeded
function|restore 7.0.0 - - request_policy:all_shards,response_policy:all_succeeded
function|stats 7.0.0 - - nondeterministic_output,request_policy:all_shards,response_policy:special
geoadd 3.2.0 - Wu/i1/r0,1,0 -
geodist 3.2.0 - Ra/i1/r0,1,0 -
geohash 3.2.0 - Ra/i1/r0,1,0 -
geopos 3.2.0 - Ra/i1/r0,1,0 -
georadius 3.2.0 d:6.2.0 Ra/i1/r0,1,0;Ou/kSTORE,6/r0,1,0;Ou/kSTOREDIST,6/r0,1,0 -
georadius_ro 3.2.10 d:6.2.0 Ra/i1/r0,1,0 -
georadiusbymember 3.2.0 d:6.2.0 Ra/i1/r0,1,0;Ou/kSTORE,5/r0,1,0;Ou/kSTOREDIST,5/r0,1,0 -
georadiusbymember_ro 3.2.10 d:6.2.0 Ra/i1/r0,1,0 -
geosearch 6.2.0 - Ra/i1/r0,1,0 -
geosearchstore 6.2.0 - Ou/i1/r0,1,0;Ra/i2/r0,1,0 -
get 1.0.0 - Ra/i1/r0,1,0 -
getbit 2.2.0 - Ra/i1/r0,1,0 -
getdel 6.2.0 - Wad/i1/r0,1,0 -
getex 6.2.0 - Wau/i1/r0,1,0 -
getrange 2.4.0 - Ra/i1/r0,1,0 -
getset 1.0.0 d:6.2.0 Wau/i1/r0,1,0 -
hdel 2.0.0 - Wd/i1/r0,1,0 -
hello 6.0.0 - - -
hexists 2.0.0 - R/i1/r0,1,0 -
hget 2.0.0 - Ra/i1/r0,1,0 -
hexpire 7.4.0 - Wu/i1/r0,1,0 -
hexpireat 7.4.0 - Wu/i1/r0,1,0 -
hpexpire 7.4.0 - Wu/i1/r0,1,0 -
hpexpireat 7.4.0 - Wu/i1/r0,1,0 -
hpersist 7.4.0 - Wu/i1/r0,1,0 -
httl 7.4.0 - Ra/i1/r0,1,0 -
hpttl 7.4.0 - Ra/i1/r0,1,0 -
hexpiretime 7.4.0 - Ra/i1/r0,1,0 -
hpexpiretime 7.4.0 - Ra/i1/r0,1,0 -
hgetall 2.0.0 - Ra/i1/r0,1,0 nondeterministic_output_order
hincrby 2.0.0 - Wau/i1/r0,1,0 -
hincrbyfloat 2.6.0 - Wau/i1/r0,1,0 -
hkeys 2.0.0 - Ra/i1/r0,1,0 nondeterministic_output_order
hlen 2.0.0 - R/i1/r0,1,0 -
hmget 2.0.0 - Ra/i1/r0,1,0 -
hmset 2.0.0 d:4.0.0 Wu/i1/r0,1,0 -
hrandfield 6.2.0 - Ra/i1/r0,1,0 nondeterministic_output
hscan 2.8.0 - Ra/i1/r0,1,0 nondeterministic_output
hset 2.0.0 - Wu/i1/r0,1,0 -
hsetnx 2.0.0 - Wi/i1/r0,1,0 -
hstrlen 3.2.0 - R/i1/r0,1,0 -
hvals 2.0.0 - Ra/i1/r0,1,0 nondeterministic_output_order
incr 1.0.0 - Wau/i1/r0,1,0 -
incrby 1.0.0 - Wau/i1/r0,1,0 -
incrbyfloat 2.6.0 - Wau/i1/r0,1,0 -
info 1.0.0 - - nondeterministic_output,request_policy:all_shards,response_policy:special
keys 1.0.0 - - request_policy:all_shards,nondeterministic_output_order
lastsave 1.0.0 - - nondeterministic_output
latency 2.8.13 - - -
latency|doctor 2.8.13 - - nondeterministic_output,request_policy:all_nodes,response_policy:special
latency|graph 2.8.13 - - nondeterministic_output,request_policy:all_nodes,response_policy:special
latency|help 2.8.13 - - -
latency|histogram 7.0.0 - - nondeterministic_output,request_policy:all_nodes,response_policy:special
latency|history 2.8.13 - - nondeterministic_output,request_policy:all_nodes,response_policy:special
latency|latest 2.8.13 - - nondeterministic_output,request_policy:all_nodes,response_policy:special
latency|reset 2.8.13 - - request_policy:all_nodes,response_policy:all_succeeded
lcs 7.0.0 - Ra/i1/r1,1,0 -
lindex 1.0.0 - Ra/i1/r0,1,0 -
linsert 2.2.0 - Wi/i1/r0,1,0 -
llen 1.0.0 - R/i1/r0,1,0 -
lmove 6.2.0 - Wad/i1/r0,1,0;Wi/i2/r0,1,0 -
lmpop 7.0.0 - Wad/i1/n0,1,1 -
lolwut 5.0.0 - - -
lpop 1.0.0 - Wad/i1/r0,1,0 -
lpos 6.0.6 - Ra/i1/r0,1,0 -
lpush 1.0.0 - Wi/i1/r0,1,0 -
lpushx 2.2.0 - Wi/i1/r0,1,0 -
lrange 1.0.0 - Ra/i1/r0,1,0 -
lrem 1.0.0 - Wd/i1/r0,1,0 -
lset 1.0.0 - Wu/i1/r0,1,0 -
ltrim 1.0.0 - Wd/i1/r0,1,0 -
memory 4.0.0 - - -
memory|doctor 4.0.0 - - nondeterministic_output,request_policy:all_shards,response_policy:special
memory|help 4.0.0 - - -
memory|malloc-stats 4.0.0 - - nondeterministic_output,request_policy:all_shards,response_policy:special
memory|purge 4.0.0 - - request_policy:all_shards,response_policy:all_succeeded
memory|stats 4.0.0 - - nondeterministic_output,request_policy:all_shards,response_policy:special
memory|usage 4.0.0 - R/i2/r0,1,0 -
mget 1.0.0 - Ra/i1/r-1,1,0 request_policy:multi_shard
migrate 2.6.0 - Wad/i3/r0,1,0;Wadc/kKEYS,-2/r-1,1,0 nondeterministic_output
module 4.0.0 - - -
module|help 5.0.0 - - -
module|list 4.0.0 - - nondeterministic_output_order
module|load 4.0.0 - - -
module|loadex 7.0.0 - - -
module|unload 4.0.0 - - -
monitor 1.0.0 - - -
move 1.0.0 - Wau/i1/r0,1,0 -
mset 1.0.1 - Ou/i1/r-1,2,0 request_policy:multi_shard,response_policy:all_succeeded
msetnx 1.0.1 - Oi/i1/r-1,2,0 request_policy:multi_shard,response_policy:agg_min
multi 1.2.0 - - -
object 2.2.3 - - -
object|encoding 2.2.3 - R/i2/r0,1,0 nondeterministic_output
object|freq 4.0.0 - R/i2/r0,1,0 nondeterministic_output
object|help 6.2.0 - - -
object|idletime 2.2.3 - R/i2/r0,1,0 nondeterministic_output
object|refcount 2.2.3 - R/i2/r0,1,0 nondeterministic_output
persist 2.2.0 - Wu/i1/r0,1,0 -
pexpire 2.6.0 - Wu/i1/r0,1,0 -
pexpireat 2.6.0 - Wu/i1/r0,1,0 -
pexpiretime 7.0.0 - Ra/i1/r0,1,0 -
pfadd 2.8.9 - Wi/i1/r0,1,0 -
pfcount 2.8.9 - Wa/i1/r-1,1,0 -
pfdebug 2.8.9 s Wa/i2/r0,1,0 -
pfmerge 2.8.9 - Wai/i1/r0,1,0;Ra/i2/r-1,1,0 -
pfselftest 2.8.9 s - -
ping 1.0.0 - - request_policy:all_shards,response_policy:all_succeeded
psetex 2.6.0 - Ou/i1/r0,1,0 -
psubscribe 2.0.0 - - -
psync 2.8.0 - - -
pttl 2.6.0 - Ra/i1/r0,1,0 nondeterministic_output
publish 2.0.0 - - -
pubsub 2.8.0 - - -
pubsub|channels 2.8.0 - - -
pubsub|help 6.2.0 - - -
pubsub|numpat 2.8.0 - - -
pubsub|numsub 2.8.0 - - -
pubsub|shardchannels 7.0.0 - - -
pubsub|shardnumsub 7.0.0 - - -
punsubscribe 2.0.0 - - -
quit 1.0.0 - - -
randomkey 1.0.0 - - request_policy:all_shards,nondeterministic_output
readonly 3.0.0 - - -
readwrite 3.0.0 - - -
rename 1.0.0 - Wad/i1/r0,1,0;Ou/i2/r0,1,0 -
renamenx 1.0.0 - Wad/i1/r0,1,0;Oi/i2/r0,1,0 -
replconf 3.0.0 s - -
replicaof 5.0.0 - - -
reset 6.2.0 - - -
restore 2.6.0 - Ou/i1/r0,1,0 -
restore-asking 3.0.0 s Ou/i1/r0,1,0 -
role 2.8.12 - - -
rpop 1.0.0 - Wad/i1/r0,1,0 -
rpoplpush 1.2.0 d:6.2.0 Wad/i1/r0,1,0;Wi/i2/r0,1,0 -
rpush 1.0.0 - Wi/i1/r0,1,0 -
rpushx 2.2.0 - Wi/i1/r0,1,0 -
sadd 1.0.0 - Wi/i1/r0,1,0 -
save 1.0.0 - - -
scan 2.8.0 - - nondeterministic_output,request_policy:special
scard 1.0.0 - R/i1/r0,1,0 -
script 2.6.0 - - -
script|debug 3.2.0 - - -
script|exists 2.6.0 - - request_policy:all_shards,response_policy:agg_logical_and
script|flush 2.6.0 - - request_policy:all_nodes,response_policy:all_succeeded
script|help 5.0.0 - - -
script|kill 2.6.0 - - request_policy:all_shards,response_policy:one_succeeded
script|load 2.6.0 - - request_policy:all_nodes,response_policy:all_succeeded
sdiff 1.0.0 - Ra/i1/r-1,1,0 nondeterministic_output_order
sdiffstore 1.0.0 - Ou/i1/r0,1,0;Ra/i2/r-1,1,0 -
select 1.0.0 - - -
sentinel 2.8.4 - - -
sentinel|ckquorum 2.8.4 - - -
sentinel|config 6.2.0 - - -
sentinel|debug 7.0.0 - - -
sentinel|failover 2.8.4 - - -
sentinel|flushconfig 2.8.4 - - -
sentinel|get-master-addr-by-name 2.8.4 - - -
sentinel|help 6.2.0 - - -
sentinel|info-cache 3.2.0 - - -
sentinel|is-master-down-by-addr 2.8.4 - - -
sentinel|master 2.8.4 - - -
sentinel|masters 2.8.4 - - -
sentinel|monitor 2.8.4 - - -
sentinel|myid 6.2.0 - - -
sentinel|pending-scripts 2.8.4 - - -
sentinel|remove 2.8.4 - - -
sentinel|replicas 5.0.0 - - -
sentinel|reset 2.8.4 - - -
sentinel|sentinels 2.8.4 - - -
sentinel|set 2.8.4 - - -
sentinel|simulate-failure 3.2.0 - - -
sentinel|slaves 2.8.0 d:5.0.0 - -
set 1.0.0 - Wauv/i1/r0,1,0 -
setbit 2.2.0 - Wau/i1/r0,1,0 -
setex 2.0.0 - Ou/i1/r0,1,0 -
setnx 1.0.0 - Oi/i1/r0,1,0 -
setrange 2.2.0 - Wu/i1/r0,1,0 -
shutdown 1.0.0 - - -
sinter 1.0.0 - Ra/i1/r-1,1,0 nondeterministic_output_order
sintercard 7.0.0 - Ra/i1/n0,1,1 -
sinterstore 1.0.0 - Wu/i1/r0,1,0;Ra/i2/r-1,1,0 -
sismember 1.0.0 - R/i1/r0,1,0 -
slaveof 1.0.0 d:5.0.0 - -
slowlog 2.2.12 - - -
slowlog|get 2.2.12 - - request_policy:all_nodes,nondeterministic_output
slowlog|help 6.2.0 - - -
slowlog|len 2.2.12 - - request_policy:all_nodes,response_policy:agg_sum,nondeterministic_output
slowlog|reset 2.2.12 - - request_policy:all_nodes,response_policy:all_succeeded
smembers 1.0.0 - Ra/i1/r0,1,0 nondeterministic_output_order
smismember 6.2.0 - Ra/i1/r0,1,0 -
smove 1.0.0 - Wad/i1/r0,1,0;Wi/i2/r0,1,0 -
sort 1.0.0 - Ra/i1/r0,1,0;Ra/u/u;Ou/u/u -
sort_ro 7.0.0 - Ra/i1/r0,1,0;Ra/u/u -
spop 1.0.0 - Wad/i1/r0,1,0 nondeterministic_output
spublish 7.0.0 - n/i1/r0,1,0 -
srandmember 1.0.0 - Ra/i1/r0,1,0 nondeterministic_output
srem 1.0.0 - Wd/i1/r0,1,0 -
sscan 2.8.0 - Ra/i1/r0,1,0 nondeterministic_output
ssubscribe 7.0.0 - n/i1/r-1,1,0 -
strlen 2.2.0 - R/i1/r0,1,0 -
subscribe 2.0.0 - - -
substr 1.0.0 d:2.0.0 Ra/i1/r0,1,0 -
sunion 1.0.0 - Ra/i1/r-1,1,0 nondeterministic_output_order
sunionstore 1.0.0 - Ou/i1/r0,1,0;Ra/i2/r-1,1,0 -
sunsubscribe 7.0.0 - n/i1/r-1,1,0 -
swapdb 4.0.0 - - -
sync 1.0.0 - - -
time 2.6.0 - - nondeterministic_output
touch 3.2.1 - R/i1/r-1,1,0 request_policy:multi_shard,response_policy:agg_sum
ttl 1.0.0 - Ra/i1/r0,1,0 nondeterministic_output
type 1.0.0 - R/i1/r0,1,0 -
unlink 4.0.0 - Md/i1/r-1,1,0 request_policy:multi_shard,response_policy:agg_sum
unsubscribe 2.0.0 - - -
unwatch 2.2.0 - - -
wait 3.0.0 - - request_policy:all_shards,response_policy:agg_min
watch 2.2.0 - R/i1/r-1,1,0 -
xack 5.0.0 - Wu/i1/r0,1,0 -
xadd 5.0.0 - Wu/i1/r0,1,0 nondeterministic_output
xautoclaim 6.2.0 - Wd/i1/r0,1,0 nondeterministic_output
xclaim 5.0.0 - Wu/i1/r0,1,0 nondeterministic_output
xdel 5.0.0 - Wd/i1/r0,1,0 -
xgroup 5.0.0 - - -
xgroup|create 5.0.0 - Wi/i2/r0,1,0 -
xgroup|createconsumer 6.2.0 - Wi/i2/r0,1,0 -
xgroup|delconsumer 5.0.0 - Wd/i2/r0,1,0 -
xgroup|destroy 5.0.0 - Wd/i2/r0,1,0 -
xgroup|help 5.0.0 - - -
xgroup|setid 5.0.0 - Wu/i2/r0,1,0 -
xinfo 5.0.0 - - -
xinfo|consumers 5.0.0 - Ra/i2/r0,1,0 nondeterministic_output
xinfo|groups 5.0.0 - Ra/i2/r0,1,0 -
xinfo|help 5.0.0 - - -
xinfo|stream 5.0.0 - Ra/i2/r0,1,0 -
xlen 5.0.0 - R/i1/r0,1,0 -
xpending 5.0.0 - Ra/i1/r0,1,0 nondeterministic_output
xrange 5.0.0 - Ra/i1/r0,1,0 -
xread 5.0.0 - Ra/kSTREAMS,1/r-1,1,2 -
xreadgroup 5.0.0 - Ra/kSTREAMS,4/r-1,1,2 -
xrevrange 5.0.0 - Ra/i1/r0,1,0 -
xsetid 5.0.0 - Wu/i1/r0,1,0 -
xtrim 5.0.0 - Wd/i1/r0,1,0 nondeterministic_output
zadd 1.2.0 - Wu/i1/r0,1,0 -
zcard 1.2.0 - R/i1/r0,1,0 -
zcount 2.0.0 - Ra/i1/r0,1,0 -
zdiff 6.2.0 - Ra/i1/n0,1,1 -
zdiffstore 6.2.0 - Ou/i1/r0,1,0;Ra/i2/n0,1,1 -
zincrby 1.2.0 - Wau/i1/r0,1,0 -
zinter 6.2.0 - Ra/i1/n0,1,1 -
zintercard 7.0.0 - Ra/i1/n0,1,1 -
zinterstore 2.0.0 - Ou/i1/r0,1,0;Ra/i2/n0,1,1 -
zlexcount 2.8.9 - Ra/i1/r0,1,0 -
zmpop 7.0.0 - Wad/i1/n0,1,1 -
zmscore 6.2.0 - Ra/i1/r0,1,0 -
zpopmax 5.0.0 - Wad/i1/r0,1,0 -
zpopmin 5.0.0 - Wad/i1/r0,1,0 -
zrandmember 6.2.0 - Ra/i1/r0,1,0 nondeterministic_output
zrange 1.2.0 - Ra/i1/r0,1,0 -
zrangebylex 2.8.9 d:6.2.0 Ra/i1/r0,1,0 -
zrangebyscore 1.0.5 d:6.2.0 Ra/i1/r0,1,0 -
zrangestore 6.2.0 - Ou/i1/r0,1,0;Ra/i2/r0,1,0 -
zrank 2.0.0 - Ra/i1/r0,1,0 -
zrem 1.2.0 - Wd/i1/r0,1,0 -
zremrangebylex 2.8.9 - Wd/i1/r0,1,0 -
zremrangebyrank 2.0.0 - Wd/i1/r0,1,0 -
zremrangebyscore 1.2.0 - Wd/i1/r0,1,0 -
zrevrange 1.2.0 d:6.2.0 Ra/i1/r0,1,0 -
zrevrangebylex 2.8.9 d:6.2.0 Ra/i1/r0,1,0 -
zrevrangebyscore 2.2.0 d:6.2.0 Ra/i1/r0,1,0 -
zrevrank 2.0.0 - Ra/i1/r0,1,0 -
zscan 2.8.0 - Ra/i1/r0,1,0 nondeterministic_output
zscore 1.2.0 - Ra/i1/r0,1,0 -
zunion 6.2.0 - Ra/i1/n0,1,1 -
zunionstore 2.0.0 - Ou/i1/r0,1,0;Ra/i2/n0,1,1 -
`
