package config

import (
	"os"
	"path/filepath"
	"strings"
)

// maxIncludeDepth bounds nested include directives (Redis has no limit and
// recurses forever on a cycle).
const maxIncludeDepth = 32

// LoadFile reads a redis.conf file. Directives override the current
// values in order; see LoadString for the syntax. The file's absolute
// path becomes File(), the target of Rewrite. On error the Config may be
// partly loaded: like redis-server, the caller is expected to print the
// error and exit. Configuration errors are *FileError values.
func (c *Config) LoadFile(path string) error {
	c.op.Lock()
	defer c.op.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	c.file = abs
	text, err := os.ReadFile(abs)
	if err != nil {
		return openError(abs, err)
	}
	c.newlines += strings.Count(string(text), "\n")
	if err := c.loadText(string(text), abs, 1, 0); err != nil {
		return err
	}
	return c.finishLoad()
}

// LoadString reads configuration directives from memory, in redis.conf
// syntax: one directive per line, arguments split by SplitArgs, '#'
// comments, case-insensitive directive names. Repeated "save" lines
// accumulate (`save ""` clears them), "include" reads another file
// (relative paths resolve against "dir"; wildcards are expanded and may
// match nothing), "rename-command" and "user" lines are recorded for the
// server (Renames, Users), and "loadmodule" is rejected.
func (c *Config) LoadString(text string) error {
	c.op.Lock()
	defer c.op.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.newlines += strings.Count(text, "\n")
	if err := c.loadText(text, "", 1, 0); err != nil {
		return err
	}
	return c.finishLoad()
}

func openError(path string, err error) error {
	return &openFileError{path: path, err: err}
}

// openFileError is returned when a configuration file cannot be read.
type openFileError struct {
	path string
	err  error
}

// Error returns the message redis-server logs before exiting.
func (e *openFileError) Error() string {
	return "Fatal error, can't open config file '" + e.path + "': " + strerror(e.err)
}

// Unwrap returns the underlying I/O error.
func (e *openFileError) Unwrap() error { return e.err }

// loadText applies configuration text whose first line is numbered
// first. c.mu must be held.
func (c *Config) loadText(text, file string, first, depth int) error {
	for i, raw := range strings.Split(text, "\n") {
		line := strings.Trim(cstr(raw), " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(reason string) error {
			return &FileError{Line: first + i, Text: line, Reason: reason, File: file}
		}
		args, err := SplitArgs(line)
		if err != nil {
			return fail("Unbalanced quotes in configuration line")
		}
		if len(args) == 0 {
			continue
		}
		args[0] = asciiLower(args[0])
		if e := byName[args[0]]; e != nil {
			if reason := c.loadDirective(e.d, args); reason != "" {
				return fail(reason)
			}
			continue
		}
		if len(args) == 2 && isDeprecated(args[0]) {
			continue
		}
		if err := c.loadOther(args, line, depth); err != nil {
			if reason, ok := err.(reasonError); ok {
				return fail(string(reason))
			}
			return err
		}
	}
	return nil
}

// reasonError is a configuration error to be reported at the current line.
type reasonError string

// Error returns the reason.
func (r reasonError) Error() string { return string(r) }

func isDeprecated(name string) bool {
	for _, d := range deprecatedDirectives {
		if d == name {
			return true
		}
	}
	return false
}

// loadDirective applies one line naming a table directive.
func (c *Config) loadDirective(d *directive, args []string) string {
	multi := d.flags&multiArg != 0
	if !multi && len(args) != 2 {
		return "wrong number of arguments"
	}
	vals := args[1:]
	if multi && len(args) == 2 && args[1] != "" {
		// --save "900 1" style: a single argument holding several values.
		// Unbalanced quotes inside it yield no values at all, as in Redis.
		vals, _ = SplitArgs(args[1])
	}
	v, reason := c.parse(d, c.vals[d.idx], vals, true)
	if reason != "" {
		return reason
	}
	c.vals[d.idx] = v
	return ""
}

// parse validates and converts arguments for d; cur is its current value.
func (c *Config) parse(d *directive, cur value, args []string, loading bool) (value, string) {
	var v value
	var reason string
	if d.kind == kindSpecial {
		v, reason = d.spec.parse(c, cur, args, loading)
	} else {
		v, reason = c.parseStandard(d, args)
	}
	if reason != "" {
		return value{}, reason
	}
	return normalize(d, v), ""
}

// loadOther handles the directives that are not configuration values.
func (c *Config) loadOther(args []string, line string, depth int) error {
	name := args[0]
	switch {
	case name == "include" && len(args) == 2:
		return c.include(args[1], depth)
	case name == "rename-command" && len(args) == 3:
		return c.renameCommand(args[1], args[2])
	case name == "user" && len(args) >= 2:
		c.users = append(c.users, line)
		return nil
	case name == "loadmodule" && len(args) >= 2:
		return reasonError("Modules are not supported")
	case strings.Contains(name, "."):
		if len(args) < 2 {
			return reasonError("Module config specified without value")
		}
		return reasonError("Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting")
	case name == "sentinel":
		// A bare "sentinel" selects sentinel mode from main() in Redis.
		if len(args) != 1 {
			return reasonError("sentinel directive while not in sentinel mode")
		}
		return nil
	}
	return reasonError("Bad directive or wrong number of arguments")
}

// include reads another configuration file. Paths with wildcards are
// expanded; a pattern matching nothing is silently skipped.
func (c *Config) include(path string, depth int) error {
	if depth >= maxIncludeDepth {
		return reasonError("Too many nested include directives")
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.vals[mustLookup("dir").idx].s, path)
	}
	files := []string{path}
	if strings.ContainsAny(path, "*?[") {
		files, _ = filepath.Glob(path)
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return openError(f, err)
		}
		if err := c.loadText(string(text), f, 1, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// renameCommand applies rename-command: the command currently reachable
// as from becomes reachable as to (or disappears when to is ""). Renames
// maps original names to final names, so chains collapse. Names are
// checked against the server's command table when one was provided.
func (c *Config) renameCommand(from, to string) error {
	orig, ok := c.originalCommand(asciiLower(from))
	if !ok {
		return reasonError("No such command in rename-command")
	}
	c.renames[orig] = ""
	if to != "" {
		if _, taken := c.originalCommand(asciiLower(to)); taken && c.commandExists != nil {
			return reasonError("Target command name already exists")
		}
		c.renames[orig] = to
	}
	return nil
}

// originalCommand returns the original command currently reachable under
// name. Without a command table every name that was not renamed away
// counts as a command.
func (c *Config) originalCommand(name string) (string, bool) {
	for orig, to := range c.renames {
		if to != "" && asciiLower(to) == name {
			return orig, true
		}
	}
	if _, renamed := c.renames[name]; renamed {
		return "", false
	}
	if c.commandExists == nil {
		return name, true
	}
	return name, c.commandExists(name)
}

// finishLoad runs Redis's checks at the end of a configuration read.
func (c *Config) finishLoad() error {
	logfile := c.vals[mustLookup("logfile").idx].s
	if logfile != "" {
		path := logfile
		if !filepath.IsAbs(path) {
			path = filepath.Join(c.vals[mustLookup("dir").idx].s, path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return &FileError{Reason: "Can't open the log file: " + strerror(err)}
		}
		f.Close()
	}
	if c.boolLocked("cluster-enabled") && c.vals[mustLookup("replicaof").idx].s != "" {
		return &FileError{Reason: "replicaof directive not allowed in cluster mode"}
	}
	return nil
}
