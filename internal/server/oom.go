package server

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// oomScoreAdjPath is the Linux knob telling the OOM killer how to rank
// this process.
const oomScoreAdjPath = "/proc/self/oom_score_adj"

// Values of the oom-score-adj directive.
const (
	oomAdjNo       = 0
	oomAdjRelative = 1 // "yes" and "relative"
	oomAdjAbsolute = 2
)

// OOM score classes of oom-score-adj-values.
const (
	oomClassMaster = iota
	oomClassReplica
	oomClassBgChild
)

// oomScore applies oom-score-adj and oom-score-adj-values to the process.
// The score the process had before Peregrine first changed it is kept, so
// relative values add to it and disabling the directive restores it.
type oomScore struct {
	mu       sync.Mutex
	adjusted bool // the score has been changed from base
	base     int
	path     string
}

// apply sets the score of class from the configuration; on failure the
// reason is logged and returned.
func (s *Server) applyOOMScore(class int) error {
	o := &s.oom
	o.mu.Lock()
	defer o.mu.Unlock()
	path := o.path
	if path == "" {
		path = oomScoreAdjPath
	}
	mode := s.cfg.Int("oom-score-adj")
	var val int
	switch {
	case mode != oomAdjNo:
		if !o.adjusted {
			b, err := os.ReadFile(path)
			if err != nil {
				s.log.Warn("Unable to read oom_score_adj: " + strerror(err))
				return err
			}
			o.base, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			o.adjusted = true
		}
		val = s.cfg.OOMScoreAdjValues()[class]
		if mode == oomAdjRelative {
			val += o.base
		}
		val = min(max(val, -1000), 1000)
	case o.adjusted:
		o.adjusted = false
		val = o.base
	default:
		return nil
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(val)+"\n"), 0); err != nil {
		s.log.Warn("Unable to write oom_score_adj: " + strerror(err))
		return err
	}
	return nil
}

// registerOOMHooks applies the OOM score at CONFIG SET time; start-up
// applies it from Start.
func (s *Server) registerOOMHooks() {
	apply := func(msg string) func(string) error {
		return func(string) error {
			if err := s.applyOOMScore(s.oomClass()); err != nil {
				return errors.New(msg)
			}
			return nil
		}
	}
	s.cfg.OnApply("oom-score-adj", apply("Failed to set current oom_score_adj. Check server logs."))
	s.cfg.OnApply("oom-score-adj-values", apply("Failed to apply oom-score-adj-values. Check server logs."))
}

// startupOOMScore applies the configured score when the server starts.
func (s *Server) startupOOMScore() {
	if s.cfg.Int("oom-score-adj") == oomAdjNo {
		return
	}
	if err := s.applyOOMScore(s.oomClass()); err != nil {
		s.log.Warn(fmt.Sprintf("Failed to set oom_score_adj at start-up: %v", err))
	}
}

// oomClass is the OOM score class of the server's role.
func (s *Server) oomClass() int {
	if s.isMaster() {
		return oomClassMaster
	}
	return oomClassReplica
}

// roleOOMScore re-applies the score after a role change (REPLICAOF).
func (s *Server) roleOOMScore() {
	if s.cfg.Int("oom-score-adj") != oomAdjNo {
		_ = s.applyOOMScore(s.oomClass())
	}
}
