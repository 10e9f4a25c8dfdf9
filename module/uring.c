// SPDX-License-Identifier: GPL-2.0
/*
 * Overlapped operations: IORING_OP_URING_CMD on /dev/portres with cmd_op
 * set to the socket ioctl's code and struct portres_uring_cmd in the
 * command area. The CQE carries the ioctl's result; the output structure
 * is written before it is posted.
 */
#include <linux/kernel.h>
#include <linux/net.h>
#include <linux/portres.h>

#include "compat.h"
#include "ports.h"
#include "sockops.h"
#include "uring.h"
#include "wait.h"

int portres_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	const struct portres_uring_cmd *pc = portres_uring_cmd_area(ioucmd);
	u32 op = ioucmd->cmd_op;
	void __user *arg;
	struct socket *sock;
	int fd, err, proto;
	u32 flags;

	if (!portres_is_sock_op(op))
		return -ENOTTY;
	/* The command area is shared with userspace: read it once. */
	fd = READ_ONCE(pc->sockfd);
	flags = READ_ONCE(pc->flags);
	arg = u64_to_user_ptr(READ_ONCE(pc->arg));
	if (flags & ~PORTRES_F_WAIT)
		return -EINVAL;
	if ((flags & PORTRES_F_WAIT) && op != SIO_ACQUIRE_PORT_RESERVATION)
		return -EINVAL;
	/* Waiting may sleep long: have io_uring reissue it from io-wq. */
	if ((flags & PORTRES_F_WAIT) && (issue_flags & IO_URING_F_NONBLOCK))
		return -EAGAIN;

	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return err;
	proto = sock->sk ? portres_sk_proto(sock->sk) : -1;
	if (proto < 0) {
		sockfd_put(sock);
		return -EOPNOTSUPP;
	}
	if (flags & PORTRES_F_WAIT)
		return portres_acquire_wait(sock, proto, arg);
	err = portres_sock_op(sock->sk, op, arg);
	sockfd_put(sock);
	return err;
}
