// Package glob implements the glob-style pattern matching used by Redis
// for KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET and ACL patterns.
//
// The accepted syntax is:
//
//	"*"      any sequence of bytes (including none)
//	"?"      exactly one byte
//	"[abc]"  one byte out of the set; "[^abc]" negates the set
//	"[a-z]"  a byte range; reversed ranges such as "[z-a]" are accepted
//	\x       the byte x taken literally (inside and outside sets)
//
// Matching is byte oriented and reproduces the corner cases of Redis 7.0's
// matcher so that clients see identical results:
//
//   - The empty subject only matches the empty pattern: "*" does not match "".
//   - An unterminated set ("[abc") extends to the end of the pattern; "[" on
//     its own never matches and "[^" matches any single byte.
//   - "[]" is an empty set (never matches) and "[^]" matches any byte, so
//     "[]]" never matches while "[^]]" matches a byte followed by "]".
//   - A "-" whose right-hand side is the last pattern byte still forms a
//     range, so "[a-]" is the range from ']' to 'a' (reversed) with an
//     unterminated set.
//   - A trailing "\" matches a literal backslash; inside a set an escaped
//     byte is compared case-sensitively even in case-insensitive mode.
//   - Range bounds and the subject byte are compared as signed chars, as
//     Redis built for x86-64 does, so inside ranges bytes >= 0x80 sort
//     below ASCII ("[a-\xff]" covers 0xff and '\x00'..'a').
//   - Case folding only affects ASCII letters.
//
// Unlike Redis's recursive matcher, the implementation is iterative and
// backtracks only to the most recent '*', so its running time is bounded by
// O(len(pattern) * len(subject)) whatever the pattern, and it never
// allocates.
package glob
