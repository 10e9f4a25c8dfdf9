// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libportres: the generic netlink family "portres" (uapi/netlink/portres.yaml)
 * with plain sockets: the dump behind portres_list(), and the notifications
 * behind portres_monitor_*().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "internal.h"

#define NL_BUF		32768
#define ATTR_NEXT(a)	((struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))
#define ATTR_DATA(a)	((void *)((char *)(a) + NLA_HDRLEN))

struct family {
	uint16_t id;
	uint32_t notify_grp;
};

static int nl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	return fd < 0 ? -errno : fd;
}

static int nl_request(int fd, uint16_t type, uint16_t flags, uint8_t cmd,
		      const void *attrs, size_t alen)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char a[64];
	} req;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	if (alen > sizeof(req.a))
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + alen;
	req.n.nlmsg_type = type;
	req.n.nlmsg_flags = NLM_F_REQUEST | flags;
	req.n.nlmsg_seq = 1;
	req.g.cmd = cmd;
	req.g.version = PORTRES_GENL_VERSION;
	memcpy(req.a, attrs, alen);
	if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* The attributes of a generic netlink message: first one and length. */
static struct nlattr *genl_attrs(struct nlmsghdr *n, int *rem)
{
	*rem = (int)n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	return (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
}

static bool attr_ok(const struct nlattr *a, int rem)
{
	return rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
}

/* A CTRL_CMD_NEWFAMILY (reply or notification) for "portres" into *f. */
static int parse_family(struct nlmsghdr *n, struct family *f)
{
	struct nlattr *a, *g, *ga;
	bool ours = false;
	int rem, grem, garem;

	memset(f, 0, sizeof(*f));
	for (a = genl_attrs(n, &rem); attr_ok(a, rem);
	     rem -= NLA_ALIGN(a->nla_len), a = ATTR_NEXT(a)) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case CTRL_ATTR_FAMILY_NAME:
			ours = !strncmp(ATTR_DATA(a), PORTRES_GENL_NAME,
					a->nla_len - NLA_HDRLEN);
			break;
		case CTRL_ATTR_FAMILY_ID:
			memcpy(&f->id, ATTR_DATA(a), sizeof(f->id));
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			grem = a->nla_len - NLA_HDRLEN;
			for (g = ATTR_DATA(a); attr_ok(g, grem);
			     grem -= NLA_ALIGN(g->nla_len), g = ATTR_NEXT(g)) {
				uint32_t id = 0;
				bool notify = false;

				garem = g->nla_len - NLA_HDRLEN;
				for (ga = ATTR_DATA(g); attr_ok(ga, garem);
				     garem -= NLA_ALIGN(ga->nla_len),
				     ga = ATTR_NEXT(ga)) {
					if (ga->nla_type == CTRL_ATTR_MCAST_GRP_ID)
						memcpy(&id, ATTR_DATA(ga), sizeof(id));
					else if (ga->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
						notify = !strcmp(ATTR_DATA(ga),
								 PORTRES_GENL_MCGRP_NOTIFY);
				}
				if (notify)
					f->notify_grp = id;
			}
			break;
		}
	}
	return ours && f->id ? 0 : -ENOENT;
}

/* The family's id and group: -ENOENT when it is not registered. */
static int resolve(int fd, struct family *f)
{
	char attr[NLA_HDRLEN + NLA_ALIGN(sizeof(PORTRES_GENL_NAME))] = { 0 };
	struct nlattr *na = (struct nlattr *)attr;
	char *buf = malloc(NL_BUF);
	struct nlmsghdr *n;
	ssize_t len;
	int err;

	if (!buf)
		return -ENOMEM;
	na->nla_type = CTRL_ATTR_FAMILY_NAME;
	na->nla_len = NLA_HDRLEN + sizeof(PORTRES_GENL_NAME);
	memcpy(attr + NLA_HDRLEN, PORTRES_GENL_NAME, sizeof(PORTRES_GENL_NAME));
	err = nl_request(fd, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, attr,
			 sizeof(attr));
	if (!err) {
		len = recv(fd, buf, NL_BUF, 0);
		err = len < 0 ? -errno : -EBADMSG;
		n = (struct nlmsghdr *)buf;
		if (len > 0 && NLMSG_OK(n, len)) {
			if (n->nlmsg_type == NLMSG_ERROR)
				err = ((struct nlmsgerr *)NLMSG_DATA(n))->error;
			else
				err = parse_family(n, f);
		}
	}
	free(buf);
	return err;
}

/* One reservation message into *e (and *reason, if any). */
static int parse_resv(struct nlmsghdr *n, struct portres_entry *e, int *reason)
{
	struct nlattr *a;
	uint32_t seen = 0;
	uint8_t kind = 0;
	int rem;

	memset(e, 0, sizeof(*e));
	e->pid = PORTRES_NO_PID;
	e->allowed_uid = PORTRES_ANY_ID;
	e->allowed_gid = PORTRES_ANY_ID;
	*reason = 0;
	for (a = genl_attrs(n, &rem); attr_ok(a, rem);
	     rem -= NLA_ALIGN(a->nla_len), a = ATTR_NEXT(a)) {
		int type = a->nla_type & NLA_TYPE_MASK;
		size_t len = a->nla_len - NLA_HDRLEN;
		void *p = ATTR_DATA(a);
		uint64_t v64 = 0;
		uint32_t v32 = 0;
		uint16_t v16 = 0;
		uint8_t v8 = 0;

		/* Sizes from the spec; an attribute of another size is skipped. */
		if (len == 1)
			memcpy(&v8, p, 1);
		else if (len == 2)
			memcpy(&v16, p, 2);
		else if (len == 4)
			memcpy(&v32, p, 4);
		else if (len == 8)
			memcpy(&v64, p, 8);
		if (type < 32)
			seen |= 1u << type;
		switch (type) {
		case PORTRES_A_PROTOCOL: e->protocol = v8; break;
		case PORTRES_A_FIRST: e->first = v16; break;
		case PORTRES_A_LAST: e->last = v16; break;
		case PORTRES_A_COUNT: e->count = v32; break;
		case PORTRES_A_KIND: kind = v8; break;
		case PORTRES_A_IN_USE: e->in_use = v32; break;
		case PORTRES_A_UID: e->uid = v32; break;
		case PORTRES_A_PID: e->pid = (int32_t)v32; break;
		case PORTRES_A_ALLOWED_UID: e->allowed_uid = v32; break;
		case PORTRES_A_ALLOWED_GID: e->allowed_gid = v32; break;
		case PORTRES_A_TOKEN:
			e->token = v64;
			e->token_visible = len == 8;
			break;
		case PORTRES_A_COMM:
			if (len && len <= sizeof(e->comm) && !((char *)p)[len - 1])
				memcpy(e->comm, p, len);
			break;
		case PORTRES_A_REFUSED: e->refused = v64; break;
		case PORTRES_A_REASON: *reason = v8; break;
		}
	}
	e->persistent = kind == PORTRES_KIND_PERSISTENT;
	if (!(seen & (1u << PORTRES_A_PROTOCOL)) || !(seen & (1u << PORTRES_A_FIRST)) ||
	    !(seen & (1u << PORTRES_A_LAST)) || !kind || e->last < e->first ||
	    (e->protocol != IPPROTO_TCP && e->protocol != IPPROTO_UDP))
		return -EBADMSG;
	if (!e->count)
		e->count = e->last - e->first + 1;
	return 0;
}

static int dump(int fd, const struct family *f, struct portres_entry **out,
		size_t *count)
{
	struct portres_entry *list = NULL, *bigger;
	size_t len = 0, cap = 0;
	char *buf = malloc(NL_BUF);
	struct nlmsghdr *n;
	ssize_t got;
	int err, reason;

	if (!buf)
		return -ENOMEM;
	err = nl_request(fd, f->id, NLM_F_DUMP, PORTRES_CMD_GET, NULL, 0);
	while (!err) {
		got = recv(fd, buf, NL_BUF, 0);
		if (got < 0) {
			err = -errno;
			break;
		}
		for (n = (struct nlmsghdr *)buf; NLMSG_OK(n, got);
		     n = NLMSG_NEXT(n, got)) {
			if (n->nlmsg_type == NLMSG_DONE)
				goto done;
			if (n->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(n))->error;
				break;
			}
			if (n->nlmsg_type != f->id)
				continue;
			if (len == cap) {
				cap = cap ? 2 * cap : 16;
				bigger = realloc(list, cap * sizeof(*list));
				if (!bigger) {
					err = -ENOMEM;
					break;
				}
				list = bigger;
			}
			err = parse_resv(n, &list[len], &reason);
			if (err)
				break;
			len++;
		}
	}
	free(buf);
	free(list);
	return err ? err : -EBADMSG;
done:
	free(buf);
	*out = list;
	*count = len;
	return 0;
}

int portres_list_proc(struct portres_entry **out, size_t *n)
{
	FILE *f = fopen(PORTRES_PROC_PATH, "re");
	int ret;

	if (!f)
		return portres__fail(PR_OP_LIST, -errno);
	ret = portres_list_parse(f, out, n);
	fclose(f);
	return ret;
}

int portres_list(struct portres_entry **out, size_t *n)
{
	struct family f;
	int fd = nl_socket(), err;

	if (fd < 0)
		return portres__fail(PR_OP_LIST, fd);
	err = resolve(fd, &f);
	if (!err)
		err = dump(fd, &f, out, n);
	close(fd);
	/* A module without the family still has the listing in /proc. */
	if (err == -ENOENT)
		return portres_list_proc(out, n);
	return err ? portres__fail(PR_OP_LIST, err) : 0;
}

/* ---- notifications ---- */

int portres_monitor_open(void)
{
	uint32_t ctrl_grp = GENL_ID_CTRL;	/* nlctrl's "notify" group */
	struct family f;
	int fd = nl_socket(), err;

	if (fd < 0)
		return portres__fail(PR_OP_LIST, fd);
	err = resolve(fd, &f);
	if (!err && !f.notify_grp)
		err = -EPROTO;
	if (!err && (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&f.notify_grp, sizeof(f.notify_grp)) ||
		     setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&ctrl_grp, sizeof(ctrl_grp))))
		err = -errno;
	if (err) {
		close(fd);
		return portres__fail(PR_OP_LIST, err);
	}
	return fd;
}

int portres_monitor_read(int fd, struct portres_event *ev)
{
	char *buf = malloc(NL_BUF);
	struct genlmsghdr *g;
	struct nlmsghdr *n;
	struct family f;
	ssize_t len;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	memset(ev, 0, sizeof(*ev));
	len = recv(fd, buf, NL_BUF, 0);
	n = (struct nlmsghdr *)buf;
	if (len < 0) {
		ret = -errno;
	} else if (NLMSG_OK(n, len) && n->nlmsg_type >= NLMSG_MIN_TYPE &&
		   n->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN)) {
		g = NLMSG_DATA(n);
		if (n->nlmsg_type == GENL_ID_CTRL) {
			/* The module came back: listen to its new group. */
			if (g->cmd == CTRL_CMD_NEWFAMILY && !parse_family(n, &f)) {
				if (f.notify_grp &&
				    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
					       &f.notify_grp, sizeof(f.notify_grp)))
					ret = -errno;
				else
					ret = ev->type = PORTRES_EVENT_LOADED;
			} else if (g->cmd == CTRL_CMD_DELFAMILY &&
				   !parse_family(n, &f)) {
				ret = ev->type = PORTRES_EVENT_UNLOADED;
			}
		} else if (g->cmd == PORTRES_CMD_NEW || g->cmd == PORTRES_CMD_DEL) {
			ret = parse_resv(n, &ev->entry, &ev->reason);
			if (!ret)
				ret = ev->type = g->cmd == PORTRES_CMD_NEW ?
					PORTRES_EVENT_NEW : PORTRES_EVENT_DEL;
		}
	}
	free(buf);
	return ret;
}

const char *portres_reason_name(int reason)
{
	switch (reason) {
	case PORTRES_REASON_RELEASE: return "release";
	case PORTRES_REASON_CLOSE: return "close";
	case PORTRES_REASON_DELETE: return "delete";
	case PORTRES_REASON_NETNS: return "netns";
	case PORTRES_REASON_UNLOAD: return "unload";
	case PORTRES_REASON_ABORT: return "abort";
	}
	return NULL;
}
