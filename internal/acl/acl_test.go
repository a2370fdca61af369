package acl

import (
	"strings"
	"testing"
)

// testTable is a small command table: get (read), set (write), del
// (keyspace write), config with get/set subcommands (admin), select,
// publish (pubsub) and auth (no_auth).
func testTable() *Table {
	t := NewTable()
	t.Add("get", []string{"@read", "@string", "@fast"}, false, nil)
	t.Add("set", []string{"@write", "@string", "@slow"}, false, nil)
	t.Add("del", []string{"@write", "@keyspace", "@slow"}, false, nil)
	cfg := t.Add("config", nil, false, nil)
	t.Add("config|get", []string{"@admin", "@slow", "@dangerous"}, false, cfg)
	t.Add("config|set", []string{"@admin", "@slow", "@dangerous"}, false, cfg)
	t.Add("select", []string{"@connection", "@fast"}, false, nil)
	t.Add("publish", []string{"@pubsub", "@fast"}, false, nil)
	t.Add("auth", []string{"@connection", "@fast"}, true, nil)
	return t
}

func mustApply(t *testing.T, tb *Table, u *User, ops ...string) *User {
	t.Helper()
	n, err := Apply(tb, u, "u", ops, false)
	if err != nil {
		t.Fatalf("Apply(%q): %v", ops, err)
	}
	return n
}

func args(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}

func TestDescribe(t *testing.T) {
	tb := testTable()
	cases := []struct {
		ops  []string
		want string
	}{
		{nil, "off resetchannels -@all"},
		{[]string{"on", "nopass", "~*", "&*", "+@all"}, "on nopass ~* &* +@all"},
		{[]string{"+@all", "-@admin"}, "off resetchannels +@all -@admin"},
		{[]string{"+get", "~k*", "%R~r", "%W~w", "%RW~x"}, "off ~k* %R~r %W~w ~x resetchannels -@all +@read"},
		{[]string{"+config|get"}, "off resetchannels -@all +config|get"},
		{[]string{"+select|0", "+select|1"}, "off resetchannels -@all +select|0 +select|1"},
		{[]string{"+@all", "-@all", "+get", "-@read"}, "off resetchannels -@all"},
		{[]string{"reset"}, "off sanitize-payload resetchannels -@all"},
		{[]string{"&a", "&b", "+get", "(~x +set)"}, "off resetchannels &a &b -@all +@read (~x resetchannels -@all +set)"},
		{[]string{">p"}, "off #" + HashPassword("p") + " resetchannels -@all"},
	}
	for _, c := range cases {
		u := mustApply(t, tb, nil, c.ops...)
		if got := u.Describe(tb); got != c.want {
			t.Errorf("%q: got %q, want %q", c.ops, got, c.want)
		}
		// Describe's output recreates the same user.
		again := mustApply(t, tb, nil, strings.Fields(c.want)...)
		if got := again.Describe(tb); got != c.want {
			t.Errorf("%q: reapplied gives %q", c.want, got)
		}
	}
}

func TestRuleErrors(t *testing.T) {
	tb := testTable()
	cases := map[string]string{
		"+nosuch":       "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
		"-@nosuch":      "Error in ACL SETUSER modifier '-@nosuch': Unknown command or category name in ACL",
		"+config|get|x": "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported",
		"+get|":         "Error in ACL SETUSER modifier '+get|': Syntax error",
		"%X~a":          "Error in ACL SETUSER modifier '%X~a': Syntax error",
		"#abc":          "Error in ACL SETUSER modifier '#abc': " + string(errBadHash),
		"<nope":         "Error in ACL SETUSER modifier '<nope': " + string(errNoSuchPass),
		"bogus":         "Error in ACL SETUSER modifier 'bogus': Syntax error",
	}
	for op, want := range cases {
		_, err := Apply(tb, nil, "u", []string{op}, false)
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %q", op, err, want)
		}
	}
	_, err := Apply(tb, nil, "u", []string{"~*", "~x"}, false)
	if err == nil || !strings.Contains(err.Error(), "'allkeys' flag") {
		t.Errorf("pattern after ~*: %v", err)
	}
	_, err = Apply(tb, nil, "u", []string{"(~x", "+get"}, false)
	if err == nil || err.Error() != "Unmatched parenthesis in acl selector starting at '(~x'." {
		t.Errorf("unmatched: %v", err)
	}
	// A failed SETUSER changes nothing (get is all of @read here, so the
	// canonical form names the category).
	u := mustApply(t, tb, nil, "+get")
	if _, err := Apply(tb, u, "u", []string{"+set", "+nosuch"}, false); err == nil {
		t.Fatal("expected error")
	}
	if got := u.Describe(tb); got != "off resetchannels -@all +@read" {
		t.Errorf("user changed: %q", got)
	}
}

func TestCheck(t *testing.T) {
	tb := testTable()
	get, set, sel, pub, cfgGet, auth := tb.Lookup("get"), tb.Lookup("set"), tb.Lookup("select"), tb.Lookup("publish"), tb.Lookup("config|get"), tb.Lookup("auth")
	u := mustApply(t, tb, nil, "+get", "+publish", "+select|0", "+config|get", "%R~r*", "~k*", "&ch*", "(+set %W~w*)")
	cases := []struct {
		r    Request
		want Result
		idx  int
	}{
		{Request{Cmd: get, Args: args("get", "k1"), Keys: []KeyRef{{1, PermRead}}}, OK, 0},
		{Request{Cmd: get, Args: args("get", "r1"), Keys: []KeyRef{{1, PermRead}}}, OK, 0},
		{Request{Cmd: get, Args: args("get", "x"), Keys: []KeyRef{{1, PermRead}}}, DeniedKey, 1},
		{Request{Cmd: set, Args: args("set", "w1", "v"), Keys: []KeyRef{{1, PermWrite}}}, OK, 0},
		{Request{Cmd: set, Args: args("set", "r1", "v"), Keys: []KeyRef{{1, PermWrite}}}, DeniedKey, 1},
		{Request{Cmd: tb.Lookup("del"), Args: args("del", "k1")}, DeniedCmd, 0},
		{Request{Cmd: sel, Args: args("select", "0")}, OK, 0},
		{Request{Cmd: sel, Args: args("select", "1")}, DeniedCmd, 0},
		{Request{Cmd: cfgGet, Args: args("config", "get", "x")}, OK, 0},
		{Request{Cmd: tb.Lookup("config|set"), Args: args("config", "set", "x", "y")}, DeniedCmd, 0},
		{Request{Cmd: pub, Args: args("publish", "chan", "m"), Channels: []ChanRef{{Pos: 1}}}, OK, 0},
		{Request{Cmd: pub, Args: args("publish", "other", "m"), Channels: []ChanRef{{Pos: 1}}}, DeniedChannel, 1},
		{Request{Cmd: auth, Args: args("auth", "p")}, OK, 0},
	}
	for i, c := range cases {
		got, idx := u.Check(&c.r)
		if got != c.want || idx != c.idx {
			t.Errorf("case %d (%s): got %d@%d, want %d@%d", i, c.r.Args, got, idx, c.want, c.idx)
		}
	}
	// Pattern subscriptions match ACL patterns literally.
	if !u.ChannelAllowed([]byte("ch*"), true) || u.ChannelAllowed([]byte("ch1*"), true) || !u.ChannelAllowed([]byte("ch1"), false) {
		t.Error("channel pattern matching")
	}
	if NewDefaultUser(tb).Unrestricted() != true || u.Unrestricted() {
		t.Error("Unrestricted")
	}
}

func TestChannelsShrunk(t *testing.T) {
	tb := testTable()
	a := mustApply(t, tb, nil, "&a", "&b")
	if mustApply(t, tb, a, "&c").ChannelsShrunk(a) {
		t.Error("adding a channel revokes nothing")
	}
	if !mustApply(t, tb, a, "resetchannels", "&a").ChannelsShrunk(a) {
		t.Error("dropping b is a revocation")
	}
	if mustApply(t, tb, a, "allchannels").ChannelsShrunk(a) {
		t.Error("allchannels revokes nothing")
	}
}

func TestLogMerge(t *testing.T) {
	var l Log
	l.Add(LogEntry{Reason: DeniedCmd, Context: CtxToplevel, Object: "get", Username: "u", Ctime: 1000}, 128)
	l.Add(LogEntry{Reason: DeniedKey, Context: CtxToplevel, Object: "k", Username: "u", Ctime: 1001}, 128)
	l.Add(LogEntry{Reason: DeniedCmd, Context: CtxToplevel, Object: "get", Username: "u", Ctime: 1002, ClientInfo: "new"}, 128)
	e := l.Entries(10)
	if len(e) != 2 || e[0].Object != "get" || e[0].Count != 2 || e[0].ClientInfo != "new" {
		t.Fatalf("merge: %+v", e)
	}
	l.Add(LogEntry{Reason: DeniedCmd, Context: CtxToplevel, Object: "get", Username: "u", Ctime: 1002 + groupingWindow + 1}, 128)
	if len(l.Entries(10)) != 3 {
		t.Error("entries a minute apart do not merge")
	}
	l.Trim(1)
	if len(l.Entries(10)) != 1 {
		t.Error("trim")
	}
}
