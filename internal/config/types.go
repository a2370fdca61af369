package config

// kind is the value type of a directive.
type kind uint8

const (
	kindBool    kind = iota // yes/no
	kindNumeric             // integer, optionally memory, percent or octal
	kindEnum                // one name, or several for flag enums
	kindString              // free text, possibly NULL when empty
	kindSpecial             // custom parse/format/rewrite
)

// String returns the type name used by Info.Type.
func (k kind) String() string {
	switch k {
	case kindBool:
		return "bool"
	case kindNumeric:
		return "int"
	case kindEnum:
		return "enum"
	case kindString:
		return "string"
	default:
		return "special"
	}
}

// flag describes how a directive may be used.
type flag uint16

const (
	mutable     flag = 0
	immutable   flag = 1 << iota // start-up only: CONFIG SET refuses it
	protected                    // CONFIG SET needs enable-protected-configs
	hidden                       // CONFIG GET patterns skip it (exact name only)
	sensitive                    // value must be redacted from logs/monitor
	multiArg                     // takes several arguments
	denyLoading                  // CONFIG SET refused while loading the dataset
	volatile                     // every CONFIG SET counts as a change
	debugInfo                    // listed by Redis's DEBUG config dump
)

// numFormat selects the accepted syntax and output format of a number.
type numFormat uint8

const (
	plain         numFormat = iota // 123
	memory                         // 123, 1k, 1kb, 1m, 1mb, 1g, 1gb; printed in bytes
	memoryPercent                  // a memory value or "N%" (stored as -N)
	octal                          // 0777, printed in octal without prefix
)

// enumItem is one accepted name of an enum directive and its value.
type enumItem struct {
	name string
	val  int64
}

// validator checks a parsed value; it returns a Redis error reason or "".
// For strings it receives the raw argument before NULL conversion.
type validator func(c *Config, v value) string

// value is the state of one directive. Which fields are used depends on
// the kind: n for bool/numeric/enum (and notify-keyspace-events flags and
// the replicaof port), s for strings (and dir and the replicaof host), x
// for other special state. Values are never mutated in place, so copying
// a value is a complete snapshot.
type value struct {
	n int64
	s string
	x any
}

// directive is one row of the configuration table.
type directive struct {
	name  string
	alias string
	kind  kind
	flags flag

	// Numeric directives.
	min, max int64
	unsigned bool // bounds compared as unsigned (C unsigned/size_t types)
	format   numFormat

	// Defaults: def for bool/numeric/enum, defStr for strings.
	def    int64
	defStr string

	// String directives.
	nullable   bool // an empty string is stored as NULL (and is the default)
	binarySafe bool // keeps bytes after a NUL (Redis sds strings)

	items []enumItem
	check validator
	spec  *special

	idx int // position in the table, set at init
}

// special holds the behaviour of a directive whose value does not fit
// the standard types.
type special struct {
	// parse validates args and returns the new value, or a Redis reason.
	// loading is true while reading a configuration file or argv.
	parse func(c *Config, cur value, args []string, loading bool) (value, string)
	// format renders the value as CONFIG GET shows it.
	format func(v value) string
	// rewrite emits the CONFIG REWRITE lines for the value.
	rewrite func(c *Config, d *directive, v value, st *rewriteState)
	// def returns the default value.
	def func() value
	// equal reports whether two values are the same; nil means Redis
	// treats every successful set as a change.
	equal func(a, b value) bool
}

// Constructors used by table.go, one per Redis config type.

func boolean(name, alias string, f flag, def bool) directive {
	d := directive{name: name, alias: alias, kind: kindBool, flags: f}
	if def {
		d.def = 1
	}
	return d
}

func signed(name, alias string, f flag, min, max, def int64, nf numFormat) directive {
	return directive{name: name, alias: alias, kind: kindNumeric, flags: f,
		min: min, max: max, def: def, format: nf}
}

func unsigned(name, alias string, f flag, min, max, def int64, nf numFormat) directive {
	d := signed(name, alias, f, min, max, def, nf)
	d.unsigned = true
	return d
}

func str(name, alias string, f flag, def string, nullable bool) directive {
	return directive{name: name, alias: alias, kind: kindString, flags: f,
		defStr: def, nullable: nullable}
}

func sds(name, alias string, f flag, def string, nullable bool) directive {
	d := str(name, alias, f, def, nullable)
	d.binarySafe = true
	return d
}

func enum(name, alias string, f flag, items []enumItem, def int64) directive {
	return directive{name: name, alias: alias, kind: kindEnum, flags: f,
		items: items, def: def}
}

func spec(name, alias string, f flag, s *special) directive {
	return directive{name: name, alias: alias, kind: kindSpecial, flags: f, spec: s}
}

// checked attaches a validator to a directive.
func checked(d directive, fn validator) directive {
	d.check = fn
	return d
}

// defaultValue returns the start-up value of d.
func (d *directive) defaultValue() value {
	switch d.kind {
	case kindString:
		return value{s: d.defStr}
	case kindSpecial:
		return d.spec.def()
	default:
		return value{n: d.def}
	}
}

// isNull reports whether a string value is Redis's NULL.
func (d *directive) isNull(v value) bool {
	return d.nullable && v.s == ""
}
