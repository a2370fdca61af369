package script

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// runLua evaluates a script in a fresh EVAL engine and returns the raw reply.
func runLua(t testing.TB, e *Eval, body string, args ...string) string {
	t.Helper()
	s, err := e.Load([]byte(body))
	if err != nil {
		return "-ERR " + err.Error()
	}
	h := newFakeHost()
	w := newWriter()
	e.Run(h, s, nil, toBytes(args), w)
	return string(w.Bytes())
}

func TestRand48MatchesRedis(t *testing.T) {
	// Values read from redis-server 7.0.15 right after start-up:
	// math.random(), then math.random(10), then math.random(5, 8).
	e := NewEval(NewShared())
	got := runLua(t, e, "return {tostring(math.random()), math.random(10), math.random(5, 8)}")
	if got != "*3\r\n$16\r\n0.39646477363839\r\n:9\r\n:6\r\n" {
		t.Fatalf("sequence = %q", got)
	}
	r := newRand48()
	r.seed(10)
	a := r.next()
	r.seed(10)
	if r.next() != a {
		t.Fatal("seeding is not deterministic")
	}
}

func TestStrtod(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		n    int
	}{
		{"12", 12, 2}, {"-1.5e3x", -1500, 6}, {"0x10", 16, 4}, {"0x", 0, 1}, {"inf", math.Inf(1), 3},
		{"-Infinity", math.Inf(-1), 9}, {"1e", 1, 1}, {"1e+", 1, 1}, {".5", 0.5, 2}, {"5.", 5, 2}, {"-", 0, 0}, {"x", 0, 0},
		{"1e400", math.Inf(1), 5},
	}
	for _, c := range cases {
		f, n := strtod(c.in)
		if n != c.n || f != c.want {
			t.Errorf("strtod(%q) = %v, %d; want %v, %d", c.in, f, n, c.want, c.n)
		}
	}
	if f, n := strtod("nan(123)"); !math.IsNaN(f) || n != 8 {
		t.Errorf("nan: %v %d", f, n)
	}
}

func TestFormatNumberIsLuaFormat(t *testing.T) {
	cases := map[float64]string{
		0.1: "0.1", 100: "100", -0.5: "-0.5", 1e15: "1e+15", 123456789012345: "1.2345678901234e+14",
		1.0 / 3: "0.33333333333333", math.Inf(1): "inf", math.Inf(-1): "-inf", 1e100: "1e+100",
	}
	for f, want := range cases {
		if got := formatNumber(f); got != want {
			t.Errorf("formatNumber(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestShebangParsing(t *testing.T) {
	f, start, err := parseEvalShebang([]byte("#!lua flags=no-writes,allow-oom\nreturn 1"))
	if err != nil || f != FlagNoWrites|FlagAllowOOM || start != 31 {
		t.Fatalf("shebang = %v %d %v", f, start, err)
	}
	if f, _, _ := parseEvalShebang([]byte("return 1")); f != FlagEvalCompat {
		t.Fatalf("no shebang = %v", f)
	}
	for body, want := range map[string]string{
		"#!lua":                    "Invalid script shebang",
		"#!py\n":                   "Unexpected engine in script shebang: #!py",
		"#!lua x=1\n":              "Unknown lua shebang option: x=1",
		"#!lua flags=a\n":          "Unexpected flag in script shebang: a",
		"#!lua flags=no-writes,\n": "Unexpected flag in script shebang: ",
	} {
		if _, _, err := parseEvalShebang([]byte(body)); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
	md, err := parseLibraryMeta([]byte("#!lua name=lib\nreturn 1"))
	if err != nil || md.engine != "lua" || md.name != "lib" || string(md.code) != "\nreturn 1" {
		t.Fatalf("meta = %+v %v", md, err)
	}
	if FlagNoWrites.Names()[0] != "no-writes" || len((FlagNoWrites|FlagAllowCrossSlot).Names()) != 2 {
		t.Fatal("flag names")
	}
}

func TestErrorText(t *testing.T) {
	for in, want := range map[string]string{
		"-ERR x":                       "ERR x",
		"-WRONGTYPE Operation":         "WRONGTYPE Operation",
		"-NOSPACE":                     "ERR NOSPACE",
		"plain message":                "ERR plain message",
		"-OOM command not allowed\r\n": "OOM command not allowed",
	} {
		if got := errorText(in); got != want {
			t.Errorf("errorText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCmsgpackRoundTrip packs random values and unpacks them.
func TestCmsgpackRoundTrip(t *testing.T) {
	e := NewEval(NewShared())
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		var lit string
		switch rng.IntN(5) {
		case 0:
			lit = fmt.Sprint(rng.Int64N(1<<40) - 1<<39)
		case 1:
			lit = fmt.Sprintf("%q", strings.Repeat("x", rng.IntN(70000)))
		case 2:
			lit = fmt.Sprint(rng.Float64() * 1000)
		case 3:
			parts := make([]string, rng.IntN(20))
			for j := range parts {
				parts[j] = fmt.Sprint(rng.IntN(1000))
			}
			lit = "{" + strings.Join(parts, ",") + "}"
		default:
			lit = fmt.Sprintf("{a=%d, b='%s'}", rng.IntN(100), strings.Repeat("y", rng.IntN(40)))
		}
		body := "local v = " + lit + " local back = cmsgpack.unpack(cmsgpack.pack(v)) " +
			"if type(v) == 'table' then return cjson.encode(v) == cjson.encode(back) end return v == back"
		if got := runLua(t, e, body); got != ":1\r\n" {
			t.Fatalf("round trip of %.80s: %q", lit, got)
		}
	}
}

// TestCjsonRoundTrip encodes random nested values and decodes them.
func TestCjsonRoundTrip(t *testing.T) {
	e := NewEval(NewShared())
	rng := rand.New(rand.NewPCG(3, 4))
	var gen func(depth int) string
	gen = func(depth int) string {
		switch k := rng.IntN(6); {
		case k == 0 && depth < 4:
			parts := make([]string, rng.IntN(5))
			for j := range parts {
				parts[j] = gen(depth + 1)
			}
			return "{" + strings.Join(parts, ",") + "}"
		case k == 1 && depth < 4:
			return fmt.Sprintf("{k%d=%s}", rng.IntN(10), gen(depth+1))
		case k == 2:
			return fmt.Sprintf("%q", string([]byte{byte(rng.IntN(128)), 'a', '/', '"'}))
		case k == 3:
			return "true"
		default:
			return fmt.Sprint(rng.IntN(100000) - 50000)
		}
	}
	for i := 0; i < 300; i++ {
		lit := gen(0)
		body := "local v = " + lit + " local s = cjson.encode(v) return s == cjson.encode(cjson.decode(s))"
		if got := runLua(t, e, body); got != ":1\r\n" {
			t.Fatalf("round trip of %s: %q", lit, got)
		}
	}
}

func TestStructAndBit(t *testing.T) {
	e := NewEval(NewShared())
	cases := map[string]string{
		"return {struct.unpack('<i8', struct.pack('<i8', -2))}":            "*2\r\n:-2\r\n:9\r\n",
		"return struct.size('!8bd')":                                       ":16\r\n",
		"return {struct.unpack('>I3', '\\1\\2\\3')}":                       "*2\r\n:66051\r\n:4\r\n",
		"return bit.tobit(0xffffffff + 1)":                                 ":0\r\n",
		"return bit.arshift(-256, 4)":                                      ":-16\r\n",
		"return bit.tohex(-1, -3)":                                         "$3\r\nFFF\r\n",
		"return string.format('%5.1f|%-4s|%x|%c', 3.14159, 'ab', 255, 65)": "$15\r\n  3.1|ab  |ff|A\r\n",
		"return string.format('%q', 'a\\0b')":                              "$8\r\n\"a\\000b\"\r\n",
	}
	for body, want := range cases {
		if got := runLua(t, e, body); got != want {
			t.Errorf("%s = %q, want %q", body, got, want)
		}
	}
}

func TestFunctionsRegistry(t *testing.T) {
	f := NewFunctions(NewShared())
	lib := "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)\nredis.register_function{function_name='f2', callback=function() return 2 end, flags={'no-writes'}, description='d'}"
	if name, err := f.Load(nil, []byte(lib), false, LoadTimeout); err != nil || name != "lib1" {
		t.Fatalf("load = %q %v", name, err)
	}
	if f.Lookup([]byte("F2")) == nil || f.Lookup([]byte("f3")) != nil {
		t.Fatal("lookup")
	}
	if d, ok := f.Lookup([]byte("f2")).Description(); !ok || d != "d" {
		t.Fatal("description")
	}
	// A failed replace keeps the old library.
	if _, err := f.Load(nil, []byte("#!lua name=lib1\nredis.register_function('f1', 'x')"), true, 0); err == nil {
		t.Fatal("bad replace loaded")
	}
	if f.Lookup([]byte("f2")) == nil {
		t.Fatal("failed replace lost the old library")
	}
	if _, err := f.Load(nil, []byte("#!lua name=lib2\nredis.register_function('F1', function() end)"), false, 0); err == nil ||
		err.Error() != "Function F1 already exists" {
		t.Fatalf("collision = %v", err)
	}
	if _, err := f.Load(nil, []byte("#!lua name=slow\nwhile true do end"), false, 50e6); err == nil ||
		err.Error() != "Error registering functions: ERR FUNCTION LOAD timeout" {
		t.Fatalf("timeout = %v", err)
	}
	codes := [][]byte{[]byte("#!lua name=lib3\nredis.register_function('f3', function() return 3 end)")}
	if err := f.Restore(nil, codes, RestoreAppend); err != nil {
		t.Fatal(err)
	}
	if err := f.Restore(nil, codes, RestoreAppend); err == nil || err.Error() != "Library lib3 already exists" {
		t.Fatalf("append = %v", err)
	}
	if err := f.Restore(nil, codes, RestoreReplace); err != nil {
		t.Fatal(err)
	}
	if libs, funcs := f.Counts(); libs != 2 || funcs != 3 {
		t.Fatalf("counts = %d %d", libs, funcs)
	}
	if err := f.Restore(nil, codes, RestoreFlush); err != nil {
		t.Fatal(err)
	}
	if libs, _ := f.Counts(); libs != 1 {
		t.Fatal("flush policy")
	}
	if err := f.Delete([]byte("nosuch")); err == nil {
		t.Fatal("delete of a missing library")
	}
}

func TestKillStopsScript(t *testing.T) {
	e := NewEval(NewShared())
	h := newFakeHost()
	h.onTick = func() {
		if h.ticks == 3 {
			e.Kill()
		}
	}
	s, _ := e.Load([]byte("local f = function() while true do end end while true do pcall(f) end"))
	w := newWriter()
	e.Run(h, s, nil, nil, w)
	if got := string(w.Bytes()); !strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL... script:") {
		t.Fatalf("killed script replied %q", got)
	}
	// The next script runs normally.
	if got := runLua(t, e, "return 1"); got != ":1\r\n" {
		t.Fatalf("after kill: %q", got)
	}
}

func TestRuntimeErrorNames(t *testing.T) {
	e := NewEval(NewShared())
	cases := map[string]string{
		"local t = {} t.a.b = 1":                         "attempt to index field 'a' (a nil value)",
		"local up = nil local function f() up() end f()": "attempt to call upvalue 'up' (a nil value)",
		"local t = {} return t.x .. 'a'":                 "attempt to concatenate field 'x' (a nil value)",
		"local s = 'a' return s + {}":                    "attempt to perform arithmetic on local 's' (a string value)",
		"local n = nil return n + 1":                     "attempt to perform arithmetic on local 'n' (a nil value)",
		"return math.floor('x')":                         "bad argument #1 to 'floor' (number expected, got string)",
		"local t = setmetatable({}, {}) return t < t":    "attempt to compare two table values",
	}
	for body, want := range cases {
		if got := runLua(t, e, body); !strings.Contains(got, want) {
			t.Errorf("%s: %q does not contain %q", body, got, want)
		}
	}
}

// FuzzLibraries feeds arbitrary bytes to the decoders of cjson, cmsgpack
// and struct: they must fail with Lua errors, never crash.
func FuzzLibraries(f *testing.F) {
	for _, s := range []string{`[1,2,{"a":null}]`, "\x93\x01\x02\xa1a", "\xdd\xff\xff\xff\xff", `"\ud83d\ude00"`, "\x00\x01", "{", "\xc1"} {
		f.Add([]byte(s))
	}
	e := NewEval(NewShared())
	s, err := e.Load([]byte("pcall(cjson.decode, ARGV[1]) pcall(cmsgpack.unpack, ARGV[1]) " +
		"pcall(struct.unpack, ARGV[1], ARGV[1]) pcall(struct.unpack, 'i>hBc0s', ARGV[1]) return 1"))
	if err != nil {
		f.Fatal(err)
	}
	h := newFakeHost()
	f.Fuzz(func(t *testing.T, data []byte) {
		w := newWriter()
		e.Run(h, s, nil, [][]byte{data}, w)
		if string(w.Bytes()) != ":1\r\n" {
			t.Fatalf("reply %q", w.Bytes())
		}
	})
}

var _ = lua.LNil
