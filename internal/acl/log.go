package acl

// Log contexts.
const (
	CtxToplevel = "toplevel"
	CtxMulti    = "multi"
	CtxLua      = "lua"
)

// groupingWindow is how close in time two similar entries must be to merge.
const groupingWindow = 60000

// LogEntry is one ACL LOG entry.
type LogEntry struct {
	Count      int64
	Reason     Result
	Context    string
	Object     string
	Username   string
	Ctime      int64 // ms of the last update
	ClientInfo string
}

// ReasonString is the entry's reason as ACL LOG prints it.
func (e *LogEntry) ReasonString() string {
	switch e.Reason {
	case DeniedCmd:
		return "command"
	case DeniedKey:
		return "key"
	case DeniedChannel:
		return "channel"
	case DeniedAuth:
		return "auth"
	}
	return "unknown"
}

// Log is the ACL LOG, newest entry first. Not safe for concurrent use.
type Log struct {
	entries []*LogEntry
}

// Add records a denial, merging it into one of the ten newest entries when
// it has the same reason, context, object and user and happened within a
// minute; max is acllog-max-len.
func (l *Log) Add(e LogEntry, max int) {
	e.Count = 1
	for i := 0; i < len(l.entries) && i < 10; i++ {
		c := l.entries[i]
		d := c.Ctime - e.Ctime
		if d < 0 {
			d = -d
		}
		if c.Reason == e.Reason && c.Context == e.Context && d <= groupingWindow && c.Object == e.Object && c.Username == e.Username {
			c.ClientInfo, c.Ctime = e.ClientInfo, e.Ctime
			c.Count++
			copy(l.entries[1:i+1], l.entries[:i])
			l.entries[0] = c
			return
		}
	}
	l.entries = append(l.entries, nil)
	copy(l.entries[1:], l.entries)
	l.entries[0] = &e
	l.Trim(max)
}

// Trim drops the oldest entries beyond max.
func (l *Log) Trim(max int) {
	if max < 0 {
		max = 0
	}
	for len(l.entries) > max {
		l.entries[len(l.entries)-1] = nil
		l.entries = l.entries[:len(l.entries)-1]
	}
}

// Reset empties the log.
func (l *Log) Reset() { l.entries = nil }

// Entries returns up to n newest entries.
func (l *Log) Entries(n int) []*LogEntry {
	if n > len(l.entries) {
		n = len(l.entries)
	}
	if n < 0 {
		n = 0
	}
	return l.entries[:n]
}
