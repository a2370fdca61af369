package script

import (
	"bytes"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// Flags are the script flags a shebang (`#!lua flags=...`) or
// redis.register_function declares.
type Flags uint8

// Script flags, in the order Redis lists them.
const (
	FlagNoWrites Flags = 1 << iota
	FlagAllowOOM
	FlagAllowStale
	FlagNoCluster
	FlagAllowCrossSlot
	// FlagEvalCompat marks an EVAL script without a shebang: it runs in
	// Redis's backwards-compatible mode, where the command's own flags
	// decide (no declared flags at all).
	FlagEvalCompat
)

// flagNames are the flag words, in Redis's order (FUNCTION LIST reports
// them in this order).
var flagNames = [...]struct {
	f    Flags
	name string
}{
	{FlagNoWrites, "no-writes"},
	{FlagAllowOOM, "allow-oom"},
	{FlagAllowStale, "allow-stale"},
	{FlagNoCluster, "no-cluster"},
	{FlagAllowCrossSlot, "allow-cross-slot-keys"},
}

// Names returns the declared flags' names in Redis's order.
func (f Flags) Names() []string {
	var out []string
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// Has reports whether every flag of g is set.
func (f Flags) Has(g Flags) bool { return f&g == g }

// lookupFlag finds a flag word; register_function matches it
// case-insensitively, the EVAL shebang exactly.
func lookupFlag(name string, fold bool) (Flags, bool) {
	for _, fn := range flagNames {
		if fn.name == name || fold && equalFold(fn.name, name) {
			return fn.f, true
		}
	}
	return 0, false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// parseEvalShebang reads the shebang line of an EVAL script. It returns
// the declared flags (FlagEvalCompat without a shebang) and where the Lua
// code starts: at the newline ending the shebang, so line numbers in error
// messages stay the user's.
func parseEvalShebang(body []byte) (Flags, int, error) {
	if !bytes.HasPrefix(body, []byte("#!")) {
		return FlagEvalCompat, 0, nil
	}
	end := bytes.IndexByte(body, '\n')
	if end < 0 {
		return 0, 0, newErr("Invalid script shebang")
	}
	parts, ok := resp.SplitArgs(body[:end], nil)
	if !ok || len(parts) == 0 {
		return 0, 0, newErr("Invalid engine in script shebang")
	}
	if string(parts[0]) != "#!lua" {
		return 0, 0, newErr("Unexpected engine in script shebang: " + string(parts[0]))
	}
	var flags Flags
	for _, p := range parts[1:] {
		if !bytes.HasPrefix(p, []byte("flags=")) {
			return 0, 0, newErr("Unknown lua shebang option: " + string(p))
		}
		list := p[len("flags="):]
		// Like sdssplitlen, an empty list declares no flag while an
		// empty element between commas is an unknown flag.
		if len(list) == 0 {
			continue
		}
		for _, w := range bytes.Split(list, []byte(",")) {
			f, ok := lookupFlag(string(w), false)
			if !ok {
				return 0, 0, newErr("Unexpected flag in script shebang: " + string(w))
			}
			flags |= f
		}
	}
	return flags, end, nil
}

// libraryMeta is what a library's shebang declares.
type libraryMeta struct {
	engine string
	name   string
	// code is the Lua code: the library text from the newline that ends
	// the shebang line.
	code []byte
}

// parseLibraryMeta reads `#!<engine> name=<name>` from a library's code.
func parseLibraryMeta(code []byte) (libraryMeta, error) {
	var md libraryMeta
	if !bytes.HasPrefix(code, []byte("#!")) {
		return md, newErr("Missing library metadata")
	}
	end := bytes.IndexByte(code, '\n')
	if end < 0 {
		return md, newErr("Invalid library metadata")
	}
	parts, ok := resp.SplitArgs(code[:end], nil)
	if !ok || len(parts) == 0 {
		return md, newErr("Invalid library metadata")
	}
	md.engine = string(parts[0][2:])
	seenName := false
	for _, p := range parts[1:] {
		if len(p) >= 5 && equalFold(string(p[:5]), "name=") {
			if seenName {
				return md, newErr("Invalid metadata value, name argument was given multiple times")
			}
			seenName = true
			md.name = string(p[5:])
			continue
		}
		return md, newErr("Invalid metadata value given: " + string(p))
	}
	if !seenName {
		return md, newErr("Library name was not given")
	}
	md.code = code[end:]
	return md, nil
}

// validName reports whether a library or function name is made of
// letters, digits and underscores (and is not empty).
func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
