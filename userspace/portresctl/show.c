// SPDX-License-Identifier: GPL-2.0
/* portresctl show [tcp|udp] [--json]: the reservation table, or JSON. */
#include <stdio.h>

#include "portresctl.h"
#include "subcommands.h"

static void show_json(const struct portres_entry *l, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		const struct portres_entry *e = &l[i];

		printf("%s{", i ? "," : "");
		json_entry(e, true);
		if (e->token_visible)
			printf(",\"token\":\"%016llx\"}", (unsigned long long)e->token);
		else
			printf(",\"token\":null}");
	}
	printf("]\n");
}

static void show_table(const struct portres_entry *l, size_t n)
{
	bool tokens = false;
	size_t i;

	for (i = 0; i < n; i++)
		tokens |= l[i].token_visible;
	if (!n) {
		printf("No port reservations.\n");
		return;
	}
	printf("%-8s  %10s  %8s  %5s  %-10s  %6s  %7s  %s\n", "Protocol",
	       "Start Port", "End Port", "Count", "Kind", "In use", "Refused",
	       tokens ? "Token             Owner" : "Owner");
	printf("%-8s  %10s  %8s  %5s  %-10s  %6s  %7s  %s\n", "--------",
	       "----------", "--------", "-----", "----------", "------",
	       "-------", tokens ? "----------------  -----" : "-----");
	for (i = 0; i < n; i++) {
		const struct portres_entry *e = &l[i];
		char owner[96];

		owner_str(e, owner, sizeof(owner));
		printf("%-8s  %10u  %8u  %5u  %-10s  %6u  %7llu  ",
		       portres_proto_name(e->protocol), e->first, e->last,
		       e->count, e->persistent ? "persistent" : "runtime",
		       e->in_use, (unsigned long long)e->refused);
		if (tokens && e->token_visible)
			printf("%016llx  ", (unsigned long long)e->token);
		else if (tokens)
			printf("%-16s  ", "-");
		fputs(owner, stdout);
		if (!e->persistent) {
			fputs(" (", stdout);
			print_escaped(stdout, e->comm);
			fputc(')', stdout);
		}
		fputc('\n', stdout);
	}
}

static const struct option show_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	OPTION_HELP,
	OPTION_END
};

int show_main(int argc, char *argv[])
{
	struct portres_entry *l;
	size_t n, i, kept = 0;
	bool json = false;
	int opt, nops = 0, proto = 0, ret;

	while ((opt = next_option(argc, argv, show_options, &nops)) != -1) {
		if (opt == OPT_JSON)
			json = true;
		else
			return other_option(opt, argv);
	}
	if (nops > 0 && !(proto = parse_proto("show", argv[1])))
		return EXIT_USAGE;
	if (nops > 1)
		return usage_error("show", "unexpected argument '%s'", argv[2]);
	ret = portres_list(&l, &n);
	if (ret)
		return report("show", ret);
	for (i = 0; i < n; i++)
		if (!proto || l[i].protocol == proto)
			l[kept++] = l[i];
	if (json)
		show_json(l, kept);
	else
		show_table(l, kept);
	portres_list_free(l);
	return EXIT_OK;
}
