package server

// setCommands is the set family (filled in by the collections work).
func setCommands() []*Command { return nil }
