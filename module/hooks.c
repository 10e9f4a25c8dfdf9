// SPDX-License-Identifier: GPL-2.0
/*
 * portres redirects a few kernel functions with ftrace
 * (FTRACE_OPS_FL_IPMODIFY, as livepatch does). A wrapper calls the original
 * function; ftrace sees that call come from this module and lets it through.
 * The whole module is built without sibling calls, so that a wrapper's
 * call always leaves a return address inside the module.
 *
 * Two sets: the control hooks (the socket ioctls, the sysctl) are attached
 * while the module is loaded; the enforcement hooks (bind, connect, close)
 * only while enforce.c says something needs them. Each hook's ftrace
 * callback redirects only the calls its wrapper has work for, so that an
 * unrelated socket pays the callback and no more.
 *
 * Every ioctl on an inet socket passes the socket ioctl hooks, and every
 * close of one the close hook, so where ftrace can call a trampoline
 * directly (x86-64) these skip ftrace's own trampoline (~37 instructions)
 * for a stub of a few that lets through every call but those of portres'
 * ioctl type, or of a socket portres may know.
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
#include "enforce.h"
#include "hooks.h"
#include "ksyms.h"
#include "netns.h"
#include "ports.h"
#include "sockops.h"
#include "sysctl.h"

/*
 * Wrapper calls under way, per set, so that detaching can wait for them: a
 * wrapper may sleep inside the original (a lingering close) and must not
 * come back to freed module text. Per CPU: the bind path is hot.
 */
static DEFINE_PER_CPU(long, portres_inflight_ctl);
static DEFINE_PER_CPU(long, portres_inflight_enf);

#define portres_enter(set)	this_cpu_inc(portres_inflight_##set)
#define portres_leave(set)	this_cpu_dec(portres_inflight_##set)

typedef int (*portres_sock_ioctl_fn)(struct socket *sock, unsigned int cmd,
				     unsigned long arg);

/* The socket ioctls are portres'; the rest goes to @orig, untouched. */
static int portres_ioctl(struct socket *sock, unsigned int cmd,
			 unsigned long arg, void __user *uarg,
			 portres_sock_ioctl_fn orig)
{
	int ret;

	portres_enter(ctl);
	if (portres_is_sock_op(cmd))
		ret = portres_sock_ioctl(sock, cmd, (unsigned long)uarg);
	else
		ret = orig(sock, cmd, arg);
	portres_leave(ctl);
	return ret;
}

static int __used portres_inet_ioctl(struct socket *sock, unsigned int cmd,
				     unsigned long arg)
{
	return portres_ioctl(sock, cmd, arg, (void __user *)arg, inet_ioctl);
}

static int __used portres_inet6_ioctl(struct socket *sock, unsigned int cmd,
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

static int __used portres_inet_compat_ioctl(struct socket *sock,
					    unsigned int cmd, unsigned long arg)
{
	return portres_ioctl(sock, cmd, arg, compat_ptr(arg),
			     portres_inet_compat_ioctl_orig);
}

static int __used portres_inet6_compat_ioctl(struct socket *sock,
					     unsigned int cmd,
					     unsigned long arg)
{
	return portres_ioctl(sock, cmd, arg, compat_ptr(arg),
			     inet6_compat_ioctl);
}
#endif

static int __used portres_inet_csk_get_port(struct sock *sk,
					    unsigned short snum)
{
	int ret;

	portres_enter(enf);
	ret = portres_get_port(sk, snum, 0, portres_tcp_get_port);
	portres_leave(enf);
	return ret;
}

static int __used portres_udp_lib_get_port(struct sock *sk,
					   unsigned short snum,
					   unsigned int hash2_nulladdr)
{
	int ret;

	portres_enter(enf);
	ret = portres_get_port(sk, snum, hash2_nulladdr,
			       portres_ksyms.udp_lib_get_port);
	portres_leave(enf);
	return ret;
}

static int __used
portres_inet_hash_connect(struct inet_timewait_death_row *dr, struct sock *sk)
{
	int ret;

	portres_enter(enf);
	ret = portres_hash_connect(dr, sk, portres_ksyms.inet_hash_connect);
	portres_leave(enf);
	return ret;
}

static int __used
portres_inet6_hash_connect(struct inet_timewait_death_row *dr, struct sock *sk)
{
	int ret;

	portres_enter(enf);
	ret = portres_hash_connect(dr, sk, inet6_hash_connect);
	portres_leave(enf);
	return ret;
}

static int __used portres_inet_release(struct socket *sock)
{
	int ret;

	portres_enter(enf);
	if (sock->sk && portres_sk_proto(sock->sk) >= 0)
		portres_sock_closed(sock->sk);
	ret = inet_release(sock);
	portres_leave(enf);
	return ret;
}

static int portres_proc_do_large_bitmap(portres_ctl_table_t *table,
					int write, void *buffer,
					size_t *lenp, loff_t *ppos)
{
	int ret;

	portres_enter(ctl);
	ret = portres_sysctl_handler(table, write, buffer, lenp, ppos,
				     proc_do_large_bitmap);
	portres_leave(ctl);
	return ret;
}

/*
 * This module's text: where the wrappers call the originals from. The
 * ioctl stubs read it too.
 */
static unsigned long portres_text_start __used, portres_text_size __used;

static __always_inline bool portres_from_module(unsigned long ip)
{
	return ip - portres_text_start < portres_text_size;
}

struct portres_hook {
	const char *name;
	unsigned long target;
	unsigned long wrapper;
	ftrace_func_t thunk;
	unsigned long stub;	/* called directly instead of the thunk */
	struct ftrace_ops ops;
};

/* Sends the traced call to the hook's wrapper. */
static __always_inline void portres_to_wrapper(struct ftrace_ops *ops,
					       struct ftrace_regs *fregs)
{
	portres_ftrace_set_ip(fregs, container_of(ops, struct portres_hook,
						  ops)->wrapper);
}

/* The same, unless the wrapper is the caller. */
static __always_inline void portres_redirect(unsigned long parent_ip,
					     struct ftrace_ops *ops,
					     struct ftrace_regs *fregs)
{
	if (!portres_from_module(parent_ip))
		portres_to_wrapper(ops, fregs);
}

/*
 * The ftrace callbacks. No FTRACE_OPS_FL_RECURSION: they call none of the
 * hooked functions, so ftrace may call them straight from the trampoline
 * instead of through its recursion guard.
 */

/* Every call (the sysctl handler). */
static void notrace portres_thunk_all(unsigned long ip, unsigned long parent_ip,
				      struct ftrace_ops *ops,
				      struct ftrace_regs *fregs)
{
	portres_redirect(parent_ip, ops, fregs);
}

/* The socket ioctls: only commands of portres' ioctl type. */
static void notrace portres_thunk_ioctl(unsigned long ip,
					unsigned long parent_ip,
					struct ftrace_ops *ops,
					struct ftrace_regs *fregs)
{
	unsigned int cmd = portres_ftrace_arg(fregs, 1);

	if (_IOC_TYPE(cmd) == PORTRES_IOC_MAGIC)
		portres_redirect(parent_ip, ops, fregs);
}

#ifdef PORTRES_HOOK_STUBS
/*
 * Stubs that ftrace calls straight from a hooked function's entry, before
 * its prologue: the arguments are still in their registers and %rax is
 * free. Each makes the same test as its thunk; a call it has work for
 * returns into the wrapper instead of the function's body, with the
 * caller's arguments and return address, unless the wrapper is the caller
 * (8(%rsp): the hooked function's return address). Aligned as functions
 * are: 7.x's ftrace takes an odd direct-call address for a jump to the
 * address below it.
 */
#define PORTRES_STUB(fn, test)						\
	asm(".pushsection .text, \"ax\", @progbits\n"			\
	    ".p2align 4\n"						\
	    ".type portres_stub_" #fn ", @function\n"			\
	    "portres_stub_" #fn ":\n"					\
	    ASM_ENDBR							\
	    CALL_DEPTH_ACCOUNT						\
	    test /* jumps to 1 if the call has work for the wrapper */	\
	    "1:	movq	8(%rsp), %rax\n"				\
	    "	subq	portres_text_start(%rip), %rax\n"		\
	    "	cmpq	portres_text_size(%rip), %rax\n"		\
	    "	jb	2f\n"						\
	    "	leaq	portres_" #fn "(%rip), %rax\n"			\
	    "	movq	%rax, (%rsp)\n"					\
	    "2:\n"							\
	    ASM_RET							\
	    ".size portres_stub_" #fn ", .-portres_stub_" #fn "\n"	\
	    ".popsection\n");						\
	void portres_stub_##fn(void)

/* The socket ioctls (%esi: the command): portres' ioctl type only. */
#define PORTRES_STUB_TEST_IOCTL						\
	"	movl	%esi, %eax\n"					\
	"	cmpb	$" __stringify(PORTRES_IOC_MAGIC_NUM) ", %ah\n"	\
	"	je	1f\n"							\
	ASM_RET

/* PORTRES_IOC_MAGIC is a character constant, which gas would not take. */
#define PORTRES_IOC_MAGIC_NUM	0x4a
static_assert(PORTRES_IOC_MAGIC == PORTRES_IOC_MAGIC_NUM);

PORTRES_STUB(inet_ioctl, PORTRES_STUB_TEST_IOCTL);
PORTRES_STUB(inet6_ioctl, PORTRES_STUB_TEST_IOCTL);
#ifdef CONFIG_COMPAT
PORTRES_STUB(inet_compat_ioctl, PORTRES_STUB_TEST_IOCTL);
PORTRES_STUB(inet6_compat_ioctl, PORTRES_STUB_TEST_IOCTL);
#endif

/*
 * close (%rdi: the struct socket): a socket whose slot in
 * portres_sock_slots is taken, as portres_thunk_release() tests.
 */
/* Offsets for the stubs, as data: top-level asm() takes no operands. */
static const unsigned long portres_socket_sk __used =
	offsetof(struct socket, sk);

/* To label 1 if the slot of the socket in %rax is taken. */
#define PORTRES_STUB_TEST_SLOT						\
	"	shrq	$" __stringify(L1_CACHE_SHIFT) ", %rax\n"		\
	"	andl	$((1 << " __stringify(PORTRES_SOCK_SLOT_BITS)	\
	") - 1), %eax\n"						\
	"	cmpl	$0, portres_sock_slots(, %rax, 4)\n"		\
	"	jne	1f\n"

#define PORTRES_STUB_TEST_RELEASE					\
	"	movq	portres_socket_sk(%rip), %rax\n"		\
	"	movq	(%rdi, %rax), %rax\n"				\
	"	testq	%rax, %rax\n"					\
	"	jz	3f\n"							\
	PORTRES_STUB_TEST_SLOT						\
	"3:\n"								\
	ASM_RET

PORTRES_STUB(inet_release, PORTRES_STUB_TEST_RELEASE);

/*
 * bind and connect of an unbound socket (its inet_num is 0), as
 * portres_redirect_binding() tests, except that the wrapper looks at the
 * namespace: a stub has none at hand. TCP: every one. UDP: a port asked
 * for (%si), or a socket portres may know.
 */
static const unsigned long portres_sock_num __used =
	offsetof(struct inet_sock, inet_num);

#define PORTRES_STUB_TEST_UNBOUND(sk)					\
	"	movq	portres_sock_num(%rip), %rax\n"			\
	"	cmpw	$0, (" sk ", %rax)\n"				\
	"	je	1f\n"							\
	ASM_RET

#define PORTRES_STUB_TEST_UDP_GET_PORT					\
	"	movq	portres_sock_num(%rip), %rax\n"			\
	"	cmpw	$0, (%rdi, %rax)\n"				\
	"	jne	3f\n"							\
	"	testw	%si, %si\n"					\
	"	jnz	1f\n"							\
	"	movq	%rdi, %rax\n"					\
	PORTRES_STUB_TEST_SLOT						\
	"3:\n"								\
	ASM_RET

PORTRES_STUB(inet_csk_get_port, PORTRES_STUB_TEST_UNBOUND("%rdi"));
PORTRES_STUB(udp_lib_get_port, PORTRES_STUB_TEST_UDP_GET_PORT);
PORTRES_STUB(inet_hash_connect, PORTRES_STUB_TEST_UNBOUND("%rsi"));
PORTRES_STUB(inet6_hash_connect, PORTRES_STUB_TEST_UNBOUND("%rsi"));
#endif

/*
 * bind and autobind, connect: an unbound socket of a namespace with
 * reservations (portres_get_port() checks the rest). UDP's own search
 * tests the reserved bits under the hash slot lock that an acquire's check
 * for bound ports takes too (@self_checked), so its autobind of a socket
 * portres does not know needs no second look; TCP's tests them before it
 * takes its lock.
 */
static __always_inline void portres_redirect_binding(const struct sock *sk,
						     unsigned short snum,
						     bool self_checked,
						     unsigned long parent_ip,
						     struct ftrace_ops *ops,
						     struct ftrace_regs *fregs)
{
	const struct portres_table *t;

	/* The wrapper's own call first: every redirected bind makes one. */
	if (portres_from_module(parent_ip) || inet_sk(sk)->inet_num)
		return;
	t = &portres_net_fast(sock_net(sk))->table;
	if (!portres_table_active(t))
		return;
	if (self_checked && !snum && !portres_table_sock_maybe(t, sk))
		return;
	portres_to_wrapper(ops, fregs);
}

#define PORTRES_SK_ARG(fregs, n)	((struct sock *)portres_ftrace_arg(fregs, n))

static void notrace portres_thunk_get_port(unsigned long ip,
					   unsigned long parent_ip,
					   struct ftrace_ops *ops,
					   struct ftrace_regs *fregs)
{
	portres_redirect_binding(PORTRES_SK_ARG(fregs, 0),
				 portres_ftrace_arg(fregs, 1), false,
				 parent_ip, ops, fregs);
}

static void notrace portres_thunk_udp_get_port(unsigned long ip,
					       unsigned long parent_ip,
					       struct ftrace_ops *ops,
					       struct ftrace_regs *fregs)
{
	portres_redirect_binding(PORTRES_SK_ARG(fregs, 0),
				 portres_ftrace_arg(fregs, 1), true,
				 parent_ip, ops, fregs);
}

static void notrace portres_thunk_connect(unsigned long ip,
					  unsigned long parent_ip,
					  struct ftrace_ops *ops,
					  struct ftrace_regs *fregs)
{
	portres_redirect_binding(PORTRES_SK_ARG(fregs, 1), 0, false,
				 parent_ip, ops, fregs);
}

/*
 * close: a socket portres may know, or one an acquire waits on (its close
 * cancels the wait).
 */
static void notrace portres_thunk_release(unsigned long ip,
					  unsigned long parent_ip,
					  struct ftrace_ops *ops,
					  struct ftrace_regs *fregs)
{
	struct socket *sock = (struct socket *)portres_ftrace_arg(fregs, 0);

	if (sock->sk && portres_sock_maybe_any(sock->sk))
		portres_redirect(parent_ip, ops, fregs);
}

#define PORTRES_HOOK(fn, kind) {				\
	.name = #fn,						\
	.target = (unsigned long)(fn),				\
	.wrapper = (unsigned long)(portres_##fn),		\
	.thunk = portres_thunk_##kind,				\
}

/* A target known only at load time: portres_hooks_resolve() sets it. */
#define PORTRES_HOOK_LATE(fn, kind) {				\
	.name = #fn,						\
	.wrapper = (unsigned long)(portres_##fn),		\
	.thunk = portres_thunk_##kind,				\
}

/*
 * Attached at load, removed at unload: the ioctls make reservations, and
 * enforce.c attaches the other set before any exists.
 */
static struct portres_hook portres_ctl_hooks[] = {
	PORTRES_HOOK(proc_do_large_bitmap, all),
	PORTRES_HOOK(inet_ioctl, ioctl),
	PORTRES_HOOK(inet6_ioctl, ioctl),
#ifdef CONFIG_COMPAT
	PORTRES_HOOK_LATE(inet_compat_ioctl, ioctl),
	PORTRES_HOOK(inet6_compat_ioctl, ioctl),
#endif
};

/* Attached while any namespace has a reservation, a socket or a waiter. */
static struct portres_hook portres_enf_hooks[] = {
	PORTRES_HOOK(inet_csk_get_port, get_port),
	PORTRES_HOOK_LATE(udp_lib_get_port, udp_get_port),
	PORTRES_HOOK_LATE(inet_hash_connect, connect),
	PORTRES_HOOK(inet6_hash_connect, connect),
	PORTRES_HOOK(inet_release, release),
};

static int portres_hook_install(struct portres_hook *h)
{
	int err;

	if (!h->target) {
		pr_err("cannot find %s\n", h->name);
		return -ENOENT;
	}
	/* A direct call's ops has no callback: ftrace sets its own. */
	if (!h->stub) {
		h->ops.func = h->thunk;
		h->ops.flags = PORTRES_FTRACE_OPS_FLAGS;
	}
	err = ftrace_set_filter_ip(&h->ops, h->target, 0, 0);
	if (err) {
		pr_err("cannot trace %s: %d\n", h->name, err);
		return err;
	}
	if (h->stub)
		err = portres_ftrace_direct_register(&h->ops, h->stub);
	else
		err = register_ftrace_function(&h->ops);
	if (err) {
		pr_err("cannot hook %s: %d\n", h->name, err);
		ftrace_set_filter_ip(&h->ops, h->target, 1, 0);
	}
	return err;
}

static void portres_hook_uninstall(struct portres_hook *h)
{
	if (h->stub)
		portres_ftrace_direct_unregister(&h->ops, h->stub);
	else
		unregister_ftrace_function(&h->ops);
	ftrace_set_filter_ip(&h->ops, h->target, 1, 0);
}

static long portres_inflight_sum(long __percpu *inflight)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(inflight, cpu);
	return sum;
}

/* The hook of @hooks whose wrapper is @wrapper (there is one). */
static struct portres_hook *portres_hook_of(struct portres_hook *hooks,
					    int n, const void *wrapper)
{
	while (hooks->wrapper != (unsigned long)wrapper && --n)
		hooks++;
	return hooks;
}

#define portres_ctl_hook(wrapper) \
	portres_hook_of(portres_ctl_hooks, ARRAY_SIZE(portres_ctl_hooks), \
			wrapper)
#define portres_enf_hook(wrapper) \
	portres_hook_of(portres_enf_hooks, ARRAY_SIZE(portres_enf_hooks), \
			wrapper)

/* Hook @fn of set @set goes through its stub: portres_stub_@fn. */
#define portres_use_stub(set, fn) \
	(portres_##set##_hook(portres_##fn)->stub = \
	 (unsigned long)portres_stub_##fn)

/*
 * Hook targets that are only known at run time (see ksyms.c), and the
 * socket ioctls' stubs.
 */
static void portres_hooks_resolve(void)
{
	portres_enf_hook(portres_udp_lib_get_port)->target =
		(unsigned long)portres_ksyms.udp_lib_get_port;
	portres_enf_hook(portres_inet_hash_connect)->target =
		(unsigned long)portres_ksyms.inet_hash_connect;
#ifdef CONFIG_COMPAT
	portres_inet_compat_ioctl_orig = inet_stream_ops.compat_ioctl;
	portres_ctl_hook(portres_inet_compat_ioctl)->target =
		(unsigned long)portres_inet_compat_ioctl_orig;
#endif
#ifdef PORTRES_HOOK_STUBS
	portres_use_stub(ctl, inet_ioctl);
	portres_use_stub(ctl, inet6_ioctl);
#ifdef CONFIG_COMPAT
	portres_use_stub(ctl, inet_compat_ioctl);
	portres_use_stub(ctl, inet6_compat_ioctl);
#endif
	portres_use_stub(enf, inet_release);
	portres_use_stub(enf, inet_csk_get_port);
	portres_use_stub(enf, udp_lib_get_port);
	portres_use_stub(enf, inet_hash_connect);
	portres_use_stub(enf, inet6_hash_connect);
#endif
}

static void portres_hooks_detach(struct portres_hook *hooks, int n,
				 long __percpu *inflight)
{
	while (n--)
		portres_hook_uninstall(&hooks[n]);
	/* Whoever was redirected but had not counted itself has now. */
	synchronize_rcu_tasks();
	while (portres_inflight_sum(inflight))
		msleep(20);
	/* And whoever just counted itself out has left the module's text. */
	synchronize_rcu_tasks();
}

/* Installs @hooks in order; on failure, removes what it installed. */
static int portres_hooks_attach(struct portres_hook *hooks, int n)
{
	int i, err;

	for (i = 0; i < n; i++) {
		err = portres_hook_install(&hooks[i]);
		if (err) {
			while (i--)
				portres_hook_uninstall(&hooks[i]);
			synchronize_rcu_tasks();
			return err;
		}
	}
	return 0;
}

static int portres_hooks_enforce_attach(void)
{
	int err = portres_hooks_attach(portres_enf_hooks,
				       ARRAY_SIZE(portres_enf_hooks));

	/*
	 * A bind that entered a target before its hook was live may still be
	 * choosing a port: wait until every such call has returned, so that
	 * the reservation the caller makes next is seen by every later one.
	 */
	if (!err)
		synchronize_rcu_tasks();
	return err;
}

static void portres_hooks_enforce_detach(void)
{
	portres_hooks_detach(portres_enf_hooks, ARRAY_SIZE(portres_enf_hooks),
			     &portres_inflight_enf);
}

/* The enforcement hooks, attached and detached by enforce.c. */
static const struct portres_enforce_ops portres_enforce_hooks = {
	.attach = portres_hooks_enforce_attach,
	.detach = portres_hooks_enforce_detach,
};

int portres_hooks_install(void)
{
	int i;

	portres_module_text(&portres_text_start, &portres_text_size);
	portres_hooks_resolve();
	/* Every target must be there, also those attached later. */
	for (i = 0; i < ARRAY_SIZE(portres_enf_hooks); i++) {
		if (!portres_enf_hooks[i].target) {
			pr_err("cannot find %s\n", portres_enf_hooks[i].name);
			return -ENOENT;
		}
	}
	portres_enforce_init(&portres_enforce_hooks);
	return portres_hooks_attach(portres_ctl_hooks,
				    ARRAY_SIZE(portres_ctl_hooks));
}

void portres_hooks_remove(void)
{
	portres_hooks_detach(portres_ctl_hooks, ARRAY_SIZE(portres_ctl_hooks),
			     &portres_inflight_ctl);
}
