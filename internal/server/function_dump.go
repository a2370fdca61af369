package server

import (
	"github.com/peregrinedb/peregrine/internal/rdb"
)

// FUNCTION DUMP / RESTORE payloads, in Redis's format: the libraries as
// the RDB stores them (opcode RDB_OPCODE_FUNCTION2 then the library code
// as an RDB string), then the RDB version and CRC64 footer of every DUMP
// payload (rdb.SealPayload).

const (
	rdbOpcodeFunction  = 246 // 7.0 release candidates: name, engine, description, code
	rdbOpcodeFunction2 = 245 // the code, shebang included
)

// functionDumpPayload serializes library codes.
func functionDumpPayload(codes [][]byte) []byte {
	var b []byte
	for _, code := range codes {
		b = append(b, rdbOpcodeFunction2)
		b = rdb.AppendString(b, code, false)
	}
	return rdb.SealPayload(b)
}

// parseFunctionPayload extracts the library codes of a verified payload,
// with Redis's error texts.
func parseFunctionPayload(p []byte) ([][]byte, string) {
	r := rdb.NewPayloadReader(p[:len(p)-10])
	var codes [][]byte
	for r.Offset() < int64(len(p)-10) {
		typ, err := r.Byte()
		if err != nil {
			return nil, "can not read data type"
		}
		switch typ {
		case rdbOpcodeFunction2:
			code, err := r.String()
			if err != nil {
				return nil, "Failed loading library payload"
			}
			codes = append(codes, code)
		case rdbOpcodeFunction:
			name, err := r.String()
			if err != nil {
				return nil, "Failed loading library name"
			}
			engine, err := r.String()
			if err != nil {
				return nil, "Failed loading engine name"
			}
			hasDesc, err := r.Len()
			if err != nil {
				return nil, "Failed loading library description indicator"
			}
			if hasDesc != 0 {
				if _, err := r.String(); err != nil {
					return nil, "Failed loading library description"
				}
			}
			blob, err := r.String()
			if err != nil {
				return nil, "Failed loading library blob"
			}
			code := append([]byte("#!"), engine...)
			code = append(code, " name="...)
			code = append(code, name...)
			code = append(code, '\n')
			codes = append(codes, append(code, blob...))
		default:
			return nil, "given type is not a function"
		}
	}
	return codes, ""
}
