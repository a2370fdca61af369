// Command peregrine runs a Peregrine server. Its arguments follow
// redis-server's: an optional configuration file, then --directive value
// pairs; --version and --help.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/peregrinedb/peregrine/internal/config"
	"github.com/peregrinedb/peregrine/internal/server"
)

// version is Peregrine's own version; the Redis version it speaks is server.Version.
const version = "0.1.0"

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "-v", "--version":
			fmt.Printf("Peregrine server v=%s redis_version=%s bits=64\n", version, server.Version)
			return 0
		case "-h", "--help":
			usage()
			return 0
		}
	}
	cfg := config.New()
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		if err := cfg.LoadFile(args[0]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		args = args[1:]
	}
	if err := cfg.LoadArgs(args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if dir := cfg.String("dir"); dir != "" {
		if err := os.Chdir(dir); err != nil {
			fmt.Fprintf(os.Stderr, "Can't chdir to '%s': %v\n", dir, err)
			return 1
		}
	}
	srv, err := server.New(server.Options{Config: cfg, OwnsProcess: true, Banner: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	log := srv.Logger()
	log.Warn("oO0OoO0OoO0Oo Peregrine is starting oO0OoO0OoO0Oo")
	log.Warn(fmt.Sprintf("Peregrine version=%s, redis_version=%s, bits=64, pid=%d, just started", version, server.Version, os.Getpid()))
	if cfg.File() == "" {
		log.Warn("Warning: no config file specified, using the default config. In order to specify a config file use peregrine /path/to/redis.conf")
	} else {
		log.Warn("Configuration loaded")
	}
	// Test harnesses wait for " PID: <pid>" before anything else, and
	// loading the AOF may fail (Redis prints it in its logo, first).
	log.Info(fmt.Sprintf("Running mode=standalone, port=%d, PID: %d", cfg.Int("port"), os.Getpid()))
	// PEREGRINE_CPUPROFILE=file records a pprof CPU profile from start-up,
	// the data load included, until shutdown (see docs/benchmarks.md).
	if path := os.Getenv("PEREGRINE_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer func() { pprof.StopCPUProfile(); f.Close() }()
			}
		}
	}
	if err := srv.Start(); err != nil {
		if !errors.Is(err, server.ErrLoad) && !errors.Is(err, server.ErrAOFLoad) { // logged in Redis's words already
			log.Warn(err.Error())
		}
		return 1
	}

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGABRT)
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGABRT {
				// Redis writes a crash report and dies; so does Peregrine
				// (128+6, a shell's view of death by SIGABRT).
				srv.CrashReport("signal: 6 (SIGABRT)")
				srv.RemoveTempRDB()
				return 134
			}
			name := "SIGTERM"
			if sig == syscall.SIGINT {
				name = "SIGINT"
			}
			// The server's cron performs the shutdown; a second SIGINT
			// while it is pending means "exit now", not cleanly.
			if srv.Signal(name) {
				srv.RemoveTempRDB()
				return 1
			}
		case <-srv.Done():
			return srv.ExitCode()
		}
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `Usage: peregrine [/path/to/redis.conf] [options] [-]
       peregrine - (read config from stdin)
       peregrine -v or --version
       peregrine -h or --help

Examples:
       peregrine (run the server with default config)
       peregrine /etc/redis/6379.conf
       peregrine --port 7777
       peregrine --port 7777 --replicaof 127.0.0.1 8888
       peregrine /etc/myredis.conf --loglevel verbose -
       peregrine /etc/myredis.conf --loglevel verbose
`)
}
