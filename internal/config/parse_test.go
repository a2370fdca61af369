package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		line string
		want []string
		err  bool
	}{
		{"", []string{}, false},
		{"   \t ", []string{}, false},
		{"set foo bar", []string{"set", "foo", "bar"}, false},
		{"  a   b  ", []string{"a", "b"}, false},
		{`"hello world"`, []string{"hello world"}, false},
		{`"a\nb\rc\td\be\af\\g\"h\q"`, []string{"a\nb\rc\td\be\af\\g\"hq"}, false},
		{`"\x41\x4a\x4B\xzz"`, []string{"AJKxzz"}, false},
		{`"\x00"`, []string{"\x00"}, false},
		{`'it\'s' 'a\nb'`, []string{"it's", `a\nb`}, false},
		{`ab"cd" x`, []string{"abcd", "x"}, false},
		{`a'b c'`, []string{"ab c"}, false},
		{`"" ''`, []string{"", ""}, false},
		{`"foo"bar`, nil, true},
		{`'foo'bar`, nil, true},
		{`"unterminated`, nil, true},
		{`'unterminated`, nil, true},
		{`"ends with backslash\`, nil, true},
		{"\"tab\"\tnext", []string{"tab", "next"}, false},
		{"\"vt\"\vnext", []string{"vt", "next"}, false},
		{"a\vb", []string{"a\vb"}, false}, // \v does not end an unquoted word
		{"a\x00b c", []string{"a"}, false},
	}
	for _, tc := range cases {
		got, err := SplitArgs(tc.line)
		if (err != nil) != tc.err {
			t.Errorf("SplitArgs(%q) error = %v", tc.line, err)
			continue
		}
		if !tc.err && !slices.Equal(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", tc.line, got, tc.want)
		}
		if tc.err && !errors.Is(err, ErrUnbalancedQuotes) {
			t.Errorf("SplitArgs(%q) error = %v", tc.line, err)
		}
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "a b", `q"uote`, `back\slash`, "nl\n\r\t\a\b", "\x00\x01\x7f\x80\xff", "it's"} {
		q := Quote(s)
		got, err := SplitArgs(q)
		if err != nil || len(got) != 1 || got[0] != s {
			t.Errorf("SplitArgs(Quote(%q)) = %q, %v (quoted %s)", s, got, err, q)
		}
	}
	if got := Quote("a\"b\\c\x01é"); got != `"a\"b\\c\x01\xc3\xa9"` {
		t.Errorf("Quote = %s", got)
	}
}

func TestLoadString(t *testing.T) {
	c := New()
	text := strings.Join([]string{
		"# a comment",
		"   # an indented comment",
		"",
		"PORT 7000",
		"  maxmemory   \"100mb\"  ",
		"Slave-Read-Only no",
		"save 900 1",
		"save \"300 10\"",
		"bind 127.0.0.1 \"::1\"",
		"requirepass \"p@ss word\\x21\"",
		"rename-command CONFIG \"\"",
		"rename-command flushall wipe",
		"user alice on >pw ~* +@all",
		"user bob off",
		"list-max-ziplist-entries 512",
		"lua-replicate-commands yes",
		"sentinel",
		"hz 1000\r",
		"\v",
	}, "\n")
	if err := c.LoadString(text); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"port": "7000", "maxmemory": "104857600", "replica-read-only": "no",
		"save": "900 1 300 10", "bind": "127.0.0.1 ::1", "requirepass": "p@ss word!", "hz": "500",
	}
	for name, w := range want {
		if got := c.String(name); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	if got := c.Renames(); len(got) != 2 || got["config"] != "" || got["flushall"] != "wipe" {
		t.Errorf("renames = %q", got)
	}
	if got := c.Users(); !slices.Equal(got, []string{"user alice on >pw ~* +@all", "user bob off"}) {
		t.Errorf("users = %q", got)
	}
	if c.File() != "" {
		t.Errorf("File() = %q after LoadString", c.File())
	}
}

func TestSaveAccumulation(t *testing.T) {
	cases := []struct {
		text, args []string
		want       string
	}{
		{nil, nil, "3600 1 300 100 60 10000"},
		{[]string{"save 900 1"}, nil, "900 1"},
		{[]string{"save 900 1", "save 60 2"}, nil, "900 1 60 2"},
		{[]string{"save 900 1", `save ""`}, nil, ""},
		{[]string{`save ""`, "save 60 2"}, nil, "60 2"},
		{[]string{"save 900 1"}, []string{"--save", "100", "100"}, "900 1 100 100"},
		{[]string{"save 900 1"}, []string{"--save", ""}, ""},
		{nil, []string{"--save"}, ""},
		{nil, []string{"--save", "--port", "1"}, ""},
		{nil, []string{"--save", "1 2", "--save", "3 4"}, "1 2 3 4"},
	}
	for _, tc := range cases {
		c := New()
		if err := c.LoadString(strings.Join(tc.text, "\n")); err != nil {
			t.Fatal(err)
		}
		if err := c.LoadArgs(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := c.String("save"); got != tc.want {
			t.Errorf("%q %q: save = %q, want %q", tc.text, tc.args, got, tc.want)
		}
		// CONFIG SET replaces.
		if err := c.Set([][2]string{{"save", "5 5"}}); err != nil || c.String("save") != "5 5" {
			t.Errorf("CONFIG SET save: %v %q", err, c.String("save"))
		}
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		text   string
		line   int
		reason string
	}{
		{"port 0\nmaxmemory foo", 2, "argument must be a memory value"},
		{"nosuch directive", 1, "Bad directive or wrong number of arguments"},
		{"port", 1, "wrong number of arguments"},
		{"port 1 2", 1, "wrong number of arguments"},
		{"include", 1, "Bad directive or wrong number of arguments"},
		{"rename-command a", 1, "Bad directive or wrong number of arguments"},
		{"list-max-ziplist-entries 1 2", 1, "Bad directive or wrong number of arguments"},
		{"port \"1", 1, "Unbalanced quotes in configuration line"},
		{"daemonize maybe", 1, "argument must be 'yes' or 'no'"},
		{"databases 0", 1, "argument must be between 1 and 2147483647 inclusive"},
		{"port x", 1, "argument couldn't be parsed into an integer"},
		{"unixsocketperm 8", 1, "argument couldn't be parsed as an octal number"},
		{"unixsocketperm 1000", 1, "argument must be between 0 and 777 inclusive"},
		{"save 1", 1, "Invalid save parameters"},
		{"loglevel x", 1, "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"loadmodule /x.so", 1, "Modules are not supported"},
		{"mymodule.opt", 1, "Module config specified without value"},
		{"sentinel monitor a", 1, "sentinel directive while not in sentinel mode"},
		{"replicaof a b", 1, "Invalid master port"},
		{"replicaof a", 1, "wrong number of arguments"},
		{"dir /nonexistent/dir", 1, "No such file or directory"},
		{"dbfilename a/b", 1, "dbfilename can't be a path, just a filename"},
		{"appenddirname \"\"", 1, "appenddirname can't be empty"},
		{"cluster-announce-hostname " + strings.Repeat("a", 256), 1, "Hostnames must be less than 256 characters"},
		{"oom-score-adj-values \"1 2\"", 1, "wrong number of arguments"},
		{"\n\n  # c\nport 0\n\t maxmemory-policy   nope  ", 5, "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
	}
	for _, tc := range cases {
		c := New()
		err := c.LoadString(tc.text)
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%q: err = %v, want *FileError", tc.text, err)
			continue
		}
		if fe.Line != tc.line || fe.Reason != tc.reason {
			t.Errorf("%q: line %d reason %q, want line %d reason %q", tc.text, fe.Line, fe.Reason, tc.line, tc.reason)
		}
		lines := strings.Split(tc.text, "\n")
		if want := strings.Trim(lines[tc.line-1], " \t\r\n"); fe.Text != want {
			t.Errorf("%q: text %q, want %q", tc.text, fe.Text, want)
		}
	}
	fe := &FileError{Line: 2, Text: "maxmemory foo", Reason: "argument must be a memory value"}
	want := "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'maxmemory foo'\nargument must be a memory value"
	if fe.Error() != want {
		t.Errorf("Error() = %q", fe.Error())
	}
	fe = &FileError{Reason: "replicaof directive not allowed in cluster mode"}
	if fe.Error() != "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode" {
		t.Errorf("Error() = %q", fe.Error())
	}
}

func TestLoadFileAndInclude(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("conf.d/a.conf", "timeout 10\nsave 1 1\n")
	write("conf.d/b.conf", "timeout 20\n")
	write("other.conf", "tcp-keepalive 7\n")
	main := write("main.conf", "save 2 2\ninclude "+filepath.Join(dir, "conf.d", "*.conf")+
		"\ninclude "+filepath.Join(dir, "empty.d", "*.conf")+"\ndir "+dir+"\ninclude other.conf\n")

	c := New()
	if err := c.LoadFile(main); err != nil {
		t.Fatal(err)
	}
	if c.File() != main {
		t.Errorf("File() = %q", c.File())
	}
	for name, want := range map[string]string{"timeout": "20", "save": "2 2 1 1", "tcp-keepalive": "7"} {
		if got := c.String(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	// Errors inside an included file report that file's line.
	bad := write("bad.conf", "\n\nmaxmemory x\n")
	c = New()
	err := c.LoadString("port 1\ninclude " + bad)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 3 || fe.File != bad {
		t.Errorf("include error = %#v", err)
	}

	// Missing files.
	err = New().LoadFile(filepath.Join(dir, "missing.conf"))
	if err == nil || err.Error() != "Fatal error, can't open config file '"+filepath.Join(dir, "missing.conf")+"': No such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error does not unwrap: %v", err)
	}
	err = New().LoadString("include " + filepath.Join(dir, "missing.conf"))
	if err == nil || !strings.Contains(err.Error(), "can't open config file") {
		t.Errorf("missing include: %v", err)
	}

	// Include cycles are cut off.
	loop := write("loop.conf", "include "+filepath.Join(dir, "loop.conf")+"\n")
	if err := New().LoadFile(loop); err == nil || !strings.Contains(err.Error(), "Too many nested include") {
		t.Errorf("include loop: %v", err)
	}

	// The log file must be writable.
	c = New()
	if err := c.LoadString("logfile " + filepath.Join(dir, "redis.log")); err != nil {
		t.Errorf("logfile: %v", err)
	}
	err = New().LoadString("logfile " + filepath.Join(dir, "nodir", "x.log"))
	if err == nil || err.Error() != "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory" {
		t.Errorf("bad logfile: %q", err)
	}
}

func TestRenameCommandChecks(t *testing.T) {
	commands := map[string]bool{"get": true, "set": true, "config": true}
	newConfig := func() *Config {
		c := New()
		c.SetCommandLookup(func(name string) bool { return commands[name] })
		return c
	}
	c := newConfig()
	if err := c.LoadString("rename-command GET fetch\nrename-command fetch grab\nrename-command config \"\""); err != nil {
		t.Fatal(err)
	}
	if got := c.Renames(); got["get"] != "grab" || got["config"] != "" || len(got) != 2 {
		t.Errorf("renames = %q", got)
	}
	for text, reason := range map[string]string{
		"rename-command nosuch x":                             "No such command in rename-command",
		"rename-command get x\nrename-command get y":          "No such command in rename-command",
		"rename-command get set":                              "Target command name already exists",
		"rename-command get x\nrename-command set X":          "Target command name already exists",
		"rename-command config \"\"\nrename-command config a": "No such command in rename-command",
	} {
		var fe *FileError
		if err := newConfig().LoadString(text); !errors.As(err, &fe) || fe.Reason != reason {
			t.Errorf("%q: %v, want %q", text, err, reason)
		}
	}
	if err := newConfig().LoadString("rename-command get get"); err != nil {
		t.Errorf("renaming to itself: %v", err)
	}
}

func TestLoadArgs(t *testing.T) {
	cases := []struct {
		args []string
		want map[string]string
	}{
		{[]string{"--port", "7000", "--save", "", "--loglevel", "verbose"},
			map[string]string{"port": "7000", "save": "", "loglevel": "verbose"}},
		{[]string{"--maxmemory 700mb", "--maxmemory-policy volatile-lru"},
			map[string]string{"maxmemory": "734003200", "maxmemory-policy": "volatile-lru"}},
		{[]string{"--proc-title-template", "--my--title--template", "--loglevel", "verbose"},
			map[string]string{"proc-title-template": "--my--title--template", "loglevel": "verbose"}},
		{[]string{"--proc-title-template", "--save", "--save", "", "--loglevel", "verbose"},
			map[string]string{"proc-title-template": "--save", "save": "", "loglevel": "verbose"}},
		{[]string{"--save", "--loglevel", "verbose"}, map[string]string{"save": "", "loglevel": "verbose"}},
		{[]string{"--shutdown-on-sigint", "nosave", "force", "now", "--shutdown-on-sigterm", "nosave force"},
			map[string]string{"shutdown-on-sigint": "nosave now force", "shutdown-on-sigterm": "nosave force"}},
		{[]string{"--requirepass", "a b\"c'd\\e\n"}, map[string]string{"requirepass": "a b\"c'd\\e\n"}},
		{[]string{"--bind", "1.2.3.4", "5.6.7.8", "--sentinel"}, map[string]string{"bind": "1.2.3.4 5.6.7.8"}},
		{[]string{"--sentinel", "--port", "1"}, map[string]string{"port": "1"}},
		{[]string{"--SLAVEOF", "h", "5"}, map[string]string{"replicaof": "h 5"}},
		{nil, map[string]string{"port": "6379"}},
	}
	for _, tc := range cases {
		c := New()
		if err := c.LoadArgs(tc.args); err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		for name, want := range tc.want {
			if got := c.String(name); got != want {
				t.Errorf("%q: %s = %q, want %q", tc.args, name, got, want)
			}
		}
	}

	errCases := []struct {
		args []string
		line int
		text string
	}{
		{[]string{"--port"}, 2, "port"},
		{[]string{"--port", "6379", "6380"}, 2, `port "6379" "6380"`},
		{[]string{"--port", "--loglevel", "verbose"}, 2, `port "--loglevel" "verbose"`},
		{[]string{"--port", "--bla", "--loglevel", "verbose"}, 2, `port "--bla"`},
		{[]string{"--logfile", "--my--log--file", "--loglevel", "--bla"}, 3, `loglevel "--bla"`},
		{[]string{"--replicaof", "--127.0.0.1", "--abc"}, 2, `replicaof "--127.0.0.1"`},
		{[]string{"--port", "1", "--maxmemory", "x y"}, 3, `maxmemory "x y"`},
	}
	for _, tc := range errCases {
		var fe *FileError
		if err := New().LoadArgs(tc.args); !errors.As(err, &fe) || fe.Line != tc.line || fe.Text != tc.text {
			t.Errorf("%q: %#v, want line %d text %q", tc.args, err, tc.line, tc.text)
		}
	}

	// Line numbers continue after the configuration loaded before.
	c := New()
	if err := c.LoadString("port 1\n# two\n"); err != nil {
		t.Fatal(err)
	}
	var fe *FileError
	if err := c.LoadArgs([]string{"--timeout", "1", "--maxmemory", "x"}); !errors.As(err, &fe) || fe.Line != 5 {
		t.Errorf("line after file: %#v", err)
	}

	for _, args := range [][]string{{"-"}, {"--port", "1", "-"}} {
		if err := New().LoadArgs(args); !errors.Is(err, ErrStdinConfig) {
			t.Errorf("%q: %v", args, err)
		}
	}
	// A "-" in the middle is an ordinary value.
	if err := New().LoadArgs([]string{"--bind", "-", "x"}); err != nil {
		t.Errorf("middle dash: %v", err)
	}
}
