// SPDX-License-Identifier: GPL-2.0
/* portresctl delete tcp|udp START COUNT: deletes a persistent reservation. */
#include <arpa/inet.h>
#include <stdio.h>

#include "portresctl.h"
#include "subcommands.h"

static const struct option delete_options[] = {
	OPTION_HELP,
	OPTION_END
};

int delete_main(int argc, char *argv[])
{
	struct portres_persistent p;
	int opt, nops = 0, ret;

	opt = next_option(argc, argv, delete_options, &nops);
	if (opt != -1)
		return other_option(opt, argv);
	ret = block_args("delete", nops + 1, argv, &p);
	if (ret)
		return ret;
	ret = portres_persistent_delete(-1, &p);
	return ret ? report_block("delete", &p, ret) : EXIT_OK;
}
