package server

// The replica side of replication (REPLICAOF) is not built yet: this
// server is always a master.

// isMaster reports whether this server is a master (not a replica).
func (s *Server) isMaster() bool { return true }

// replicaRole writes ROLE's reply for a replica; false on a master.
func (s *Server) replicaRole(_ *Ctx) bool { return false }

// replicaAnswerGetack answers REPLCONF GETACK on a replica; false on a
// master.
func (s *Server) replicaAnswerGetack(_ *Ctx) bool { return false }
