package config

import (
	"strings"
	"testing"
)

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{"", "a b c", `"a\x41\n" 'b\'c'`, `"unterminated`, `a"b"c`, "\"x\"y", "\x00", "'\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args, err := SplitArgs(line)
		if err != nil {
			return
		}
		// Quoting every argument and joining them must give them back.
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = Quote(a)
		}
		again, err := SplitArgs(strings.Join(quoted, " "))
		if err != nil || len(again) != len(args) {
			t.Fatalf("round trip of %q failed: %q %v", args, again, err)
		}
		for i := range args {
			if again[i] != args[i] {
				t.Fatalf("round trip of %q gave %q", args, again)
			}
		}
	})
}

func FuzzLoadString(f *testing.F) {
	for _, s := range []string{
		"port 1\nmaxmemory 1gb",
		"save 1 2\nsave \"3 4\"\nsave \"\"",
		"client-output-buffer-limit normal 1 2 3",
		"notify-keyspace-events AKE\nbind 1 2 3",
		"maxmemory-clients 5%\nunixsocketperm 777\nhz 9999",
		"shutdown-on-sigint save now\nlatency-tracking-info-percentiles 1 2.5",
		"replicaof a 1\nrename-command get x\nuser u on",
		"\"unbalanced\nfoo.bar 1\nsentinel",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if strings.Contains(text, "include") || strings.Contains(strings.ToLower(text), "logfile") ||
			strings.Contains(strings.ToLower(text), "dir") {
			return // no file system access from the fuzzer
		}
		c := New()
		_ = c.LoadString(text)
		// Whatever was loaded must format and parse back.
		for _, p := range c.GetPatterns([]string{"*"}) {
			d := lookup(p[0]).d
			if d.flags&immutable != 0 || d.flags&protected != 0 || d.name == "hz" {
				continue
			}
			if err := c.Set([][2]string{{p[0], p[1]}}); err != nil {
				t.Fatalf("CONFIG SET %s %q (its own value): %v", p[0], p[1], err)
			}
			if got, _ := c.Get(p[0]); got != p[1] {
				t.Fatalf("%s: %q became %q", p[0], p[1], got)
			}
		}
	})
}
