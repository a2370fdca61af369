package server

// functionCommands declares FUNCTION. Only FLUSH exists so far: there is no
// function engine yet (scripting arrives with Lua), so there is never a
// library to delete, and FLUSH's reply is exactly Redis's for an empty
// library set. The test suite flushes functions before every unit.
func functionCommands() []*Command {
	return []*Command{
		container("function", -2, "scripting",
			spec("flush", -2, "write noscript", 0, 0, 0, "", functionFlushCommand).acl("@scripting"),
		),
	}
}

func functionFlushCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err("ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.")
		return
	}
	if len(x.args) == 3 && !eqFold(x.args[2], "async") && !eqFold(x.args[2], "sync") {
		x.Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	x.w.OK()
}
