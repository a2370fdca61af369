package config

import (
	"strings"

	"github.com/peregrinedb/peregrine/internal/glob"
)

// GetPatterns implements CONFIG GET: it returns name/value pairs for the
// directives matching any of the patterns. A pattern without glob
// characters ("*", "?", "[") names one directive or alias exactly (in any
// case, hidden ones included) and is reported under the spelling given;
// other patterns are matched case-insensitively against every name and
// alias except hidden directives, so "slave*" returns the slave-* aliases.
// Each name appears once; pairs come in the order of the patterns, then
// of the table.
func (c *Config) GetPatterns(patterns []string) [][2]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out [][2]string
	seen := make(map[string]bool)
	for _, p := range patterns {
		if !strings.ContainsAny(p, "[*?") {
			key := asciiLower(p)
			e := byName[key]
			if e == nil || seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, [2]string{p, format(e.d, c.vals[e.d.idx])})
			continue
		}
		for i := range entries {
			e := &entries[i]
			if e.d.flags&hidden != 0 || seen[e.name] || !glob.Match(p, e.name, true) {
				continue
			}
			seen[e.name] = true
			out = append(out, [2]string{e.name, format(e.d, c.vals[e.d.idx])})
		}
	}
	return out
}
