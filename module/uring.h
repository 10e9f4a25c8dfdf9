/* SPDX-License-Identifier: GPL-2.0 */
/* The socket operations as IORING_OP_URING_CMD on /dev/portres. */
#ifndef _PORTRES_URING_H
#define _PORTRES_URING_H

struct io_uring_cmd;

int portres_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags);

#endif /* _PORTRES_URING_H */
