package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// Handler receives what Load reads. Nil callbacks ignore their records.
type Handler struct {
	// Limits decide the encoding of loaded collections.
	Limits Limits
	// VerifyChecksum checks the CRC64 footer (rdbchecksum, unless
	// skip-checksum-validation); a zero footer means "not computed".
	VerifyChecksum bool
	// Aux receives each aux field.
	Aux func(name, value []byte) error
	// Function receives the code of each function library.
	Function func(code []byte) error
	// ResizeDB receives the size hints of a database section.
	ResizeDB func(db int, keys, expires uint64)
	// Key receives each key with its value (Expire set from the file),
	// its LRU idle seconds (-1 when absent) and LFU counter (-1 when
	// absent). Returning an error stops the load. The key's bytes are
	// valid only during the call (the next key reuses them), and so are
	// those of a string value of up to ShortString bytes.
	Key func(db int, key []byte, e keyspace.Entry, idle int64, freq int) error
	// Skipped receives keys whose value is an empty collection (Redis
	// skips them with a warning); the key is valid during the call only.
	Skipped func(db int, key []byte)
	// Exact makes Load read nothing past the checksum, so the stream can
	// go on with other data (an AOF's RDB preamble). Reads are then as
	// small as the fields: give it a buffered source.
	Exact bool
}

// ErrChecksum reports a file whose CRC64 footer does not match its bytes.
var ErrChecksum = errors.New("RDB CRC error")

// Info describes a loaded file.
type Info struct {
	Version  int
	Bytes    int64
	Checksum uint64 // as stored in the file (0 when not computed)
}

// Load reads a whole RDB stream, calling h for each record. It fails,
// without partial success being reported as success, on a bad header, an
// unknown type or opcode, a truncated file or a checksum mismatch; the
// caller decides what to do with what it received before the error.
func Load(src io.Reader, h *Handler) (Info, error) {
	r := newReader(src)
	r.exact = h.Exact
	info, err := load(r, h)
	if err != nil {
		return info, fmt.Errorf("%w (at byte %d)", err, r.Offset())
	}
	return info, nil
}

func load(r *reader, h *Handler) (Info, error) {
	var info Info
	hdr, err := r.next(9)
	if err != nil {
		return info, errors.New("rdb: file too short for the RDB header")
	}
	if string(hdr[:5]) != "REDIS" {
		return info, errors.New("rdb: wrong signature trying to load the DB (not an RDB file)")
	}
	version := 0
	for _, c := range hdr[5:] {
		if c < '0' || c > '9' {
			return info, fmt.Errorf("rdb: bad version field %q", hdr[5:])
		}
		version = version*10 + int(c-'0')
	}
	if version < 1 || version > Version {
		return info, fmt.Errorf("rdb: can't handle RDB format version %d", version)
	}
	info.Version = version
	db := 0
	var expire int64
	idle, freq := int64(-1), -1
	keyBuf, valBuf := make([]byte, 0, 64), make([]byte, 0, ShortString)
	for {
		op, err := r.byte()
		if err != nil {
			return info, err
		}
		switch op {
		case opExpireTime:
			b, err := r.next(4)
			if err != nil {
				return info, err
			}
			expire = int64(int32(binary.LittleEndian.Uint32(b))) * 1000
			continue
		case opExpireTimeMs:
			b, err := r.next(8)
			if err != nil {
				return info, err
			}
			expire = int64(binary.LittleEndian.Uint64(b))
			continue
		case opIdle:
			n, err := r.plainLen()
			if err != nil {
				return info, err
			}
			idle = int64(n)
			continue
		case opFreq:
			c, err := r.byte()
			if err != nil {
				return info, err
			}
			freq = int(c)
			continue
		case opSelectDB:
			n, err := r.plainLen()
			if err != nil {
				return info, err
			}
			if n > 1<<20 {
				return info, fmt.Errorf("rdb: database number %d out of range", n)
			}
			db = int(n)
			continue
		case opResizeDB:
			keys, err := r.plainLen()
			if err != nil {
				return info, err
			}
			exp, err := r.plainLen()
			if err != nil {
				return info, err
			}
			if h.ResizeDB != nil {
				h.ResizeDB(db, keys, exp)
			}
			continue
		case opAux:
			name, err := r.str()
			if err != nil {
				return info, err
			}
			value, err := r.str()
			if err != nil {
				return info, err
			}
			if h.Aux != nil {
				if err := h.Aux(name, value); err != nil {
					return info, err
				}
			}
			continue
		case opModuleAux:
			return info, errors.New("rdb: the file holds module data, which Peregrine cannot load")
		case opFunction2, opFunction:
			code, err := readFunction(r, op)
			if err != nil {
				return info, err
			}
			if h.Function != nil {
				if err := h.Function(code); err != nil {
					return info, err
				}
			}
			continue
		case opEOF:
			info.Bytes = r.Offset()
			if version < 5 {
				return info, nil
			}
			computed := r.sum()
			b, err := r.next(8)
			if err != nil {
				return info, errors.New("rdb: file ends before the checksum")
			}
			info.Checksum = binary.LittleEndian.Uint64(b)
			info.Bytes += 8
			if h.VerifyChecksum && info.Checksum != 0 && info.Checksum != computed {
				return info, fmt.Errorf("%w: wrong RDB checksum expected: (%x) got (%x)", ErrChecksum, info.Checksum, computed)
			}
			return info, nil
		}
		key, err := r.strInto(keyBuf, lzfInPlace)
		if err != nil {
			return info, err
		}
		keyBuf = key[:0:cap(key)]
		var e keyspace.Entry
		if op == TypeString {
			// Short strings are read into a reused buffer: the keyspace
			// copies them into the key's node.
			e, err = readShortString(r, valBuf)
			if err == nil && len(e.Str) <= ShortString {
				valBuf = e.Str[:0:cap(e.Str)]
			}
		} else {
			e, err = readValue(r, op, &h.Limits)
		}
		switch {
		case errors.Is(err, ErrEmptyKey):
			if h.Skipped != nil {
				h.Skipped(db, key)
			}
		case err != nil:
			return info, fmt.Errorf("%w (key %q)", err, key)
		case h.Key != nil:
			e.Expire = expire
			if err := h.Key(db, key, e, idle, freq); err != nil {
				return info, err
			}
		}
		expire, idle, freq = 0, -1, -1
	}
}

// readFunction reads a function library record: the code (FUNCTION2) or,
// from 7.0 release candidates, name, engine, description and body, from
// which the code with its shebang is rebuilt.
func readFunction(r *reader, op byte) ([]byte, error) {
	if op == opFunction2 {
		return r.str()
	}
	name, err := r.str()
	if err != nil {
		return nil, err
	}
	engine, err := r.str()
	if err != nil {
		return nil, err
	}
	hasDesc, err := r.plainLen()
	if err != nil {
		return nil, err
	}
	if hasDesc != 0 {
		if _, err := r.str(); err != nil {
			return nil, err
		}
	}
	body, err := r.str()
	if err != nil {
		return nil, err
	}
	code := fmt.Appendf(nil, "#!%s name=%s\n", engine, name)
	return append(code, body...), nil
}

// ShortString is the longest string value Load hands to Handler.Key in
// reused memory (longer ones are allocated for the receiver to keep).
const ShortString = 128

// readShortString reads a string value, into scratch when it is at most
// ShortString bytes long.
func readShortString(r *reader, scratch []byte) (keyspace.Entry, error) {
	s, err := r.strInto(scratch, ShortString)
	if err != nil {
		return keyspace.Entry{}, err
	}
	return keyspace.Entry{Type: keyspace.TypeString, Str: s, Enc: keyspace.StringEncoding(s)}, nil
}
