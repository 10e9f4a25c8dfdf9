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

#endif /* _UAPI_LINUX_PORTRES_H */
