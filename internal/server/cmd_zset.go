package server

// zsetCommands is the sorted-set family (filled in by the collections work).
func zsetCommands() []*Command { return nil }
