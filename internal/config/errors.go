package config

import (
	"errors"
	"io/fs"
	"strconv"
	"syscall"
)

// RedisVersion is the Redis release whose behaviour and messages this
// package reproduces; it appears in start-up errors.
const RedisVersion = "7.0.15"

// FileError is a fatal error in a configuration file or in the
// command-line options, reported the way redis-server reports it.
type FileError struct {
	// Line is the 1-based line number, or 0 for errors found after the
	// whole configuration was read (they have no line).
	Line int
	// Text is the offending line, trimmed of surrounding white space.
	Text string
	// Reason is Redis's explanation, e.g. "argument must be a memory value".
	Reason string
	// File is the file being read when the error occurred ("" for
	// LoadString and LoadArgs). It is informational: Redis does not print it.
	File string
}

// Error returns the message redis-server prints on standard error before
// exiting with status 1, starting with an empty line and without a final
// newline:
//
//	*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
//	Reading the configuration file, at line 2
//	>>> 'maxmemory foo'
//	argument must be a memory value
func (e *FileError) Error() string {
	s := "\n*** FATAL CONFIG FILE ERROR (Redis " + RedisVersion + ") ***\n"
	if e.Line > 0 {
		s += "Reading the configuration file, at line " + strconv.Itoa(e.Line) + "\n" +
			">>> '" + e.Text + "'\n"
	}
	return s + e.Reason
}

// strerror returns the C library's message for the error behind err, such
// as "No such file or directory", as Redis prints it with strerror(3).
func strerror(err error) string {
	var errno syscall.Errno
	var msg string
	switch {
	case errors.As(err, &errno):
		msg = errno.Error()
	case errors.Is(err, fs.ErrNotExist):
		msg = "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		msg = "permission denied"
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		} else {
			msg = err.Error()
		}
	}
	if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return msg
}
