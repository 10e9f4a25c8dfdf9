/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels portres supports (Debian's 6.1 and 6.12).
 * Every version test of the module lives here.
 */
#ifndef _PORTRES_COMPAT_H
#define _PORTRES_COMPAT_H

#include <linux/ftrace.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/udp.h>
#ifdef PORTRES_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

/* 6.7 renamed the helper that redirects a traced call. */
#ifdef ftrace_regs_set_instruction_pointer
#define portres_ftrace_set_ip(fregs, ip) \
	ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define portres_ftrace_set_ip(fregs, ip) \
	ftrace_instruction_pointer_set(fregs, ip)
#endif

/* Kbuild probes the kernel's headers for the PORTRES_HAVE_* macros. */

/* 6.11 made sysctl handlers take a const table. */
#ifdef PORTRES_HAVE_CONST_CTL_TABLE
#define portres_ctl_table_t const struct ctl_table
#else
#define portres_ctl_table_t struct ctl_table
#endif

/* 6.2 gave each namespace its own UDP hash table. */
static inline struct udp_table *portres_udp_table(struct net *net)
{
#ifdef PORTRES_HAVE_NETNS_UDP_TABLE
	return net->ipv4.udp_table;
#else
	return &udp_table;
#endif
}

/* 6.6 moved the command area behind the SQE pointer. */
static inline const void *portres_uring_cmd_area(struct io_uring_cmd *ioucmd)
{
#ifdef PORTRES_HAVE_IO_URING_CMD_H
	return io_uring_sqe_cmd(ioucmd->sqe);
#else
	return ioucmd->cmd;
#endif
}

#endif /* _PORTRES_COMPAT_H */
