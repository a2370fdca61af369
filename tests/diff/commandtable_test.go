package diff

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine/internal/testutil"
)

// TestCommandTableMatchesRedis compares, for every command (and
// subcommand) Peregrine implements that Redis 7.0.15 also has, the command
// table facts COMMAND INFO reports: arity, flags, first/last key and step,
// and ACL categories. Key specifications and tips are compared by the
// command_info.txt case file instead.
func TestCommandTableMatchesRedis(t *testing.T) {
	ref := testutil.StartReference(t).Addr
	pg := testutil.StartPeregrine(t)
	refInfo := commandFacts(t, ref)
	ours := commandFacts(t, pg)
	var names []string
	for n := range ours {
		names = append(names, n)
	}
	sort.Strings(names)
	checked := 0
	for _, n := range names {
		want, ok := refInfo[n]
		if !ok {
			continue // beyond Redis 7.0 (e.g. HEXPIRE): no reference
		}
		checked++
		if got := ours[n]; got != want {
			t.Errorf("COMMAND INFO %s:\n redis:     %s\n peregrine: %s", n, want, got)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d commands compared", checked)
	}
}

// commandFacts maps "name" and "parent|sub" to a one-line summary of the
// COMMAND INFO fields compared.
func commandFacts(t *testing.T, addr string) map[string]string {
	c := testutil.Dial(t, addr)
	defer c.Close()
	v, err := testutil.ParseReply(c.Do("COMMAND"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(e testutil.Value)
	walk = func(e testutil.Value) {
		if len(e.Elems) < 7 {
			t.Fatalf("short COMMAND entry %v", e)
		}
		var flags, cats []string
		for _, f := range e.Elems[2].Elems {
			flags = append(flags, f.Str)
		}
		for _, f := range e.Elems[6].Elems {
			cats = append(cats, f.Str)
		}
		sort.Strings(flags)
		sort.Strings(cats)
		out[e.Elems[0].Str] = fmt.Sprintf("arity=%s flags=[%s] keys=%s,%s,%s acl=[%s]",
			e.Elems[1].Str, strings.Join(flags, " "), e.Elems[3].Str, e.Elems[4].Str, e.Elems[5].Str, strings.Join(cats, " "))
		if len(e.Elems) >= 10 {
			for _, sub := range e.Elems[9].Elems {
				walk(sub)
			}
		}
	}
	for _, e := range v.Elems {
		walk(e)
	}
	return out
}
