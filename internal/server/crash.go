package server

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

// Crash reports and the watchdog, in Redis's shape: a report starts with a
// banner and the reason, then "------ STACK TRACE ------" and the stacks
// (here every goroutine's), so tools and people that read Redis's reports
// read these too.

// maxStackDump bounds the stacks one report logs.
const maxStackDump = 1 << 20

// allStacks returns the stacks of every goroutine.
func allStacks() string {
	buf := make([]byte, maxStackDump)
	return string(buf[:runtime.Stack(buf, true)])
}

// CrashReport logs a bug report for reason (a fatal signal, DEBUG
// SEGFAULT). The caller then ends the process or the server.
func (s *Server) CrashReport(reason string) {
	s.log.Warn("\n\n=== PEREGRINE BUG REPORT START: Cut & paste starting from here ===")
	s.log.Warn(fmt.Sprintf("Peregrine (Redis %s compatible) crashed by %s, pid %d", Version, reason, os.Getpid()))
	s.log.Warn("\n------ STACK TRACE ------\n" + allStacks())
	s.log.Warn("\n=== PEREGRINE BUG REPORT END. Make sure to include from START to END. ===\n")
}

// debugSegfault is DEBUG SEGFAULT: Redis crashes on purpose to test crash
// reporting. Peregrine writes the same report and stops at once, without
// saving, as a crashed server would.
func debugSegfault(x *Ctx) {
	x.s.CrashReport("DEBUG SEGFAULT")
	go x.s.shutdown(1)
}

// watchdogLoop logs the stacks when a command runs longer than
// watchdog-period (a Redis debugging aid), once per command.
func (s *Server) watchdogLoop() {
	var reported int64
	for {
		period := time.Duration(s.live.watchdog.Load()) * time.Millisecond
		tick := 100 * time.Millisecond
		if period > 0 {
			tick = max(period/4, 10*time.Millisecond)
		}
		select {
		case <-s.cronStop:
			return
		case <-time.After(tick):
		}
		start := s.cmdStart.Load()
		if period <= 0 || start == 0 || start == reported || time.Since(time.Unix(0, start)) < period {
			continue
		}
		reported = start
		s.log.Warn("\n--- WATCHDOG TIMER EXPIRED ---\n" + allStacks() + "\n--------\n")
	}
}
