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
	char what[64];
	uint16_t first;
	int opt, nops = 0, ret;

	opt = next_option(argc, argv, delete_options, &nops);
	if (opt != -1)
		return other_option(opt, argv);
	if (nops > 3)
		return usage_error("delete", "unexpected argument '%s'", argv[4]);
	ret = block_args("delete", nops + 1, argv, &p);
	if (ret)
		return ret;
	first = ntohs(p.range.start_port);
	ret = portres_persistent_delete(-1, &p);
	if (ret) {
		snprintf(what, sizeof(what), "delete %s",
			 block_str(p.protocol, first, p.range.number_of_ports));
		return report(what, ret);
	}
	return EXIT_OK;
}
