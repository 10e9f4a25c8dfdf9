// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libportres: the socket ioctls, the control device and error messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

/*
 * The same errno means different things for different calls (ENOENT of
 * open() is a missing module, of lookup a missing reservation), so the
 * last failure of each thread is remembered for portres_strerror().
 */
static __thread enum portres_op last_op;
static __thread int last_err;

int portres__fail(enum portres_op op, int err)
{
	last_op = op;
	last_err = err;
	return err;
}

static int sock_ioctl(enum portres_op op, int fd, unsigned long cmd, void *arg)
{
	if (ioctl(fd, cmd, arg) < 0)
		return portres__fail(op, -errno);
	return 0;
}

int portres_acquire(int sockfd, uint16_t first_port, uint16_t count,
		    struct inet_port_reservation_instance *out)
{
	struct inet_port_reservation_instance inst;
	int ret;

	memset(&inst, 0, sizeof(inst));
	inst.reservation.start_port = htons(first_port);
	inst.reservation.number_of_ports = count;
	ret = sock_ioctl(PR_OP_ACQUIRE, sockfd, SIO_ACQUIRE_PORT_RESERVATION,
			 &inst);
	if (!ret && out)
		*out = inst;
	return ret;
}

int portres_associate(int sockfd, uint64_t token)
{
	struct inet_port_reservation_token t = { .token = token };

	return sock_ioctl(PR_OP_ASSOCIATE, sockfd,
			  SIO_ASSOCIATE_PORT_RESERVATION, &t);
}

int portres_release(int sockfd, uint64_t token)
{
	struct inet_port_reservation_token t = { .token = token };

	return sock_ioctl(PR_OP_RELEASE, sockfd, SIO_RELEASE_PORT_RESERVATION,
			  &t);
}

int portres_open(void)
{
	int fd = open(PORTRES_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return portres__fail(PR_OP_OPEN, -errno);
	return fd;
}

static int ctl_ioctl(enum portres_op op, int ctlfd, unsigned long cmd,
		     struct portres_persistent *p)
{
	int fd = ctlfd, ret = 0;

	if (fd < 0) {
		fd = portres_open();
		if (fd < 0)
			return fd;
	}
	if (ioctl(fd, cmd, p) < 0)
		ret = portres__fail(op, -errno);
	if (ctlfd < 0)
		close(fd);
	return ret;
}

int portres_persistent_create(int ctlfd, struct portres_persistent *p)
{
	return ctl_ioctl(PR_OP_CREATE, ctlfd, PORTRES_IOC_CREATE_PERSISTENT, p);
}

int portres_persistent_delete(int ctlfd, struct portres_persistent *p)
{
	return ctl_ioctl(PR_OP_DELETE, ctlfd, PORTRES_IOC_DELETE_PERSISTENT, p);
}

int portres_persistent_lookup(int ctlfd, struct portres_persistent *p)
{
	return ctl_ioctl(PR_OP_LOOKUP, ctlfd, PORTRES_IOC_LOOKUP_PERSISTENT, p);
}

void portres_persistent_init(struct portres_persistent *p, int protocol,
			     uint16_t first_port, uint16_t count)
{
	memset(p, 0, sizeof(*p));
	p->protocol = protocol;
	p->range.start_port = htons(first_port);
	p->range.number_of_ports = count;
	p->allowed_uid = PORTRES_ANY_ID;
	p->allowed_gid = PORTRES_ANY_ID;
}

const char *portres_proto_name(int protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	}
	return NULL;
}

int portres_proto_parse(const char *name)
{
	if (!strcasecmp(name, "tcp"))
		return IPPROTO_TCP;
	if (!strcasecmp(name, "udp"))
		return IPPROTO_UDP;
	return 0;
}

/* ---- messages ---- */

#define NO_MODULE "portres module not loaded (modprobe portres)"

struct msg {
	enum portres_op op;	/* PR_OP_NONE: any operation */
	int err;		/* positive errno */
	const char *text;
};

static const struct msg msgs[] = {
	{ PR_OP_OPEN, ENOENT, NO_MODULE },
	{ PR_OP_LIST, ENOENT, NO_MODULE },
	{ PR_OP_OPEN, EACCES, "permission denied opening " PORTRES_DEV_PATH },
	{ PR_OP_ACQUIRE, EACCES,
	  "privileged port: ports below net.ipv4.ip_unprivileged_port_start need CAP_NET_BIND_SERVICE" },
	{ PR_OP_ACQUIRE, EADDRINUSE,
	  "a port of the block is already reserved or bound" },
	{ PR_OP_ACQUIRE, EINVAL,
	  "invalid block: no ports, or past port 65535" },
	{ PR_OP_ACQUIRE, ENOSPC,
	  "no free block of that size in net.ipv4.ip_local_port_range" },
	{ PR_OP_ACQUIRE, EDQUOT,
	  "per-user quota of reserved ports reached (max_ports_per_user)" },
	{ PR_OP_ASSOCIATE, ENOENT,
	  "no reservation with that token for this protocol and network namespace" },
	{ PR_OP_ASSOCIATE, EPERM,
	  "the token belongs to another process, or the reservation does not admit this user" },
	{ PR_OP_ASSOCIATE, EINVAL,
	  "the socket is already bound or associated" },
	{ PR_OP_RELEASE, ENOENT,
	  "no reservation with that token for this protocol and network namespace" },
	{ PR_OP_RELEASE, EPERM,
	  "the reservation was acquired by another process" },
	{ PR_OP_RELEASE, EINVAL,
	  "persistent reservations are deleted, not released" },
	{ PR_OP_CREATE, EPERM,
	  "creating persistent reservations needs CAP_NET_ADMIN" },
	{ PR_OP_CREATE, EADDRINUSE,
	  "the block overlaps a reservation or a bound port" },
	{ PR_OP_CREATE, EEXIST, "that token is already in use" },
	{ PR_OP_CREATE, EINVAL,
	  "invalid request: block starts at 0, has no ports or ends past 65535, or bad protocol, id or token" },
	{ PR_OP_DELETE, EPERM,
	  "deleting persistent reservations needs CAP_NET_ADMIN" },
	{ PR_OP_DELETE, ENOENT,
	  "no persistent reservation of exactly that protocol and block" },
	{ PR_OP_LOOKUP, EPERM,
	  "the reservation's allowed uid/gid do not admit you (or use CAP_NET_ADMIN)" },
	{ PR_OP_LOOKUP, ENOENT,
	  "no persistent reservation of exactly that protocol and block" },
	{ PR_OP_LIST, EBADMSG,
	  "unexpected format in " PORTRES_PROC_PATH },
	/* Any operation. */
	{ PR_OP_NONE, ENOTTY, NO_MODULE },
	{ PR_OP_NONE, EOPNOTSUPP, "not a TCP or UDP socket" },
	{ PR_OP_NONE, ENOTSOCK, "not a socket" },
};

const char *portres_strerror(int err)
{
	enum portres_op op = err == last_err ? last_op : PR_OP_NONE;
	size_t i;

	if (err >= 0)
		return "success";
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (msgs[i].err == -err &&
		    (msgs[i].op == op || msgs[i].op == PR_OP_NONE))
			return msgs[i].text;
	return strerror(-err);
}

bool portres_module_missing(int err)
{
	if (err == -ENOTTY)
		return true;
	return err == -ENOENT && err == last_err &&
	       (last_op == PR_OP_OPEN || last_op == PR_OP_LIST);
}
