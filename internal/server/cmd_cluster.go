package server

// CLUSTER without cluster mode: Peregrine runs standalone, and a
// standalone Redis knows the CLUSTER command and its subcommands (so
// COMMAND, ACL rules and scripts' checks see them) but answers each with
// this error. Cluster mode itself is not built yet.

const errClusterDisabled = "ERR This instance has cluster support disabled"

func clusterCommand() *Command {
	return container("cluster", -2, "cluster",
		spec("addslots", -3, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("addslotsrange", -4, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("bumpepoch", 2, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("count-failure-reports", 3, "admin stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("countkeysinslot", 3, "stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("delslots", -3, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("delslotsrange", -4, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("failover", -2, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("flushslots", 2, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("forget", 3, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("getkeysinslot", 4, "stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("help", 2, "loading stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("info", 2, "stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("keyslot", 3, "stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("links", 2, "stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("meet", -4, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("myid", 2, "stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("nodes", 2, "stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("replicas", 3, "admin stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("replicate", 3, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("reset", -2, "admin noscript stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("saveconfig", 2, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("set-config-epoch", 3, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("setslot", -4, "admin stale no_async_loading", 0, 0, 0, "", clusterDisabledCommand),
		spec("shards", 2, "stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("slaves", 3, "admin stale", 0, 0, 0, "", clusterDisabledCommand),
		spec("slots", 2, "stale", 0, 0, 0, "", clusterDisabledCommand),
	)
}

func clusterDisabledCommand(x *Ctx) { x.Err(errClusterDisabled) }
