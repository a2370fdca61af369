package server

import (
	"slices"
	"strings"
	"testing"
)

func TestCommandCountInfo(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustInt(t, c.do("COMMAND", "COUNT"), int64(len(s.cmds)))
	all := c.do("COMMAND")
	if len(all.elems) != len(s.cmds) {
		t.Fatalf("COMMAND returned %d entries for %d commands", len(all.elems), len(s.cmds))
	}
	r := c.do("COMMAND", "INFO", "get", "nosuch", "CONFIG|GET", "get|key")
	if len(r.elems) != 4 || !r.elems[1].null || !r.elems[3].null {
		t.Fatalf("COMMAND INFO = %v", r)
	}
	get := r.elems[0]
	if len(get.elems) != 10 {
		t.Fatalf("entry has %d elements", len(get.elems))
	}
	if get.elems[0].str != "get" || get.elems[1].n != 2 || get.elems[3].n != 1 || get.elems[4].n != 1 || get.elems[5].n != 1 {
		t.Fatalf("get entry = %v", get)
	}
	if got := get.elems[2].strs(); !slices.Equal(got, []string{"readonly", "fast"}) {
		t.Fatalf("get flags = %v", got)
	}
	if got := get.elems[6].strs(); !slices.Equal(got, []string{"@read", "@string", "@fast"}) {
		t.Fatalf("get categories = %v", got)
	}
	spec := get.elems[8].elems[0]
	if v, _ := spec.field("flags"); !slices.Equal(v.strs(), []string{"RO", "access"}) {
		t.Fatalf("get key spec = %v", spec)
	}
	bs, _ := spec.field("begin_search")
	if ty, _ := bs.field("type"); ty.str != "index" {
		t.Fatalf("begin_search = %v", bs)
	}
	cg := r.elems[2]
	if cg.elems[0].str != "config|get" || cg.elems[1].n != -3 {
		t.Fatalf("config|get entry = %v", cg)
	}
	cfg := c.do("COMMAND", "INFO", "config").elems[0]
	if len(cfg.elems[9].elems) < 5 || cfg.elems[9].elems[0].elems[0].str != "config|get" {
		t.Fatalf("config subcommands = %v", cfg.elems[9])
	}
	// RESP3 shapes: flags and categories are sets, key specs maps.
	c.do("HELLO", "3")
	r = c.do("COMMAND", "INFO", "set")
	if e := r.elems[0]; e.elems[2].kind != '~' || e.elems[6].kind != '~' || e.elems[8].elems[0].kind != '%' {
		t.Fatalf("RESP3 COMMAND INFO set = %v", r)
	}
}

func TestCommandGetkeys(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	if got := c.do("COMMAND", "GETKEYS", "get", "key").strs(); !slices.Equal(got, []string{"key"}) {
		t.Fatalf("GETKEYS get = %v", got)
	}
	if got := c.do("COMMAND", "GETKEYS", "mset", "a", "1", "b", "2").strs(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("GETKEYS mset = %v", got)
	}
	if got := c.do("COMMAND", "GETKEYS", "memory", "usage", "k").strs(); !slices.Equal(got, []string{"k"}) {
		t.Fatalf("GETKEYS memory usage = %v", got)
	}
	if got := c.do("COMMAND", "GETKEYS", "lcs", "k1", "k2").strs(); !slices.Equal(got, []string{"k1", "k2"}) {
		t.Fatalf("GETKEYS lcs = %v", got)
	}
	mustErr(t, c.do("COMMAND", "GETKEYS", "nosuch", "x"), "ERR Invalid command specified")
	mustErr(t, c.do("COMMAND", "GETKEYS", "ping", "x"), "ERR The command has no key arguments")
	mustErr(t, c.do("COMMAND", "GETKEYS", "get", "a", "b"), "ERR Invalid number of arguments specified for command")
	mustErr(t, c.do("COMMAND", "GETKEYS"), "ERR wrong number of arguments for 'command|getkeys' command")

	r := c.do("COMMAND", "GETKEYSANDFLAGS", "set", "k1", "v1")
	if r.String() != "[[k1 [OW update]]]" {
		t.Fatalf("GETKEYSANDFLAGS set = %v", r)
	}
	if r = c.do("COMMAND", "GETKEYSANDFLAGS", "set", "k1", "v1", "GET"); r.String() != "[[k1 [RW access update]]]" {
		t.Fatalf("GETKEYSANDFLAGS set GET = %v", r)
	}
	if r = c.do("COMMAND", "GETKEYSANDFLAGS", "mset", "k1", "v1", "k2", "v2"); r.String() != "[[k1 [OW update]] [k2 [OW update]]]" {
		t.Fatalf("GETKEYSANDFLAGS mset = %v", r)
	}
}

func TestCommandListDocsHelp(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	all := c.do("COMMAND", "LIST").strs()
	if !slices.Contains(all, "set") || !slices.Contains(all, "client|list") || !slices.Contains(all, "config|get") {
		t.Fatalf("COMMAND LIST = %v", all)
	}
	if got := c.do("COMMAND", "LIST", "FILTERBY", "PATTERN", "set").strs(); !slices.Equal(got, []string{"set"}) {
		t.Fatalf("pattern set = %v", got)
	}
	got := c.do("COMMAND", "LIST", "FILTERBY", "pattern", "config|*re*").strs()
	if !slices.Contains(got, "config|resetstat") || !slices.Contains(got, "config|rewrite") || slices.Contains(got, "config|get") {
		t.Fatalf("pattern config|*re* = %v", got)
	}
	got = c.do("COMMAND", "LIST", "FILTERBY", "aclcat", "string").strs()
	if !slices.Contains(got, "get") || slices.Contains(got, "ping") {
		t.Fatalf("aclcat string = %v", got)
	}
	if got = c.do("COMMAND", "LIST", "FILTERBY", "aclcat", "nosuch").strs(); len(got) != 0 {
		t.Fatalf("aclcat nosuch = %v", got)
	}
	if got = c.do("COMMAND", "LIST", "FILTERBY", "module", "x").strs(); len(got) != 0 {
		t.Fatalf("module = %v", got)
	}
	mustErr(t, c.do("COMMAND", "LIST", "bad_arg"), "ERR syntax error")
	mustErr(t, c.do("COMMAND", "LIST", "FILTERBY", "bad_arg"), "ERR syntax error")
	mustErr(t, c.do("COMMAND", "LIST", "FILTERBY", "bad_arg", "x"), "ERR syntax error")

	d := c.do("COMMAND", "DOCS", "get", "nosuch", "config")
	if len(d.elems) != 4 || d.elems[0].str != "get" || d.elems[2].str != "config" {
		t.Fatalf("COMMAND DOCS = %v", d)
	}
	if g, _ := d.elems[1].field("group"); g.str != "string" {
		t.Fatalf("get docs = %v", d.elems[1])
	}
	if since, _ := d.elems[1].field("since"); since.str != "1.0.0" {
		t.Fatalf("get since = %v", d.elems[1])
	}
	if subs, ok := d.elems[3].field("subcommands"); !ok || len(subs.elems) < 10 {
		t.Fatalf("config docs = %v", d.elems[3])
	}
	h := c.do("COMMAND", "HELP")
	if len(h.elems) < 5 || !strings.HasPrefix(h.elems[0].str, "COMMAND <subcommand>") || h.elems[len(h.elems)-2].str != "HELP" {
		t.Fatalf("COMMAND HELP = %v", h)
	}
}

// Every command in the table parses (flags, doc data) and has a doc entry
// with the same family, so COMMAND DOCS stays complete.
func TestCommandDocData(t *testing.T) {
	docs := parseCommandDocs(commandDocData)
	s := startTestServer(t)
	for _, c := range s.cmds.sorted() {
		if docs[c.FullName()] == nil {
			t.Errorf("no doc data for %s", c.FullName())
		}
		for _, sub := range c.Sub {
			if docs[sub.FullName()] == nil {
				t.Errorf("no doc data for %s", sub.FullName())
			}
		}
	}
}
