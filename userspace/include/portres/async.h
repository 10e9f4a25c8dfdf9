/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libportres: overlapped (asynchronous) port-reservation operations on
 * io_uring, with liburing.
 *
 * Each function prepares one SQE on ring: IORING_OP_URING_CMD on the
 * control device ctlfd (portres_open(), /dev/portres) with cmd_op = the
 * socket ioctl's code and struct portres_uring_cmd { sockfd, flags, arg }
 * in the command area. The caller submits (io_uring_submit()) and reaps
 * the CQE: cqe->user_data is user_data, cqe->res is 0 or the negative
 * errno the ioctl would have returned (plus -ENOTSOCK / -EBADF /
 * -EOPNOTSUPP for a bad sockfd, -EINVAL for bad flags). The structure
 * behind inst/tok is read when the command runs and, for acquire, written
 * before the CQE is posted: it must stay valid until the CQE arrives.
 *
 * flags: PORTRES_F_WAIT (acquire only): an acquire of a specific block
 * that another reservation holds stays pending until that reservation is
 * released, deleted or its socket closed (oldest waiter first among
 * overlapping blocks) instead of failing with -EADDRINUSE. A block that a
 * bound socket holds still fails at once. A pending command ends with
 * -ECANCELED when its socket is closed, its ring is torn down
 * (io_uring_queue_exit()), its task exits, or it is canceled with
 * IORING_OP_ASYNC_CANCEL (portres_prep_cancel(); that cancel's own CQE
 * says -EALREADY: the wait runs in an io-wq worker of the submitting
 * process, so the "same process" rules of associate/release hold).
 *
 * Return: 0, or -EBUSY when the submission queue is full (submit, reap,
 * try again). Nothing else is checked here: the kernel checks everything
 * and answers in the CQE. The kernel reads the first 16 bytes of the
 * command area only, so rings with or without IORING_SETUP_SQE128 work.
 *
 * Link with -lportres -luring (liburing's inline helpers suffice for these
 * functions; the Windows-style overlapped layer needs the library).
 */
#ifndef PORTRES_ASYNC_H
#define PORTRES_ASYNC_H

#include <liburing.h>
#include <linux/portres.h>

#ifdef __cplusplus
extern "C" {
#endif

int portres_prep_acquire(struct io_uring *ring, int ctlfd, int sockfd,
			 struct inet_port_reservation_instance *inst,
			 unsigned int flags, __u64 user_data);
int portres_prep_associate(struct io_uring *ring, int ctlfd, int sockfd,
			   const struct inet_port_reservation_token *tok,
			   unsigned int flags, __u64 user_data);
int portres_prep_release(struct io_uring *ring, int ctlfd, int sockfd,
			 const struct inet_port_reservation_token *tok,
			 unsigned int flags, __u64 user_data);

/*
 * IORING_OP_ASYNC_CANCEL of the command submitted with target_user_data;
 * the cancel's own CQE carries user_data.
 */
int portres_prep_cancel(struct io_uring *ring, __u64 target_user_data,
			__u64 user_data);

/*
 * The general form, on an SQE the caller got: cmd_op is one of
 * SIO_{ACQUIRE,ASSOCIATE,RELEASE}_PORT_RESERVATION, arg points to its
 * structure. Clears the whole SQE first.
 */
void portres_sqe_prep(struct io_uring_sqe *sqe, int ctlfd, __u32 cmd_op,
		      int sockfd, const void *arg, unsigned int flags,
		      __u64 user_data);

#ifdef __cplusplus
}
#endif

#endif /* PORTRES_ASYNC_H */
