// Package peregrine embeds a complete Peregrine server — the same server the
// peregrine binary runs, with its real network listener and dispatch — in a
// Go program or test:
//
//	srv, err := peregrine.New(peregrine.Options{Args: []string{"--port", "0"}})
//	if err != nil { ... }
//	if err := srv.Start(); err != nil { ... }
//	defer srv.Close()
//	addr := srv.Addr() // "127.0.0.1:54321": point any Redis client at it
//
// Several servers can run in one process: nothing is global.
package peregrine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/peregrinedb/peregrine/internal/config"
	"github.com/peregrinedb/peregrine/internal/server"
)

// Options configure an embedded server.
type Options struct {
	// ConfigFile is an optional redis.conf-style file.
	ConfigFile string
	// Args are directives in redis-server argv form: "--port", "0", "--save", "".
	// "--port 0" listens on a free port (see Addr); the default binds
	// 127.0.0.1 only when embedded.
	Args []string
	// Logger receives the server's log; nil logs in Redis's format to stdout
	// (or the logfile directive).
	Logger *slog.Logger
}

// Server is an embedded Peregrine server.
type Server struct {
	srv   *server.Server
	local *server.LocalClient
}

// New configures a server; it does not listen until Start.
func New(opts Options) (*Server, error) {
	cfg := config.New()
	// Embedded servers default to loopback on a free port.
	if err := cfg.LoadArgs([]string{"--bind", "127.0.0.1", "--port", "0"}); err != nil {
		return nil, fmt.Errorf("peregrine: defaults: %w", err)
	}
	if opts.ConfigFile != "" {
		if err := cfg.LoadFile(opts.ConfigFile); err != nil {
			return nil, fmt.Errorf("peregrine: %w", err)
		}
	}
	if err := cfg.LoadArgs(opts.Args); err != nil {
		return nil, fmt.Errorf("peregrine: %w", err)
	}
	s, err := server.New(server.Options{Config: cfg, Logger: opts.Logger, EphemeralPort: true})
	if err != nil {
		return nil, fmt.Errorf("peregrine: %w", err)
	}
	return &Server{srv: s, local: s.NewLocalClient()}, nil
}

// Start listens and serves in background goroutines.
func (s *Server) Start() error { return s.srv.Start() }

// Addr is the address clients connect to, such as "127.0.0.1:54321".
func (s *Server) Addr() string { return s.srv.Addr() }

// Close stops the server: listeners and client connections close, and
// in-flight commands finish. It waits for the shutdown to complete.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.srv.Wait()
	return err
}

// Done is closed once the server has stopped (Close or a SHUTDOWN command).
func (s *Server) Done() <-chan struct{} { return s.srv.Done() }

// ErrReply is an error reply from the server, such as
// "WRONGTYPE Operation against a key holding the wrong kind of value".
type ErrReply string

func (e ErrReply) Error() string { return string(e) }

// Do runs one command in-process through the server's dispatch path, as a
// RESP2 client would, and decodes the reply: string for simple and bulk
// strings, int64 for integers, nil for null replies, []any for arrays;
// an error reply is returned as an ErrReply error.
func (s *Server) Do(ctx context.Context, args ...string) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, errors.New("peregrine: Do needs a command")
	}
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	raw := s.local.Do(argv)
	v, _, err := decodeReply(raw)
	return v, err
}
