package server

// listCommands is the list family (filled in by the collections work).
func listCommands() []*Command { return nil }
