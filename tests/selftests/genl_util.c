// SPDX-License-Identifier: GPL-2.0
/* Generic netlink for the selftests: see genl_util.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genl_util.h"
#include "portres_util.h"

/* uapi/netlink/portres.yaml, attribute-set resv: payload size, 0 = string. */
static const struct {
	const char *name;
	int size;
} spec[PORTRES_A_MAX + 1] = {
	[PORTRES_A_PAD] = { "pad", -1 },
	[PORTRES_A_PROTOCOL] = { "protocol", 1 },
	[PORTRES_A_FIRST] = { "first", 2 },
	[PORTRES_A_LAST] = { "last", 2 },
	[PORTRES_A_COUNT] = { "count", 4 },
	[PORTRES_A_KIND] = { "kind", 1 },
	[PORTRES_A_IN_USE] = { "in-use", 4 },
	[PORTRES_A_UID] = { "uid", 4 },
	[PORTRES_A_PID] = { "pid", 4 },
	[PORTRES_A_ALLOWED_UID] = { "allowed-uid", 4 },
	[PORTRES_A_ALLOWED_GID] = { "allowed-gid", 4 },
	[PORTRES_A_TOKEN] = { "token", 8 },
	[PORTRES_A_COMM] = { "comm", 0 },
	[PORTRES_A_REFUSED] = { "refused", 8 },
	[PORTRES_A_REASON] = { "reason", 1 },
};

static uint32_t seq_no = 1;

int xnl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		die("socket(NETLINK_GENERIC): %s", strerror(errno));
	return fd;
}

static int nl_send(int fd, uint16_t type, uint16_t flags, uint8_t cmd,
		   const void *attrs, size_t alen)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char a[256];
	} req = {
		.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + alen,
		.n.nlmsg_type = type,
		.n.nlmsg_flags = NLM_F_REQUEST | flags,
		.n.nlmsg_seq = seq_no++,
		.g.cmd = cmd,
		.g.version = 1,
	};
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	memcpy(req.a, attrs, alen);
	if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return -errno;
	return 0;
}

int nl_resolve(int fd, struct nl_family *f)
{
	char attr[NLA_HDRLEN + NLA_ALIGN(sizeof(PORTRES_GENL_NAME))] = { 0 };
	struct nlattr *na = (struct nlattr *)attr;
	static char buf[16384];
	struct nlmsghdr *n;
	ssize_t len;
	int err;

	na->nla_type = CTRL_ATTR_FAMILY_NAME;
	na->nla_len = NLA_HDRLEN + sizeof(PORTRES_GENL_NAME);
	memcpy(attr + NLA_HDRLEN, PORTRES_GENL_NAME, sizeof(PORTRES_GENL_NAME));
	err = nl_send(fd, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, attr,
		      sizeof(attr));
	if (err)
		return err;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < 0)
		return -errno;
	memset(f, 0, sizeof(*f));
	for (n = (struct nlmsghdr *)buf; NLMSG_OK(n, len); n = NLMSG_NEXT(n, len)) {
		struct nlattr *a;
		int rem;

		if (n->nlmsg_type == NLMSG_ERROR)
			return ((struct nlmsgerr *)NLMSG_DATA(n))->error;
		rem = n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
		for (a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
		     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
		     rem -= NLA_ALIGN(a->nla_len),
		     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
			void *p = (char *)a + NLA_HDRLEN;
			struct nlattr *g, *ga;
			int grem, garem;

			switch (a->nla_type & NLA_TYPE_MASK) {
			case CTRL_ATTR_FAMILY_ID:
				f->id = *(uint16_t *)p;
				break;
			case CTRL_ATTR_VERSION:
				f->version = *(uint32_t *)p;
				break;
			case CTRL_ATTR_MCAST_GROUPS:
				grem = a->nla_len - NLA_HDRLEN;
				for (g = p; grem >= NLA_HDRLEN && g->nla_len >= NLA_HDRLEN;
				     grem -= NLA_ALIGN(g->nla_len),
				     g = (struct nlattr *)((char *)g + NLA_ALIGN(g->nla_len))) {
					uint32_t id = 0;
					bool notify = false;

					garem = g->nla_len - NLA_HDRLEN;
					for (ga = (struct nlattr *)((char *)g + NLA_HDRLEN);
					     garem >= NLA_HDRLEN && ga->nla_len >= NLA_HDRLEN;
					     garem -= NLA_ALIGN(ga->nla_len),
					     ga = (struct nlattr *)((char *)ga + NLA_ALIGN(ga->nla_len))) {
						char *gp = (char *)ga + NLA_HDRLEN;

						if (ga->nla_type == CTRL_ATTR_MCAST_GRP_ID)
							id = *(uint32_t *)gp;
						else if (ga->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
							notify = !strcmp(gp, PORTRES_GENL_MCGRP_NOTIFY);
					}
					if (notify)
						f->notify_grp = id;
				}
				break;
			}
		}
	}
	return f->id ? 0 : -ENOENT;
}

int nl_subscribe(int fd, uint32_t grp)
{
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)))
		return -errno;
	return 0;
}

/* One portres message into *r, every attribute checked against the spec. */
static int nl_parse(struct nlmsghdr *n, struct nl_resv *r)
{
	struct genlmsghdr *g = NLMSG_DATA(n);
	struct nlattr *a;
	int rem;

	memset(r, 0, sizeof(*r));
	if (n->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
		diag("short message");
		return -EPROTO;
	}
	if (g->version != PORTRES_GENL_VERSION) {
		diag("message of version %u", g->version);
		return -EPROTO;
	}
	r->cmd = g->cmd;
	rem = n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)((char *)g + GENL_HDRLEN);
	     rem >= NLA_HDRLEN;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		int type = a->nla_type & NLA_TYPE_MASK;
		int len = a->nla_len - NLA_HDRLEN;
		char *p = (char *)a + NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem) {
			diag("attribute overruns its message");
			return -EPROTO;
		}
		if (type < 1 || type > PORTRES_A_MAX || !spec[type].name) {
			diag("attribute %d is not in the spec", type);
			return -EPROTO;
		}
		if (type == PORTRES_A_PAD)
			continue;
		if (spec[type].size ? len != spec[type].size :
		    (len < 1 || p[len - 1] || (int)strlen(p) != len - 1 ||
		     len > (int)sizeof(r->comm))) {
			diag("attribute %s has %d bytes", spec[type].name, len);
			return -EPROTO;
		}
		if (NL_HAS(r, type)) {
			diag("attribute %s twice", spec[type].name);
			return -EPROTO;
		}
		r->has |= 1u << type;
		switch (type) {
		case PORTRES_A_PROTOCOL: r->protocol = *(uint8_t *)p; break;
		case PORTRES_A_FIRST: r->first = *(uint16_t *)p; break;
		case PORTRES_A_LAST: r->last = *(uint16_t *)p; break;
		case PORTRES_A_COUNT: r->count = *(uint32_t *)p; break;
		case PORTRES_A_KIND: r->kind = *(uint8_t *)p; break;
		case PORTRES_A_IN_USE: r->in_use = *(uint32_t *)p; break;
		case PORTRES_A_UID: r->uid = *(uint32_t *)p; break;
		case PORTRES_A_PID: r->pid = *(uint32_t *)p; break;
		case PORTRES_A_ALLOWED_UID: r->allowed_uid = *(uint32_t *)p; break;
		case PORTRES_A_ALLOWED_GID: r->allowed_gid = *(uint32_t *)p; break;
		case PORTRES_A_TOKEN: memcpy(&r->token, p, 8); break;
		case PORTRES_A_COMM: memcpy(r->comm, p, len); break;
		case PORTRES_A_REFUSED: memcpy(&r->refused, p, 8); break;
		case PORTRES_A_REASON: r->reason = *(uint8_t *)p; break;
		}
	}
	if (rem) {
		diag("%d bytes after the attributes", rem);
		return -EPROTO;
	}
	return 0;
}

int nl_dump(int fd, const struct nl_family *f, struct nl_resv *out, int max)
{
	static char buf[65536];
	struct nlmsghdr *n;
	ssize_t len;
	int count = 0, err;

	err = nl_send(fd, f->id, NLM_F_DUMP, PORTRES_CMD_GET, NULL, 0);
	if (err)
		return err;
	for (;;) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return -errno;
		for (n = (struct nlmsghdr *)buf; NLMSG_OK(n, len);
		     n = NLMSG_NEXT(n, len)) {
			if (n->nlmsg_type == NLMSG_DONE)
				return count;
			if (n->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(n))->error;
			if (n->nlmsg_type != f->id)
				continue;	/* a notification */
			if (!(n->nlmsg_flags & NLM_F_MULTI)) {
				diag("dump reply without NLM_F_MULTI");
				return -EPROTO;
			}
			if (count == max)
				return -E2BIG;
			err = nl_parse(n, &out[count]);
			if (err)
				return err;
			if (out[count].cmd != PORTRES_CMD_GET) {
				diag("dump reply with command %d",
					 out[count].cmd);
				return -EPROTO;
			}
			count++;
		}
	}
}

int nl_next_event(int fd, const struct nl_family *f, struct nl_resv *ev,
		  int timeout_ms)
{
	static char buf[8192];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct nlmsghdr *n;
	ssize_t len;
	int ret;

	for (;;) {
		ret = poll(&p, 1, timeout_ms);
		if (ret < 0)
			return -errno;
		if (!ret)
			return 0;
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0)
			return errno == EAGAIN ? 0 : -errno;
		n = (struct nlmsghdr *)buf;
		if (!NLMSG_OK(n, len) || n->nlmsg_type != f->id)
			continue;
		if (NLMSG_ALIGN(n->nlmsg_len) < (size_t)len) {
			diag("a notification datagram with several messages");
			return -EPROTO;
		}
		ret = nl_parse(n, ev);
		return ret ? ret : 1;
	}
}
