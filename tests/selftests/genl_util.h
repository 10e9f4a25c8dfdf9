/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client for the selftests (no libnl): resolve the
 * portres family, dump, subscribe to "notify", and read messages with
 * every attribute checked against the types of uapi/netlink/portres.yaml.
 */
#ifndef PORTRES_GENL_UTIL_H
#define PORTRES_GENL_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/portres.h>

struct nl_family {
	uint16_t id;
	uint32_t version;
	uint32_t notify_grp;	/* 0: no such group */
};

/* One reservation message (dump reply or notification). */
struct nl_resv {
	int cmd;			/* PORTRES_CMD_* */
	uint32_t has;			/* bit PORTRES_A_x: attribute present */
	uint8_t protocol, kind, reason;
	uint16_t first, last;
	uint32_t count, in_use, uid, pid, allowed_uid, allowed_gid;
	uint64_t token, refused;
	char comm[64];
};

#define NL_HAS(m, a)	(((m)->has >> (a)) & 1)

/* A NETLINK_GENERIC socket, or dies. */
int xnl_socket(void);
/* 0, -ENOENT when the family is not registered, or -errno. */
int nl_resolve(int fd, struct nl_family *f);
int nl_subscribe(int fd, uint32_t grp);
/*
 * Dumps the namespace's reservations into out[max]; the count or -errno.
 * -EPROTO: an attribute that the spec does not describe, or of the wrong
 * size (the reason is printed as a TAP diagnostic).
 */
int nl_dump(int fd, const struct nl_family *f, struct nl_resv *out, int max);
/*
 * The next notification within timeout_ms: 1 with *ev, 0 on timeout,
 * -errno (-ENOBUFS: overrun, -EPROTO: bad message).
 */
int nl_next_event(int fd, const struct nl_family *f, struct nl_resv *ev,
		  int timeout_ms);

#endif
