// SPDX-License-Identifier: GPL-2.0
/* portresctl monitor [--json]: reservations made and ended, as they happen. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "portresctl.h"
#include "subcommands.h"

static void monitor_line(const struct portres_event *ev, bool json)
{
	const struct portres_entry *e = &ev->entry;
	const char *what = ev->type == PORTRES_EVENT_NEW ? "new" :
			   ev->type == PORTRES_EVENT_DEL ? "del" :
			   ev->type == PORTRES_EVENT_LOADED ? "loaded" : "unloaded";
	char owner[96];

	if (json) {
		printf("{\"event\":\"%s\"", what);
		if (ev->type == PORTRES_EVENT_NEW || ev->type == PORTRES_EVENT_DEL) {
			putchar(',');
			json_entry(e, false);
		}
		if (ev->type == PORTRES_EVENT_DEL) {
			printf(",\"reason\":");
			if (portres_reason_name(ev->reason))
				printf("\"%s\"", portres_reason_name(ev->reason));
			else
				printf("%d", ev->reason);
		}
		printf("}\n");
	} else if (ev->type == PORTRES_EVENT_LOADED ||
		   ev->type == PORTRES_EVENT_UNLOADED) {
		printf("module %s\n", what);
	} else {
		owner_str(e, owner, sizeof(owner));
		printf("%s %s %u-%u %s ", what, portres_proto_name(e->protocol),
		       e->first, e->last, e->persistent ? "persistent" : "runtime");
		fputs(owner, stdout);
		if (!e->persistent) {
			fputs(" (", stdout);
			print_escaped(stdout, e->comm);
			fputc(')', stdout);
		}
		if (ev->type == PORTRES_EVENT_DEL) {
			if (portres_reason_name(ev->reason))
				printf(" reason %s", portres_reason_name(ev->reason));
			else
				printf(" reason %d", ev->reason);
			printf(" refused %llu", (unsigned long long)e->refused);
		}
		putchar('\n');
	}
	fflush(stdout);
}

static const struct option monitor_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	OPTION_HELP,
	OPTION_END
};

int monitor_main(int argc, char *argv[])
{
	struct portres_event ev;
	bool json = false;
	int opt, nops = 0, fd, ret;

	while ((opt = next_option(argc, argv, monitor_options, &nops)) != -1) {
		if (opt == OPT_JSON)
			json = true;
		else
			return other_option(opt, argv);
	}
	if (nops)
		return usage_error("monitor", "unexpected argument '%s'", argv[1]);
	fd = portres_monitor_open();
	if (fd < 0)
		return report("monitor", fd);
	/* Line-buffered output for pipes: each event as it happens. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		ret = portres_monitor_read(fd, &ev);
		if (ret == -ENOBUFS) {
			fprintf(stderr, "portresctl: monitor: events were lost (receive buffer full)\n");
			continue;
		}
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			close(fd);
			return report("monitor", ret);
		}
		if (ret > 0)
			monitor_line(&ev, json);
	}
}
