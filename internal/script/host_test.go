package script

import (
	"strconv"
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// fakeHost is a tiny command executor for the engine's tests: a few
// string commands over a map, replies in RESP2 or RESP3.
type fakeHost struct {
	data   map[string]string
	logs   []string
	errors []string
	calls  int
	ticks  int
	onTick func()
}

func newFakeHost() *fakeHost { return &fakeHost{data: map[string]string{}} }

func (h *fakeHost) Call(argv [][]byte, proto int) ([]byte, string) {
	h.calls++
	w := resp.NewWriter()
	w.Proto = proto
	name := strings.ToLower(string(argv[0]))
	arity := map[string]int{"get": 2, "set": 3, "incr": 2, "ping": -1, "del": -2, "hgetall": 2, "echo": 2, "double": 1, "bool": 2, "null": 1, "verbatim": 1, "bignum": 1, "setof": -1}
	n, ok := arity[name]
	if !ok {
		return nil, "ERR Unknown Redis command called from script"
	}
	if n > 0 && len(argv) != n || n < 0 && len(argv) < -n {
		return nil, "ERR Wrong number of args calling Redis command from script"
	}
	switch name {
	case "get":
		v, ok := h.data[string(argv[1])]
		if !ok {
			w.Null()
		} else {
			w.BulkString(v)
		}
	case "set":
		h.data[string(argv[1])] = string(argv[2])
		w.OK()
	case "incr":
		v, err := strconv.ParseInt(h.data[string(argv[1])], 10, 64)
		if err != nil && h.data[string(argv[1])] != "" {
			w.Error("ERR value is not an integer or out of range")
			break
		}
		v++
		h.data[string(argv[1])] = strconv.FormatInt(v, 10)
		w.Int(v)
	case "ping":
		if len(argv) > 1 {
			w.Bulk(argv[1])
		} else {
			w.Simple("PONG")
		}
	case "echo":
		w.Bulk(argv[1])
	case "del":
		w.Int(0)
	case "hgetall":
		w.Map(1)
		w.BulkString("f")
		w.BulkString("v")
	case "double":
		w.Double(3.141)
	case "bool":
		w.Bool(string(argv[1]) == "1")
	case "null":
		w.Null()
	case "verbatim":
		w.Verbatim("txt", "hello")
	case "bignum":
		w.BigNumber("1234567999999999999999999999999999999")
	case "setof":
		w.Set(len(argv) - 1)
		for _, a := range argv[1:] {
			w.Bulk(a)
		}
	}
	return append([]byte(nil), w.Bytes()...), ""
}

func (h *fakeHost) HasCommand(argv [][]byte) bool {
	n := strings.ToLower(string(argv[0]))
	return n == "get" || n == "set"
}

func (h *fakeHost) Log(level int, msg string) {
	h.logs = append(h.logs, strconv.Itoa(level)+" "+msg)
}

func (h *fakeHost) Tick() {
	h.ticks++
	if h.onTick != nil {
		h.onTick()
	}
}

func (h *fakeHost) ErrorReply(msg string, countStats bool) {
	if countStats {
		h.errors = append(h.errors, msg)
	}
}

// evalRaw runs an EVAL and returns the raw reply.
func evalRaw(t *testing.T, e *Eval, h *fakeHost, proto int, body string, keys []string, args ...string) string {
	t.Helper()
	s, err := e.Load([]byte(body))
	if err != nil {
		return "-ERR " + err.Error() + "\r\n"
	}
	w := resp.NewWriter()
	w.Proto = proto
	e.Run(h, s, toBytes(keys), toBytes(args), w)
	return string(w.Bytes())
}

func toBytes(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func newWriter() *resp.Writer { return resp.NewWriter() }
