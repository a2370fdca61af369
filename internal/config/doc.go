// Package config holds the configuration of a Peregrine server: one table
// declaring every Redis 7.0.15 directive (name, alias, type, bounds,
// default, mutability), and everything derived from it: redis.conf
// parsing with include support, redis-server style command-line options,
// CONFIG GET with glob patterns, atomic multi-directive CONFIG SET with
// apply hooks and rollback, CONFIG REWRITE that preserves the file's
// layout, and typed accessors for the server.
//
// Values are parsed, validated and formatted the way Redis 7.0.15 does it
// (memory units such as 1k/1kb/1gb, percentages, octal permissions,
// enums, yes/no), and error messages are Redis's own, so clients and
// administrators see identical behaviour:
//
//	c := config.New()
//	if err := c.LoadFile("redis.conf"); err != nil { ... } // *FileError
//	if err := c.LoadArgs(os.Args[2:]); err != nil { ... }
//	c.OnApply("maxmemory", func(v string) error { ...; return nil })
//	err := c.Set([][2]string{{"maxmemory", "1gb"}, {"maxmemory-policy", "allkeys-lru"}})
//
// Each Config is independent (several servers may run in one process)
// and safe for concurrent use. Because the process working directory is
// shared, "dir" is not applied with chdir: it is kept as an absolute path
// that the server uses as the base of its files.
package config
