/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * portres: the Windows port-reservation model for Linux sockets.
 *
 * A process reserves a block of TCP or UDP ports on a socket, gets a token,
 * associates other sockets with the token so that their bind() takes a port
 * from the block, and releases the block (or closes the socket).
 */
#ifndef _UAPI_LINUX_PORTRES_H
#define _UAPI_LINUX_PORTRES_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Like Windows INET_PORT_RANGE. */
struct inet_port_range {
	__be16 start_port;		/* network byte order; 0 = any block */
	__u16 number_of_ports;		/* host byte order, >= 1 */
};

/* Like Windows INET_PORT_RESERVATION_TOKEN. */
struct inet_port_reservation_token {
	__u64 token;
};

/* Like Windows INET_PORT_RESERVATION_INSTANCE. */
struct inet_port_reservation_instance {
	struct inet_port_range reservation;
	__u32 pad;			/* must be zero */
	struct inet_port_reservation_token token;
};

/* Persistent reservations, through the control device /dev/portres. */
struct portres_persistent {
	__u32 protocol;			/* IPPROTO_TCP or IPPROTO_UDP */
	__u32 flags;			/* PORTRES_F_* */
	struct inet_port_range range;	/* specific block, start_port != 0 */
	__u32 allowed_uid;		/* (__u32)-1 = anyone */
	__u32 allowed_gid;		/* (__u32)-1 = anyone */
	__u32 pad;			/* must be zero */
	__u64 token;			/* out for create and lookup */
};

/* Asynchronous form: the 16-byte command area of an IORING_OP_URING_CMD. */
struct portres_uring_cmd {
	__s32 sockfd;			/* the socket the operation is for */
	__u32 flags;			/* PORTRES_F_WAIT (acquire only) */
	__u64 arg;			/* user pointer to the ioctl's structure */
};

#define PORTRES_ANY_ID			((__u32)-1)

/* portres_persistent.flags: create with the given .token (restore). */
#define PORTRES_F_GIVEN_TOKEN		0x1U
/* portres_uring_cmd.flags: wait for a held block instead of failing. */
#define PORTRES_F_WAIT			0x1U

#define PORTRES_IOC_MAGIC		'J'

/* Socket ioctls, on AF_INET/AF_INET6 TCP or UDP sockets. */
#define SIO_ACQUIRE_PORT_RESERVATION \
	_IOWR(PORTRES_IOC_MAGIC, 0x01, struct inet_port_reservation_instance)
#define SIO_ASSOCIATE_PORT_RESERVATION \
	_IOW(PORTRES_IOC_MAGIC, 0x02, struct inet_port_reservation_token)
#define SIO_RELEASE_PORT_RESERVATION \
	_IOW(PORTRES_IOC_MAGIC, 0x03, struct inet_port_reservation_token)

/* Control device ioctls. */
#define PORTRES_IOC_CREATE_PERSISTENT \
	_IOWR(PORTRES_IOC_MAGIC, 0x10, struct portres_persistent)
#define PORTRES_IOC_DELETE_PERSISTENT \
	_IOW(PORTRES_IOC_MAGIC, 0x11, struct portres_persistent)
#define PORTRES_IOC_LOOKUP_PERSISTENT \
	_IOWR(PORTRES_IOC_MAGIC, 0x12, struct portres_persistent)

/*
 * Generic netlink family PORTRES_GENL_NAME (uapi/netlink/portres.yaml is
 * its YNL spec). PORTRES_CMD_GET dumps the caller's network namespace;
 * the multicast group PORTRES_GENL_MCGRP_NOTIFY carries PORTRES_CMD_NEW
 * and PORTRES_CMD_DEL for every reservation made or ended there. Tokens
 * appear only in dumps, and only for CAP_NET_ADMIN.
 */
#define PORTRES_GENL_NAME		"portres"
#define PORTRES_GENL_VERSION		1
#define PORTRES_GENL_MCGRP_NOTIFY	"notify"

/* PORTRES_A_KIND */
enum portres_nl_kind {
	PORTRES_KIND_RUNTIME = 1,	/* acquired on a socket */
	PORTRES_KIND_PERSISTENT,	/* made through /dev/portres */
};

/* PORTRES_A_REASON: why a reservation ended (PORTRES_CMD_DEL). */
enum portres_nl_reason {
	PORTRES_REASON_RELEASE = 1,	/* SIO_RELEASE_PORT_RESERVATION */
	PORTRES_REASON_CLOSE,		/* the socket it was acquired on closed */
	PORTRES_REASON_DELETE,		/* PORTRES_IOC_DELETE_PERSISTENT */
	PORTRES_REASON_NETNS,		/* its network namespace went away */
	PORTRES_REASON_UNLOAD,		/* the module was unloaded */
	PORTRES_REASON_ABORT,		/* acquire undone: its result was unwritable */
};

/* Attributes of PORTRES_CMD_GET replies and of the notifications. */
enum {
	PORTRES_A_UNSPEC,
	PORTRES_A_PAD,
	PORTRES_A_PROTOCOL,		/* u8: IPPROTO_TCP or IPPROTO_UDP */
	PORTRES_A_FIRST,		/* u16: first port, host byte order */
	PORTRES_A_LAST,			/* u16: last port, inclusive */
	PORTRES_A_COUNT,		/* u32: number of ports */
	PORTRES_A_KIND,			/* u8: enum portres_nl_kind */
	PORTRES_A_IN_USE,		/* u32: ports bound now (dumps only) */
	PORTRES_A_UID,			/* u32: acquirer or creator */
	PORTRES_A_PID,			/* u32: acquiring process (runtime) */
	PORTRES_A_ALLOWED_UID,		/* u32: persistent; absent = anyone */
	PORTRES_A_ALLOWED_GID,		/* u32: persistent; absent = anyone */
	PORTRES_A_TOKEN,		/* u64: dumps, CAP_NET_ADMIN only */
	PORTRES_A_COMM,			/* string: acquiring command (runtime) */
	PORTRES_A_REFUSED,		/* u64: binds refused so far */
	PORTRES_A_REASON,		/* u8: enum portres_nl_reason (DEL) */

	__PORTRES_A_MAX,
};

#define PORTRES_A_MAX			(__PORTRES_A_MAX - 1)

enum {
	PORTRES_CMD_UNSPEC,
	PORTRES_CMD_GET,		/* dump: one message per reservation */
	PORTRES_CMD_NEW,		/* notification: a reservation was made */
	PORTRES_CMD_DEL,		/* notification: a reservation ended */

	__PORTRES_CMD_MAX,
};

#define PORTRES_CMD_MAX			(__PORTRES_CMD_MAX - 1)

#endif /* _UAPI_LINUX_PORTRES_H */
