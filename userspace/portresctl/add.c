// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl add tcp|udp START COUNT [--uid USER] [--gid GROUP]: creates a
 * persistent reservation and prints its token.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "portresctl.h"
#include "subcommands.h"

static const struct option add_options[] = {
	{ "uid", required_argument, NULL, OPT_UID },
	{ "gid", required_argument, NULL, OPT_GID },
	OPTION_HELP,
	OPTION_END
};

int add_main(int argc, char *argv[])
{
	struct portres_persistent p;
	uint32_t uid = PORTRES_ANY_ID, gid = PORTRES_ANY_ID;
	int opt, nops = 0, ret;

	while ((opt = next_option(argc, argv, add_options, &nops)) != -1) {
		if (opt == OPT_UID) {
			if (parse_id("add", "--uid", optarg, false, &uid))
				return EXIT_USAGE;
		} else if (opt == OPT_GID) {
			if (parse_id("add", "--gid", optarg, true, &gid))
				return EXIT_USAGE;
		} else {
			return other_option(opt, argv);
		}
	}
	ret = block_args("add", nops + 1, argv, &p);
	if (ret)
		return ret;
	p.allowed_uid = uid;
	p.allowed_gid = gid;
	ret = portres_persistent_create(-1, &p);
	if (ret)
		return report_block("add", &p, ret);
	printf("%016llx\n", (unsigned long long)p.token);
	return EXIT_OK;
}
