// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl lookup tcp|udp START COUNT: prints a persistent reservation
 * as a line of the save file.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "portresctl.h"
#include "subcommands.h"

static const struct option lookup_options[] = {
	OPTION_HELP,
	OPTION_END
};

int lookup_main(int argc, char *argv[])
{
	struct portres_persistent p;
	char ub[16], gb[16];
	uint16_t first;
	int opt, nops = 0, ret;

	opt = next_option(argc, argv, lookup_options, &nops);
	if (opt != -1)
		return other_option(opt, argv);
	ret = block_args("lookup", nops + 1, argv, &p);
	if (ret)
		return ret;
	ret = portres_persistent_lookup(-1, &p);
	if (ret)
		return report_block("lookup", &p, ret);
	first = ntohs(p.range.start_port);
	/* The line is a line of the save file. */
	printf("%s %u %u %016llx %s %s\n", portres_proto_name(p.protocol),
	       first, p.range.number_of_ports, (unsigned long long)p.token,
	       id_str(p.allowed_uid, ub, sizeof(ub)),
	       id_str(p.allowed_gid, gb, sizeof(gb)));
	return EXIT_OK;
}
