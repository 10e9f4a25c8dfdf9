// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libportres: overlapped operations on io_uring (portres/async.h).
 * Only liburing's inline helpers are used here.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "portres/async.h"

_Static_assert(sizeof(struct portres_uring_cmd) == 16,
	       "portres_uring_cmd must fill the 16-byte command area");

void portres_sqe_prep(struct io_uring_sqe *sqe, int ctlfd, __u32 cmd_op,
		      int sockfd, const void *arg, unsigned int flags,
		      __u64 user_data)
{
	struct portres_uring_cmd pc = {
		.sockfd = sockfd,
		.flags = flags,
		.arg = (__u64)(uintptr_t)arg,
	};

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ctlfd;
	sqe->cmd_op = cmd_op;
	memcpy(sqe->cmd, &pc, sizeof(pc));
	sqe->user_data = user_data;
}

static int prep(struct io_uring *ring, int ctlfd, __u32 cmd_op, int sockfd,
		const void *arg, unsigned int flags, __u64 user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	portres_sqe_prep(sqe, ctlfd, cmd_op, sockfd, arg, flags, user_data);
	return 0;
}

int portres_prep_acquire(struct io_uring *ring, int ctlfd, int sockfd,
			 struct inet_port_reservation_instance *inst,
			 unsigned int flags, __u64 user_data)
{
	return prep(ring, ctlfd, SIO_ACQUIRE_PORT_RESERVATION, sockfd, inst,
		    flags, user_data);
}

int portres_prep_associate(struct io_uring *ring, int ctlfd, int sockfd,
			   const struct inet_port_reservation_token *tok,
			   unsigned int flags, __u64 user_data)
{
	return prep(ring, ctlfd, SIO_ASSOCIATE_PORT_RESERVATION, sockfd, tok,
		    flags, user_data);
}

int portres_prep_release(struct io_uring *ring, int ctlfd, int sockfd,
			 const struct inet_port_reservation_token *tok,
			 unsigned int flags, __u64 user_data)
{
	return prep(ring, ctlfd, SIO_RELEASE_PORT_RESERVATION, sockfd, tok,
		    flags, user_data);
}

int portres_prep_cancel(struct io_uring *ring, __u64 target_user_data,
			__u64 user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_cancel64(sqe, target_user_data, 0);
	sqe->user_data = user_data;
	return 0;
}
