// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl: show, inspect and administer portres port reservations
 * (the Linux counterpart of "netsh int ipv4 show|add|delete excludedportrange").
 *
 * One subcommand per file, each with a main() of its own; this file only
 * finds it in the table below and hands it its arguments.
 */
#include <stdio.h>
#include <string.h>

#include "portresctl.h"
#include "subcommands.h"

static const struct {
	const char *name;
	int (*main)(int argc, char *argv[]);
	const char *args;		/* after "portresctl NAME " */
	const char *description;	/* its --help */
} subcommands[] = {
	{ "show", show_main, "[tcp|udp] [--json]",
	  "List the reservations of this network namespace, like 'netsh int ipv4\n"
	  "show excludedportrange', with kind, ports in use, binds refused and\n"
	  "owner (pid and command of runtime reservations, creator and allowed\n"
	  "uid/gid of persistent ones), from the kernel's netlink dump. Tokens\n"
	  "appear only with CAP_NET_ADMIN.\n"
	  "  --json   one JSON array of objects instead of the table\n" },
	{ "who", who_main, "PORT [tcp|udp]",
	  "Tell which reservation holds PORT and which processes have a socket\n"
	  "bound to it (from /proc/net/{tcp,tcp6,udp,udp6} and /proc/*/fd).\n"
	  "Without a protocol, both are shown. Processes of other users are\n"
	  "visible only to root.\n" },
	{ "monitor", monitor_main, "[--json]",
	  "Print every reservation made or ended in this network namespace as\n"
	  "it happens, like 'ip monitor': 'new' and 'del' lines with protocol,\n"
	  "block, kind and owner; 'del' lines say why it ended (release, close,\n"
	  "delete, netns, unload) and how many binds it refused. Tokens are never\n"
	  "shown. Runs until interrupted.\n"
	  "  --json   one JSON object per line\n" },
	{ "add", add_main, "tcp|udp START COUNT [--uid USER] [--gid GROUP]",
	  "Create a persistent reservation of ports START..START+COUNT-1 and\n"
	  "print its token (16 hex digits). Needs CAP_NET_ADMIN.\n"
	  "  --uid USER    only USER (name or number) may look it up or associate\n"
	  "  --gid GROUP   only members of GROUP may (both: either admits)\n" },
	{ "delete", delete_main, "tcp|udp START COUNT",
	  "Delete the persistent reservation of exactly that block. Needs\n"
	  "CAP_NET_ADMIN.\n" },
	{ "lookup", lookup_main, "tcp|udp START COUNT",
	  "Print the persistent reservation of exactly that block as\n"
	  "'PROTO START COUNT TOKEN ALLOWED_UID ALLOWED_GID' ('-' = anyone).\n"
	  "Allowed to whom its allowed uid/gid admit, and to CAP_NET_ADMIN.\n" },
	{ "save", save_main, "[FILE]",
	  "Write every persistent reservation, with its token and allowed ids, to\n"
	  "FILE (default " DEFAULT_SAVE_FILE ", '-' = standard output), one\n"
	  "'PROTO START COUNT TOKEN ALLOWED_UID ALLOWED_GID' line each.\n"
	  "Needs CAP_NET_ADMIN (tokens are hidden from others).\n" },
	{ "restore", restore_main, "[FILE]",
	  "Create every reservation of FILE (default " DEFAULT_SAVE_FILE ",\n"
	  "'-' = standard input) with its saved token. Reservations that already\n"
	  "exist with the same token are skipped; every other failure is\n"
	  "reported and makes the exit status non-zero. Needs CAP_NET_ADMIN.\n" },
	{ "daemon", daemon_main, "[--save FILE]",
	  "Keep FILE (default " DEFAULT_SAVE_FILE ") equal to the persistent\n"
	  "reservations: restore it first (as restore does; a damaged file is\n"
	  "kept as FILE.damaged-TIME and its bad lines named), save, then rewrite\n"
	  "it after every persistent reservation the kernel announces as created\n"
	  "or deleted (temporary file, fsync, rename, fsync of the directory).\n"
	  "Unloading the module or ending a namespace deletes nothing from FILE;\n"
	  "when the module comes back the daemon restores FILE again. Tells\n"
	  "systemd when it is ready (Type=notify). Runs until killed; needs\n"
	  "CAP_NET_ADMIN.\n" },
	{ "help", help_main, "[COMMAND]", "Show help for COMMAND, or for all.\n" },
};

#define NSUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: portresctl COMMAND [ARGS]\n"
		   "Show and administer portres port reservations.\n\nCommands:\n");
	for (i = 0; i < NSUBCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].args);
	fprintf(f, "\n'portresctl COMMAND --help' describes one command;\n"
		   "'portresctl --version' prints the version.\n"
		   "Exit status: 0 ok, 1 refused/failed, 2 usage, 3 module not loaded,\n"
		   "4 permission denied, 5 no such reservation, 6 file error.\n"
		   "See portresctl(8) and portres(7).\n");
}

/* Its index in the table, or -1. */
static int find_subcommand(const char *name)
{
	size_t i;

	for (i = 0; i < NSUBCOMMANDS; i++)
		if (!strcmp(subcommands[i].name, name))
			return i;
	return -1;
}

int subcommand_help(const char *name)
{
	int i = find_subcommand(name);

	if (i < 0)
		return usage_error(NULL, "unknown command '%s'", name);
	printf("Usage: portresctl %s %s\n\n%s", subcommands[i].name,
	       subcommands[i].args, subcommands[i].description);
	return EXIT_OK;
}

static const struct option help_options[] = {
	OPTION_HELP,
	OPTION_END
};

int help_main(int argc, char *argv[])
{
	int opt, nops = 0;

	opt = next_option(argc, argv, help_options, &nops);
	if (opt != -1)
		return other_option(opt, argv);
	if (!nops) {
		usage(stdout);
		return EXIT_OK;
	}
	if (nops > 1)
		return usage_error("help", "unexpected argument '%s'", argv[2]);
	return subcommand_help(argv[1]);
}

int main(int argc, char *argv[])
{
	int i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		if (argc > 2)
			return usage_error(NULL, "unexpected argument '%s'", argv[2]);
		printf("portresctl %s\n", PORTRES_VERSION);
		return EXIT_OK;
	}
	i = find_subcommand(argv[1]);
	if (i < 0)
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	return subcommands[i].main(argc - 1, argv + 1);
}
