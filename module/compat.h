/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels portres supports (6.1 to 7.x). Every
 * version test of the module lives here; Kbuild probes the kernel's headers
 * for the PORTRES_HAVE_* macros.
 */
#ifndef _PORTRES_COMPAT_H
#define _PORTRES_COMPAT_H

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/udp.h>
#ifdef PORTRES_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

/*
 * The hooks redirect calls by changing the traced function's return point
 * from an ftrace callback (FTRACE_OPS_FL_IPMODIFY).
 */
#if !defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS) && \
	!defined(CONFIG_DYNAMIC_FTRACE_WITH_ARGS)
#error "portres needs ftrace that can redirect calls (DYNAMIC_FTRACE_WITH_REGS or _ARGS)"
#endif

/*
 * With ftrace_regs (WITH_ARGS, x86-64 since 6.1) ftrace_caller copies a
 * changed instruction pointer back by itself: saving every register, as
 * SAVE_REGS does, is needed only without it (as livepatch does).
 */
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#define PORTRES_FTRACE_OPS_FLAGS	FTRACE_OPS_FL_IPMODIFY
#else
#define PORTRES_FTRACE_OPS_FLAGS \
	(FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY)
#endif

/*
 * The hooks' stubs (hooks.c) are x86-64 code that ftrace calls directly.
 * 6.5 gave the ftrace_ops-based direct calls the plain names (6.1:
 * *_multi); their filters go with the ops, as the others' do.
 */
#if defined(CONFIG_X86_64) && defined(CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS)
#define PORTRES_HOOK_STUBS
#include <linux/linkage.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>
#ifndef CALL_DEPTH_ACCOUNT
#define CALL_DEPTH_ACCOUNT	""
#endif
#ifdef PORTRES_HAVE_FTRACE_DIRECT_MULTI
#define portres_ftrace_direct_register(ops, addr) \
	register_ftrace_direct_multi(ops, addr)
#define portres_ftrace_direct_unregister(ops, addr) \
	unregister_ftrace_direct_multi(ops, addr)
#else
#define portres_ftrace_direct_register(ops, addr) \
	register_ftrace_direct(ops, addr)
#define portres_ftrace_direct_unregister(ops, addr) \
	unregister_ftrace_direct(ops, addr, false)
#endif
#else
static inline int portres_ftrace_direct_register(struct ftrace_ops *ops,
						 unsigned long addr)
{
	return -EOPNOTSUPP;
}

static inline void portres_ftrace_direct_unregister(struct ftrace_ops *ops,
						    unsigned long addr)
{
}
#endif

/* 6.7 renamed the helper that redirects a traced call. */
#ifdef ftrace_regs_set_instruction_pointer
#define portres_ftrace_set_ip(fregs, ip) \
	ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define portres_ftrace_set_ip(fregs, ip) \
	ftrace_instruction_pointer_set(fregs, ip)
#endif

/* Argument @n of the traced call; 6.1's ftrace_regs is a pt_regs. */
#ifdef ftrace_regs_get_argument
#define portres_ftrace_arg(fregs, n)	ftrace_regs_get_argument(fregs, n)
#else
#define portres_ftrace_arg(fregs, n) \
	regs_get_kernel_argument(&(fregs)->regs, n)
#endif

/* This module's text; 6.4 replaced the module layouts by module_memory. */
static inline void portres_module_text(unsigned long *start,
				       unsigned long *size)
{
#ifdef PORTRES_HAVE_MODULE_MEMORY
	*start = (unsigned long)THIS_MODULE->mem[MOD_TEXT].base;
	*size = THIS_MODULE->mem[MOD_TEXT].size;
#else
	*start = (unsigned long)THIS_MODULE->core_layout.base;
	*size = THIS_MODULE->core_layout.text_size;
#endif
}

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

/* Where the 16-byte command area of an IORING_OP_URING_CMD is. */
#if defined(PORTRES_HAVE_TYPED_IO_URING_SQE_CMD)
#define portres_uring_cmd_area(ioucmd) \
	io_uring_sqe_cmd((ioucmd)->sqe, struct portres_uring_cmd)
#elif defined(PORTRES_HAVE_IO_URING_SQE_CMD)
#define portres_uring_cmd_area(ioucmd) \
	((const struct portres_uring_cmd *)io_uring_sqe_cmd((ioucmd)->sqe))
#else
#define portres_uring_cmd_area(ioucmd) \
	((const struct portres_uring_cmd *)(ioucmd)->cmd)
#endif

#endif /* _PORTRES_COMPAT_H */
