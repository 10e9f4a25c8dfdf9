// SPDX-License-Identifier: GPL-2.0
/*
 * portres redirects a few exported kernel functions with ftrace
 * (FTRACE_OPS_FL_IPMODIFY, as livepatch does). A wrapper calls the original
 * function; ftrace sees that call come from this module and lets it through.
 * The whole module is built without sibling calls, so that a wrapper's
 * call always leaves a return address inside the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/compat.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <net/inet6_hashtables.h>
#include <net/inet_common.h>
#include <net/inet_hashtables.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "bind.h"
#include "compat.h"
#include "hooks.h"
#include "ksyms.h"
#include "ports.h"
#include "sockops.h"
#include "sysctl.h"

/*
 * Wrapper calls under way, so that unload can wait for them: a wrapper may
 * sleep inside the original (a lingering close) and must not come back to
 * freed module text. Per CPU: the bind path is hot.
 */
static DEFINE_PER_CPU(long, portres_inflight);

static void portres_enter(void)
{
	this_cpu_inc(portres_inflight);
}

static void portres_leave(void)
{
	this_cpu_dec(portres_inflight);
}

typedef int (*portres_sock_ioctl_fn)(struct socket *sock, unsigned int cmd,
				     unsigned long arg);

/* The socket ioctls are portres'; the rest goes to @orig, untouched. */
static int portres_ioctl(struct socket *sock, unsigned int cmd,
			 unsigned long arg, void __user *uarg,
			 portres_sock_ioctl_fn orig)
{
	int ret;

	portres_enter();
	if (portres_is_sock_op(cmd))
		ret = portres_sock_ioctl(sock, cmd, (unsigned long)uarg);
	else
		ret = orig(sock, cmd, arg);
	portres_leave();
	return ret;
}

static int portres_inet_ioctl(struct socket *sock, unsigned int cmd,
			      unsigned long arg)
{
	return portres_ioctl(sock, cmd, arg, (void __user *)arg, inet_ioctl);
}

static int portres_inet6_ioctl(struct socket *sock, unsigned int cmd,
			       unsigned long arg)
{
	return portres_ioctl(sock, cmd, arg, (void __user *)arg, inet6_ioctl);
}

#ifdef CONFIG_COMPAT
/*
 * 32-bit callers: the structures have the same layout, only the pointer
 * needs widening. inet_compat_ioctl is static; inet_stream_ops, which is
 * exported, points at it.
 */
static portres_sock_ioctl_fn portres_inet_compat_ioctl_orig;

static int portres_inet_compat_ioctl(struct socket *sock, unsigned int cmd,
				     unsigned long arg)
{
	return portres_ioctl(sock, cmd, arg, compat_ptr(arg),
			     portres_inet_compat_ioctl_orig);
}

static int portres_inet6_compat_ioctl(struct socket *sock, unsigned int cmd,
				      unsigned long arg)
{
	return portres_ioctl(sock, cmd, arg, compat_ptr(arg),
			     inet6_compat_ioctl);
}
#endif

static int portres_inet_csk_get_port(struct sock *sk, unsigned short snum)
{
	int ret;

	portres_enter();
	ret = portres_get_port(sk, snum, 0, portres_tcp_get_port);
	portres_leave();
	return ret;
}

static int portres_udp_lib_get_port(struct sock *sk, unsigned short snum,
				    unsigned int hash2_nulladdr)
{
	int ret;

	portres_enter();
	ret = portres_get_port(sk, snum, hash2_nulladdr,
			       portres_ksyms.udp_lib_get_port);
	portres_leave();
	return ret;
}

static int portres_inet_hash_connect(struct inet_timewait_death_row *dr,
				     struct sock *sk)
{
	int ret;

	portres_enter();
	ret = portres_hash_connect(dr, sk, portres_ksyms.inet_hash_connect);
	portres_leave();
	return ret;
}

static int portres_inet6_hash_connect(struct inet_timewait_death_row *dr,
				      struct sock *sk)
{
	int ret;

	portres_enter();
	ret = portres_hash_connect(dr, sk, inet6_hash_connect);
	portres_leave();
	return ret;
}

static int portres_inet_release(struct socket *sock)
{
	int ret;

	portres_enter();
	if (sock->sk && portres_sk_proto(sock->sk) >= 0)
		portres_sock_closed(sock->sk);
	ret = inet_release(sock);
	portres_leave();
	return ret;
}

static int portres_proc_do_large_bitmap(portres_ctl_table_t *table,
					int write, void *buffer,
					size_t *lenp, loff_t *ppos)
{
	int ret;

	portres_enter();
	ret = portres_sysctl_handler(table, write, buffer, lenp, ppos,
				     proc_do_large_bitmap);
	portres_leave();
	return ret;
}

struct portres_hook {
	const char *name;
	unsigned long target;
	unsigned long wrapper;
	struct ftrace_ops ops;
};

#define PORTRES_HOOK(fn) {					\
	.name = #fn,						\
	.target = (unsigned long)(fn),				\
	.wrapper = (unsigned long)(portres_##fn),		\
}

/* A target known only at load time: portres_hooks_resolve() sets it. */
#define PORTRES_HOOK_LATE(fn) {					\
	.name = #fn,						\
	.wrapper = (unsigned long)(portres_##fn),		\
}

/*
 * Installed in this order, removed in the reverse one: the ioctls, which
 * make reservations, come last, so that no reservation can exist without
 * the hooks that enforce it and end it with its socket (inet_release).
 */
static struct portres_hook portres_hooks[] = {
	PORTRES_HOOK(inet_csk_get_port),
	PORTRES_HOOK_LATE(udp_lib_get_port),
	PORTRES_HOOK_LATE(inet_hash_connect),
	PORTRES_HOOK(inet6_hash_connect),
	PORTRES_HOOK(inet_release),
	PORTRES_HOOK(proc_do_large_bitmap),
	PORTRES_HOOK(inet_ioctl),
	PORTRES_HOOK(inet6_ioctl),
#ifdef CONFIG_COMPAT
	PORTRES_HOOK_LATE(inet_compat_ioctl),
	PORTRES_HOOK(inet6_compat_ioctl),
#endif
};

static void notrace portres_ftrace_thunk(unsigned long ip,
					 unsigned long parent_ip,
					 struct ftrace_ops *ops,
					 struct ftrace_regs *fregs)
{
	struct portres_hook *h = container_of(ops, struct portres_hook, ops);

	/* The wrapper's own call of the original goes through. */
	if (!within_module(parent_ip, THIS_MODULE))
		portres_ftrace_set_ip(fregs, h->wrapper);
}

static int portres_hook_install(struct portres_hook *h)
{
	int err;

	if (!h->target) {
		pr_err("cannot find %s\n", h->name);
		return -ENOENT;
	}
	h->ops.func = portres_ftrace_thunk;
	/*
	 * No FTRACE_OPS_FL_RECURSION: the thunk calls nothing that is traced,
	 * so ftrace may call it straight from the trampoline instead of
	 * through its recursion guard, on every bind and close.
	 */
	h->ops.flags = PORTRES_FTRACE_OPS_FLAGS;
	err = ftrace_set_filter_ip(&h->ops, h->target, 0, 0);
	if (err) {
		pr_err("cannot trace %s: %d\n", h->name, err);
		return err;
	}
	err = register_ftrace_function(&h->ops);
	if (err) {
		pr_err("cannot hook %s: %d\n", h->name, err);
		ftrace_set_filter_ip(&h->ops, h->target, 1, 0);
	}
	return err;
}

static void portres_hook_uninstall(struct portres_hook *h)
{
	unregister_ftrace_function(&h->ops);
	ftrace_set_filter_ip(&h->ops, h->target, 1, 0);
}

static long portres_inflight_sum(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(portres_inflight, cpu);
	return sum;
}

static void portres_hook_set_target(const void *wrapper, const void *target)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(portres_hooks); i++)
		if (portres_hooks[i].wrapper == (unsigned long)wrapper)
			portres_hooks[i].target = (unsigned long)target;
}

/* Hook targets that are only known at run time (see ksyms.c). */
static void portres_hooks_resolve(void)
{
	portres_hook_set_target(portres_udp_lib_get_port,
				portres_ksyms.udp_lib_get_port);
	portres_hook_set_target(portres_inet_hash_connect,
				portres_ksyms.inet_hash_connect);
#ifdef CONFIG_COMPAT
	portres_inet_compat_ioctl_orig = inet_stream_ops.compat_ioctl;
	portres_hook_set_target(portres_inet_compat_ioctl,
				portres_inet_compat_ioctl_orig);
#endif
}

int portres_hooks_install(void)
{
	int i, err;

	portres_hooks_resolve();

	for (i = 0; i < ARRAY_SIZE(portres_hooks); i++) {
		err = portres_hook_install(&portres_hooks[i]);
		if (err)
			goto undo;
	}
	return 0;
undo:
	while (i--)
		portres_hook_uninstall(&portres_hooks[i]);
	synchronize_rcu_tasks();
	return err;
}

void portres_hooks_remove(void)
{
	int i;

	for (i = ARRAY_SIZE(portres_hooks) - 1; i >= 0; i--)
		portres_hook_uninstall(&portres_hooks[i]);
	/* Whoever was redirected but had not counted itself has now. */
	synchronize_rcu_tasks();
	while (portres_inflight_sum())
		msleep(20);
	/* And whoever just counted itself out has left the module's text. */
	synchronize_rcu_tasks();
}
