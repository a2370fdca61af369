package server

import "fmt"

// Every error reply Peregrine sends is written here, worded byte for byte as
// Redis 7 words it: clients and the Redis test suite match the text.
const (
	errSyntax        = "ERR syntax error"
	errWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errNotInt        = "ERR value is not an integer or out of range"
	errNotFloat      = "ERR value is not a valid float"
	errOverflow      = "ERR increment or decrement would overflow"
	errIncrFloatNaN  = "ERR increment would produce NaN or Infinity"
	errNoSuchKey     = "ERR no such key"
	errDBIndex       = "ERR DB index is out of range"
	errSameObject    = "ERR source and destination objects are the same"
	errNoAuth        = "NOAUTH Authentication required."
	errWrongPass     = "WRONGPASS invalid username-password pair or user is disabled."
	errStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errOffsetRange   = "ERR offset is out of range"
	errInvalidCursor = "ERR invalid cursor"
	errTimeout       = "ERR timeout is not a float or out of range"
	errNotAllowedSub = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
	errNoProto       = "NOPROTO unsupported protocol version"
	errDebugDisabled = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
	errBusyKey       = "BUSYKEY Target key name already exists."
	errClientName    = "ERR Client names cannot contain spaces, newlines or special characters."
	errNoSuchClient  = "ERR No such client"
	errExpireNXXX    = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errExpireGTLT    = "ERR GT and LT options at the same time are not compatible"
	errMaxMemory     = "OOM command not allowed when used memory > 'maxmemory'."

	errBitOffset     = "ERR bit offset is not an integer or out of range"
	errBitValue      = "ERR bit is not an integer or out of range"
	errBitposBit     = "ERR The bit argument must be 1 or 0."
	errBitopNot      = "ERR BITOP NOT must be called with a single source key."
	errBitfieldType  = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitfieldOflow = "ERR Invalid OVERFLOW type specified"
	errBitfieldRO    = "ERR BITFIELD_RO only supports the GET subcommand"

	errMigrateKeysArg = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
)

// errArity is the wrong-arity error for a command ("get") or subcommand ("config|get").
func errArity(name string) string {
	return fmt.Sprintf("ERR wrong number of arguments for '%s' command", name)
}

// errUnknownCommand builds Redis's unknown-command error, quoting up to 128
// bytes of the arguments.
func errUnknownCommand(args [][]byte) string {
	var quoted []byte
	for _, a := range args[1:] {
		a = cString(a)
		if len(quoted) >= 128 {
			break
		}
		room := 128 - len(quoted)
		if len(a) > room {
			a = a[:room]
		}
		quoted = append(quoted, '\'')
		quoted = append(quoted, a...)
		quoted = append(quoted, '\'', ' ')
	}
	return fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", trunc(cString(args[0]), 128), quoted)
}

// errUnknownSubcommand is the error for an unknown subcommand of a container command.
func errUnknownSubcommand(cmd string, sub []byte) string {
	return fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.", trunc(sub, 128), upper(cmd))
}

// errInvalidExpire is the error for an out-of-range expire time.
func errInvalidExpire(cmd string) string {
	return fmt.Sprintf("ERR invalid expire time in '%s' command", cmd)
}

func trunc(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// cString cuts b at its first NUL byte, as Redis's %s formatting does.
func cString(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}
