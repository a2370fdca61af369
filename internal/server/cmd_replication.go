package server

// Replication-facing commands of a standalone master. Replication itself
// is not built yet: ROLE reports a master with no replicas, WAIT has no
// replica to wait for, and the cluster read-mode commands refuse as Redis
// does without cluster support.

func replicationCommands() []*Command {
	return []*Command{
		spec("role", 1, "noscript loading stale fast", 0, 0, 0, "server", roleCommand).acl("@admin", "@dangerous"),
		spec("wait", 3, "noscript", 0, 0, 0, "generic", waitCommand).onlyACL("@connection"),
		spec("readonly", 1, "loading stale fast", 0, 0, 0, "cluster", clusterModeCommand).acl("@connection"),
		spec("readwrite", 1, "loading stale fast", 0, 0, 0, "cluster", clusterModeCommand).acl("@connection"),
	}
}

func roleCommand(x *Ctx) {
	x.w.Array(3)
	x.w.BulkString("master")
	x.w.Int(0)
	x.w.Array(0)
}

// waitCommand is WAIT numreplicas timeout: with no replicas it returns 0
// at once, after validating its arguments as Redis does.
func waitCommand(x *Ctx) {
	if _, ok := parseInt(x.args[1]); !ok {
		x.Err(errNotInt)
		return
	}
	t, ok := parseInt(x.args[2])
	if !ok {
		x.Err("ERR timeout is not an integer or out of range")
		return
	}
	if t < 0 {
		x.Err("ERR timeout is negative")
		return
	}
	x.w.Int(0)
}

func clusterModeCommand(x *Ctx) { x.Err("ERR This instance has cluster support disabled") }
