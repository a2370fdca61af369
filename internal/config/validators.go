package config

import "strings"

// Validators reproduce the extra checks Redis applies to some directives.

// checkActiveDefrag refuses to enable active defragmentation, as Redis
// builds without their bundled jemalloc (such as Debian's) do: Peregrine
// has no defragmenter either.
func checkActiveDefrag(c *Config, v value) string {
	if v.n != 0 {
		return "Active defragmentation cannot be enabled: it requires a Redis server compiled " +
			"with a modified Jemalloc like the one shipped by default with the Redis source distribution"
	}
	return ""
}

func isBaseName(s string) bool {
	return !strings.ContainsAny(s, `/\`)
}

func checkDBFilename(c *Config, v value) string {
	if !isBaseName(v.s) {
		return "dbfilename can't be a path, just a filename"
	}
	return ""
}

func checkAOFFilename(c *Config, v value) string {
	switch {
	case v.s == "":
		return "appendfilename can't be empty"
	case !isBaseName(v.s):
		return "appendfilename can't be a path, just a filename"
	}
	return ""
}

func checkAOFDirname(c *Config, v value) string {
	switch {
	case v.s == "":
		return "appenddirname can't be empty"
	case !isBaseName(v.s):
		return "appenddirname can't be a path, just a dirname"
	}
	return ""
}

// checkShutdownFlags rejects "save" combined with "nosave".
func checkShutdownFlags(c *Config, v value) string {
	const save, nosave = 1, 2
	if v.n&save != 0 && v.n&nosave != 0 {
		return "shutdown options SAVE and NOSAVE can't be used simultaneously"
	}
	return ""
}

// checkHostname validates cluster-announce-hostname.
func checkHostname(c *Config, v value) string {
	if len(v.s) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v.s); i++ {
		ch := v.s[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

// checkProcTitle accepts a proc-title-template whose {variables} are all
// known and which does not expand to an empty (or all-space) title.
func checkProcTitle(c *Config, v value) string {
	const bad = "template format is invalid or contains unknown variables"
	var out strings.Builder
	t := v.s
	for t != "" {
		open := strings.IndexByte(t, '{')
		if open < 0 {
			out.WriteString(t)
			break
		}
		out.WriteString(t[:open])
		t = t[open+1:]
		if t == "" {
			return bad
		}
		if t[0] == '{' {
			out.WriteByte('{')
			t = t[1:]
			continue
		}
		end := strings.IndexByte(t, '}')
		if end < 0 {
			return bad
		}
		switch t[:end] {
		case "title":
			// Validated with an empty title, as Redis does.
		case "listen-addr", "config-file", "port", "tls-port":
			out.WriteString("x") // always non-empty
		case "server-mode":
			if c.boolLocked("cluster-enabled") {
				out.WriteString("[cluster]")
			}
		case "unixsocket":
			out.WriteString(c.vals[mustLookup("unixsocket").idx].s)
		default:
			return bad
		}
		t = t[end+1:]
	}
	if strings.Trim(out.String(), " ") == "" {
		return bad
	}
	return ""
}
