// SPDX-License-Identifier: GPL-2.0
/* portresctl who PORT [tcp|udp]: which reservation and processes hold a port. */
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
#include "subcommands.h"

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

static const struct option who_options[] = {
	OPTION_HELP,
	OPTION_END
};

int who_main(int argc, char *argv[])
{
	struct portres_entry *l = NULL;
	unsigned long port;
	size_t n = 0;
	int opt, nops = 0, proto = 0, ret, list_err, err;

	opt = next_option(argc, argv, who_options, &nops);
	if (opt != -1)
		return other_option(opt, argv);
	if (nops < 1)
		return usage_error("who", "missing port");
	if (nops > 2)
		return usage_error("who", "unexpected argument '%s'", argv[3]);
	if (parse_number("who", "port", argv[1], 1, 65535, &port))
		return EXIT_USAGE;
	if (nops == 2 && !(proto = parse_proto("who", argv[2])))
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
