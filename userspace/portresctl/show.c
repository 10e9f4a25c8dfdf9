// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl show: the reservation table (or JSON), and who: what holds a port.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "portresctl.h"

static void owner_str(const struct portres_entry *e, char *buf, size_t size)
{
	char ub[16], gb[16];

	if (!e->persistent) {
		snprintf(buf, size, "pid %d uid %u", e->pid, e->uid);
		return;
	}
	if (e->allowed_uid == PORTRES_ANY_ID && e->allowed_gid == PORTRES_ANY_ID)
		snprintf(buf, size, "uid %u, allows anyone", e->uid);
	else
		snprintf(buf, size, "uid %u, allows uid %s gid %s", e->uid,
			 e->allowed_uid == PORTRES_ANY_ID ? "any" :
			 id_str(e->allowed_uid, ub, sizeof(ub)),
			 e->allowed_gid == PORTRES_ANY_ID ? "any" :
			 id_str(e->allowed_gid, gb, sizeof(gb)));
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);	/* comm bytes need not be UTF-8 */
		else
			putchar(c);
	}
	putchar('"');
}

static void json_id(const char *name, uint32_t id)
{
	if (id == PORTRES_ANY_ID)
		printf(",\"%s\":null", name);
	else
		printf(",\"%s\":%u", name, id);
}

/* The members of one reservation's JSON object; in_use only if asked. */
static void json_entry(const struct portres_entry *e, bool in_use)
{
	printf("\"protocol\":\"%s\",\"start\":%u,\"end\":%u,"
	       "\"count\":%u,\"kind\":\"%s\"",
	       portres_proto_name(e->protocol), e->first, e->last, e->count,
	       e->persistent ? "persistent" : "runtime");
	if (in_use)
		printf(",\"in_use\":%u", e->in_use);
	printf(",\"refused\":%llu,\"uid\":%u",
	       (unsigned long long)e->refused, e->uid);
	if (e->persistent) {
		printf(",\"pid\":null,\"command\":null");
	} else {
		printf(",\"pid\":%d,\"command\":", e->pid);
		json_str(e->comm);
	}
	json_id("allowed_uid", e->persistent ? e->allowed_uid : PORTRES_ANY_ID);
	json_id("allowed_gid", e->persistent ? e->allowed_gid : PORTRES_ANY_ID);
}

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

int cmd_show(int argc, char **argv)
{
	struct portres_entry *l;
	size_t n, i, kept = 0;
	bool json = false;
	int proto = 0, ret;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-')
			return usage_error("show", "unknown option '%s'", argv[i]);
		else if (proto)
			return usage_error("show", "unexpected argument '%s'", argv[i]);
		else if (!(proto = parse_proto("show", argv[i])))
			return EXIT_USAGE;
	}
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

/* ---- who ---- */

struct sock_ent {
	unsigned long inode;
	unsigned int state, uid;
	char addr[INET6_ADDRSTRLEN + 8];
	int holders;
};

static const char *state_name(int proto, unsigned int st)
{
	static const char *const tcp[] = {
		"?", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
		"FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK",
		"LISTEN", "CLOSING", "NEW-SYN-RECV",
	};

	if (proto == IPPROTO_UDP)
		return st == 1 ? "ESTAB" : "UNCONN";
	return st < sizeof(tcp) / sizeof(tcp[0]) ? tcp[st] : "?";
}

/* The kernel prints each 32-bit word of the address in host order. */
static void format_addr(const char *hex, uint16_t port, char *out, size_t size)
{
	unsigned char bytes[16];
	size_t words = strlen(hex) / 8, i;
	char ip[INET6_ADDRSTRLEN];

	for (i = 0; i < words && i < 4; i++) {
		char w[9];
		uint32_t v;

		memcpy(w, hex + 8 * i, 8);
		w[8] = '\0';
		v = strtoul(w, NULL, 16);
		memcpy(bytes + 4 * i, &v, 4);
	}
	if (words == 1) {
		inet_ntop(AF_INET, bytes, ip, sizeof(ip));
		snprintf(out, size, "%s:%u", ip, port);
	} else {
		inet_ntop(AF_INET6, bytes, ip, sizeof(ip));
		snprintf(out, size, "[%s]:%u", ip, port);
	}
}

static int scan_sockets(int proto, uint16_t port, struct sock_ent **out,
			size_t *n)
{
	static const char *const files[2][2] = {
		{ "/proc/net/tcp", "/proc/net/tcp6" },
		{ "/proc/net/udp", "/proc/net/udp6" },
	};
	const char *const *f = files[proto == IPPROTO_UDP];
	size_t len = 0, i;
	struct sock_ent *v = NULL;

	for (i = 0; i < 2; i++) {
		FILE *fp = fopen(f[i], "re");
		char line[512];

		if (!fp)
			continue;	/* no IPv6 */
		while (fgets(line, sizeof(line), fp)) {
			char hex[33];
			unsigned int lport, st, uid;
			unsigned long inode;
			struct sock_ent *bigger;

			if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %u %*d %lu",
				   hex, &lport, &st, &uid, &inode) != 5 ||
			    lport != port)
				continue;
			bigger = realloc(v, (len + 1) * sizeof(*v));
			if (!bigger) {
				fclose(fp);
				free(v);
				return -ENOMEM;
			}
			v = bigger;
			memset(&v[len], 0, sizeof(v[len]));
			v[len].inode = inode;
			v[len].state = st;
			v[len].uid = uid;
			format_addr(hex, port, v[len].addr, sizeof(v[len].addr));
			len++;
		}
		fclose(fp);
	}
	*out = v;
	*n = len;
	return 0;
}

static void read_comm(const char *pid, char *buf, size_t size)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Print the processes holding the sockets, like ss -p: /proc/PID/fd links. */
static void print_holders(const char *pfx, int proto, struct sock_ent *s,
			  size_t n)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	size_t i;

	while (proc && (d = readdir(proc))) {
		char path[300], link[64], comm[64];
		struct dirent *fd;
		DIR *fds;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", d->d_name);
		fds = opendir(path);
		if (!fds)
			continue;	/* gone, or another user's */
		comm[0] = '\0';
		while ((fd = readdir(fds))) {
			unsigned long ino;
			ssize_t len;

			len = readlinkat(dirfd(fds), fd->d_name, link,
					 sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1)
				continue;
			for (i = 0; i < n; i++) {
				if (s[i].inode != ino || !ino)
					continue;
				if (!comm[0])
					read_comm(d->d_name, comm, sizeof(comm));
				printf("%s: bound by pid %s (", pfx, d->d_name);
				print_escaped(stdout, comm);
				printf(") fd %s, uid %u: %s %s\n", fd->d_name,
				       s[i].uid, s[i].addr,
				       state_name(proto, s[i].state));
				s[i].holders++;
			}
		}
		closedir(fds);
	}
	if (proc)
		closedir(proc);
	for (i = 0; i < n; i++) {
		if (s[i].holders)
			continue;
		if (!s[i].inode)
			printf("%s: %s %s, no process (kernel-held)\n", pfx,
			       s[i].addr, state_name(proto, s[i].state));
		else
			printf("%s: bound by a socket of uid %u (inode %lu, process not visible: run as root): %s %s\n",
			       pfx, s[i].uid, s[i].inode, s[i].addr,
			       state_name(proto, s[i].state));
	}
}

static int who_proto(int proto, uint16_t port, const struct portres_entry *l,
		     size_t n)
{
	struct sock_ent *s = NULL;
	size_t ns = 0, i;
	bool reserved = false;
	char pfx[16];
	int ret;

	snprintf(pfx, sizeof(pfx), "%s %u", portres_proto_name(proto), port);
	for (i = 0; i < n; i++) {
		const struct portres_entry *e = &l[i];
		char owner[96];

		if (e->protocol != proto || port < e->first || port > e->last)
			continue;
		reserved = true;
		owner_str(e, owner, sizeof(owner));
		printf("%s: reserved by %s reservation %u-%u (%u of %u in use, %llu binds refused), %s",
		       pfx, e->persistent ? "persistent" : "runtime", e->first,
		       e->last, e->in_use, e->count,
		       (unsigned long long)e->refused,
		       e->persistent ? "created by " : "acquired by ");
		fputs(owner, stdout);
		if (!e->persistent) {
			fputs(" (", stdout);
			print_escaped(stdout, e->comm);
			fputc(')', stdout);
		}
		if (e->token_visible)
			printf(", token %016llx", (unsigned long long)e->token);
		fputc('\n', stdout);
	}
	ret = scan_sockets(proto, port, &s, &ns);
	if (ret)
		return ret;
	print_holders(pfx, proto, s, ns);
	if (!reserved && !ns)
		printf("%s: free (not reserved, no socket bound)\n", pfx);
	free(s);
	return 0;
}

int cmd_who(int argc, char **argv)
{
	struct portres_entry *l = NULL;
	unsigned long port;
	size_t n = 0;
	int proto = 0, ret, list_err, err;

	if (argc < 2)
		return usage_error("who", "missing port");
	if (argc > 3)
		return usage_error("who", "unexpected argument '%s'", argv[3]);
	if (parse_number("who", "port", argv[1], 1, 65535, &port))
		return EXIT_USAGE;
	if (argc == 3 && !(proto = parse_proto("who", argv[2])))
		return EXIT_USAGE;

	/* Sockets are worth showing even without the module. */
	list_err = portres_list(&l, &n);
	if (list_err)
		ret = report("who: reservations unknown", list_err);
	else
		ret = EXIT_OK;
	if ((!proto || proto == IPPROTO_TCP) &&
	    (err = who_proto(IPPROTO_TCP, port, l, n)))
		ret = report("who", err);
	if ((!proto || proto == IPPROTO_UDP) &&
	    (err = who_proto(IPPROTO_UDP, port, l, n)))
		ret = report("who", err);
	portres_list_free(l);
	return ret;
}

/* ---- monitor ---- */

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

int cmd_monitor(int argc, char **argv)
{
	struct portres_event ev;
	bool json = false;
	int i, fd, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return usage_error("monitor", "unexpected argument '%s'",
					   argv[i]);
	}
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
