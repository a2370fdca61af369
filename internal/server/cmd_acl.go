package server

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/peregrinedb/peregrine/internal/acl"
)

func aclCommands() []*Command {
	const admin = "admin noscript loading stale sentinel"
	const plain = "noscript loading stale sentinel"
	return []*Command{container("acl", -2, "server",
		spec("cat", -2, plain, 0, 0, 0, "", aclCatCommand),
		spec("deluser", -3, admin, 0, 0, 0, "", aclDeluserCommand),
		spec("dryrun", -4, admin, 0, 0, 0, "", aclDryrunCommand),
		spec("genpass", -2, plain, 0, 0, 0, "", aclGenpassCommand),
		spec("getuser", 3, admin, 0, 0, 0, "", aclGetuserCommand),
		spec("help", 2, "loading stale sentinel", 0, 0, 0, "", aclHelpCommand),
		spec("list", 2, admin, 0, 0, 0, "", aclListCommand),
		spec("load", 2, admin, 0, 0, 0, "", aclLoadCommand),
		spec("log", -2, admin, 0, 0, 0, "", aclLogCommand),
		spec("save", 2, admin, 0, 0, 0, "", aclSaveCommand),
		spec("setuser", -3, admin, 0, 0, 0, "", aclSetuserCommand),
		spec("users", 2, admin, 0, 0, 0, "", aclUsersCommand),
		spec("whoami", 2, plain, 0, 0, 0, "", aclWhoamiCommand),
	)}
}

func aclHelpCommand(x *Ctx) {
	lines := []string{
		"CAT [<category>]",
		"    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]",
		"    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]",
		"    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>",
		"    Get the user's details.",
		"GENPASS [<bits>]",
		"    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST",
		"    Show users details in config file format.",
		"LOAD",
		"    Reload users from the ACL file.",
		"LOG [<count> | RESET]",
		"    Show the ACL log entries.",
		"SAVE",
		"    Save the current config to the ACL file.",
		"SETUSER <username> <attribute> [<attribute> ...]",
		"    Create or modify a user with the specified attributes.",
		"USERS",
		"    List all the registered usernames.",
		"WHOAMI",
		"    Return the current connection username.",
		"HELP",
		"    Prints this help.",
	}
	x.w.Array(len(lines) + 1)
	x.w.Simple("ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		x.w.Simple(l)
	}
}

func aclSetuserCommand(x *Ctx) {
	name := string(x.args[2])
	ops := make([]string, 0, len(x.args)-3)
	for _, a := range x.args[3:] {
		ops = append(ops, string(a))
	}
	// The rules hold passwords: they never reach MONITOR or the slow log.
	for j := 2; j < len(x.args); j++ {
		x.redactArg(j)
	}
	if !acl.ValidUsername(name) {
		x.Err("ERR Usernames can't contain spaces or null characters")
		return
	}
	old, cur, err := x.s.acl.reg.SetUser(name, ops)
	if err != nil {
		x.Err("ERR " + sanitizeErr(err.Error()))
		return
	}
	x.s.killRevokedSubscribers(x.c, x.s.acl.reg.Get(name), old, cur)
	x.w.OK()
}

// sanitizeErr replaces newlines, which cannot appear in an error reply.
func sanitizeErr(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

func aclDeluserCommand(x *Ctx) {
	for _, a := range x.args[2:] {
		if string(a) == "default" {
			x.Err("ERR The 'default' user cannot be removed")
			return
		}
	}
	n := 0
	for _, a := range x.args[2:] {
		if ref := x.s.acl.reg.Delete(string(a)); ref != nil {
			x.s.disconnectUser(x.c, ref)
			n++
		}
	}
	x.w.Int(int64(n))
}

func aclGetuserCommand(x *Ctx) {
	ref := x.s.acl.reg.Get(string(x.args[2]))
	if ref == nil {
		x.w.Null()
		return
	}
	u := ref.User()
	t := x.s.acl.reg.Table
	w := x.w
	w.Map(6)
	w.BulkString("flags")
	flags := u.Flags()
	w.Set(len(flags))
	for _, f := range flags {
		w.BulkString(f)
	}
	w.BulkString("passwords")
	w.BulkStrings(u.Passwords())
	writeSelector(x, u.Root(), t)
	w.BulkString("selectors")
	sels := u.Selectors()
	w.Array(len(sels))
	for _, s := range sels {
		w.Map(3)
		writeSelector(x, s, t)
	}
}

func writeSelector(x *Ctx, s *acl.Selector, t *acl.Table) {
	w := x.w
	w.BulkString("commands")
	w.BulkString(s.CommandsString(t))
	w.BulkString("keys")
	w.BulkString(s.KeysString())
	w.BulkString("channels")
	w.BulkString(s.ChannelsString())
}

func aclListCommand(x *Ctx) { x.w.BulkStrings(x.s.acl.reg.Lines()) }

func aclUsersCommand(x *Ctx) { x.w.BulkStrings(x.s.acl.reg.Names()) }

func aclWhoamiCommand(x *Ctx) {
	if x.c.aclUser == nil {
		x.w.Null()
		return
	}
	x.w.BulkString(x.c.aclUser.Name())
}

const errNoACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

func aclLoadCommand(x *Ctx) {
	file := x.s.cfg.String("aclfile")
	if file == "" {
		x.Err(errNoACLFile)
		return
	}
	gone, err := x.s.acl.reg.LoadFile(file)
	if err != nil {
		x.Err("ERR " + sanitizeErr(err.Error()))
		return
	}
	for _, ref := range gone {
		x.s.disconnectUser(x.c, ref)
	}
	x.w.OK()
}

func aclSaveCommand(x *Ctx) {
	file := x.s.cfg.String("aclfile")
	if file == "" {
		x.Err(errNoACLFile)
		return
	}
	if err := x.s.acl.reg.SaveFile(file); err != nil {
		x.s.log.Warn("ACL SAVE failed", "err", err)
		x.Err("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		return
	}
	x.w.OK()
}

func aclCatCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err(errUnknownSubcommandSyntax(x))
		return
	}
	if len(x.args) == 2 {
		x.w.BulkStrings(acl.Categories[:])
		return
	}
	bit := acl.CategoryBit(string(x.args[2]))
	if bit == 0 {
		name := x.args[2]
		if len(name) > 128 {
			name = name[:128]
		}
		x.Err("ERR Unknown category '" + string(name) + "'")
		return
	}
	x.w.BulkStrings(x.s.acl.reg.Table.InCategory(bit))
}

// errUnknownSubcommandSyntax is Redis's reply to a subcommand called with
// the wrong arguments.
func errUnknownSubcommandSyntax(x *Ctx) string {
	return "ERR unknown subcommand or wrong number of arguments for '" + string(x.args[1]) + "'. Try ACL HELP."
}

func aclGenpassCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err(errUnknownSubcommandSyntax(x))
		return
	}
	bits := int64(256)
	if len(x.args) == 3 {
		n, ok := parseInt(x.args[2])
		if !ok {
			x.Err(errNotInt)
			return
		}
		bits = n
	}
	if bits <= 0 || bits > 4096 {
		x.Err("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
		return
	}
	chars := (bits + 3) / 4
	buf := make([]byte, (chars+1)/2)
	_, _ = rand.Read(buf)
	x.w.BulkString(hex.EncodeToString(buf)[:chars])
}

func aclLogCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err(errUnknownSubcommandSyntax(x))
		return
	}
	count := int64(10)
	if len(x.args) == 3 {
		if eqFold(x.args[2], "reset") {
			x.s.acl.log.Reset()
			x.w.OK()
			return
		}
		n, ok := parseInt(x.args[2])
		if !ok {
			x.Err(errNotInt)
			return
		}
		count = max(n, 0)
	}
	entries := x.s.acl.log.Entries(int(min(count, 1<<30)))
	now := nowMs()
	w := x.w
	w.Array(len(entries))
	for _, e := range entries {
		w.Map(7)
		w.BulkString("count")
		w.Int(e.Count)
		w.BulkString("reason")
		w.BulkString(e.ReasonString())
		w.BulkString("context")
		w.BulkString(e.Context)
		w.BulkString("object")
		w.BulkString(e.Object)
		w.BulkString("username")
		w.BulkString(e.Username)
		w.BulkString("age-seconds")
		w.Double(float64(now-e.Ctime) / 1000)
		w.BulkString("client-info")
		w.BulkString(e.ClientInfo)
	}
}

func aclDryrunCommand(x *Ctx) {
	ref := x.s.acl.reg.Get(string(x.args[2]))
	if ref == nil {
		x.Err("ERR User '" + string(x.args[2]) + "' not found")
		return
	}
	argv := x.args[3:]
	cmd := x.s.lookupCall(argv)
	if cmd == nil {
		x.Err("ERR Command '" + string(argv[0]) + "' not found")
		return
	}
	if cmd.Arity > 0 && cmd.Arity != len(argv) || len(argv) < -cmd.Arity {
		x.Err("ERR wrong number of arguments for '" + cmd.FullName() + "' command")
		return
	}
	u := ref.User()
	res, idx := u.Check(aclRequest(cmd, argv))
	switch res {
	case acl.OK:
		x.w.OK()
	case acl.DeniedCmd:
		x.w.BulkString("This user has no permissions to run the '" + cmd.FullName() + "' command")
	case acl.DeniedKey:
		x.w.BulkString("This user has no permissions to access the '" + string(argv[idx]) + "' key")
	default:
		x.w.BulkString("This user has no permissions to access the '" + string(argv[idx]) + "' channel")
	}
}
