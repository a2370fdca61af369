package testutil

import (
	"testing"

	"github.com/peregrinedb/peregrine"
)

// peregrineBaseArgs are always passed to an in-process Peregrine server
// before any caller-supplied directives, so that tests listen on a free
// loopback port and do not snapshot unless asked (the data directory is a
// per-test temporary directory; a later --dir overrides it). Diskless
// full syncs start at once, as in Redis's own test configuration.
var peregrineBaseArgs = []string{
	"--port", "0",
	"--bind", "127.0.0.1",
	"--save", "",
	"--appendonly", "no",
	"--repl-diskless-sync-delay", "0",
}

// StartPeregrine runs an in-process server on 127.0.0.1:0 with the given
// extra argv-style directives (for example "--databases", "4") and closes it
// at cleanup. It returns the address the server listens on, "127.0.0.1:PORT".
func StartPeregrine(t testing.TB, args ...string) string {
	t.Helper()
	all := make([]string, 0, len(peregrineBaseArgs)+len(args)+2)
	all = append(all, peregrineBaseArgs...)
	all = append(all, "--dir", t.TempDir())
	all = append(all, args...)
	srv, err := peregrine.New(peregrine.Options{Args: all})
	if err != nil {
		t.Fatalf("peregrine.New(%q): %v", all, err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("peregrine Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Logf("peregrine Close: %v", err)
		}
	})
	return srv.Addr()
}
