// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "portres" (uapi/netlink/portres.yaml):
 * PORTRES_CMD_GET dumps the reservations of the caller's namespace with
 * the fields of /proc/net/port_reservations, and the multicast group
 * "notify" of each namespace carries PORTRES_CMD_NEW and PORTRES_CMD_DEL
 * for every reservation made or ended there. Tokens only in dumps, and
 * only for CAP_NET_ADMIN (of the socket's opener and of the caller).
 *
 * The family is the module's one piece of global state: it is registered
 * after the per-namespace state exists and unregistered after every
 * namespace has been flushed, so that the DEL notifications of an unload
 * are sent while listeners are still subscribed. Dumps hold a module
 * reference (netlink_dump_start()), so none runs while the module exits.
 */
#include <linux/capability.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/uidgid.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <linux/portres.h>

#include "genl.h"
#include "netns.h"
#include "ports.h"

enum portres_genl_groups {
	PORTRES_GENL_GROUP_NOTIFY,
};

/* Whose point of view a message is written from. */
struct portres_genl_view {
	struct user_namespace *user_ns;	/* uids as seen from there */
	struct pid_namespace *pid_ns;	/* NULL: the acquirer's own */
	bool dump;			/* in_use; token if @token */
	bool token;
	int reason;			/* DEL: enum portres_nl_reason */
};

static struct genl_family portres_genl_family;
/*
 * Whether the family is registered: written only by module init and
 * exit, while no reservation can come or go. Events before that (KUnit
 * suites run by a kernel that starts them early) are not announced.
 */
static bool portres_genl_live;

static int portres_genl_put_ids(struct sk_buff *skb,
				const struct portres_resv *r,
				const struct portres_genl_view *v)
{
	pid_t pid;

	if (r->kind == PORTRES_RUNTIME) {
		pid = pid_nr_ns(r->owner, v->pid_ns ?: ns_of_pid(r->owner));
		if (nla_put_u32(skb, PORTRES_A_PID, pid) ||
		    nla_put_string(skb, PORTRES_A_COMM, r->comm))
			return -EMSGSIZE;
		return 0;
	}
	if (uid_valid(r->allowed_uid) &&
	    nla_put_u32(skb, PORTRES_A_ALLOWED_UID,
			from_kuid_munged(v->user_ns, r->allowed_uid)))
		return -EMSGSIZE;
	if (gid_valid(r->allowed_gid) &&
	    nla_put_u32(skb, PORTRES_A_ALLOWED_GID,
			from_kgid_munged(v->user_ns, r->allowed_gid)))
		return -EMSGSIZE;
	return 0;
}

static int portres_genl_fill(struct sk_buff *skb, struct net *net,
			     const struct portres_resv *r,
			     const struct portres_genl_view *v,
			     u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &portres_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u8(skb, PORTRES_A_PROTOCOL, portres_ipproto(r->proto)) ||
	    nla_put_u16(skb, PORTRES_A_FIRST, r->first) ||
	    nla_put_u16(skb, PORTRES_A_LAST, r->last) ||
	    nla_put_u32(skb, PORTRES_A_COUNT, r->last - r->first + 1) ||
	    nla_put_u8(skb, PORTRES_A_KIND, portres_nl_kind(r)) ||
	    nla_put_u32(skb, PORTRES_A_UID,
			from_kuid_munged(v->user_ns, r->uid)) ||
	    portres_genl_put_ids(skb, r, v) ||
	    nla_put_u64_64bit(skb, PORTRES_A_REFUSED,
			      atomic64_read(&r->refused), PORTRES_A_PAD))
		goto cancel;
	if (v->dump && nla_put_u32(skb, PORTRES_A_IN_USE,
				   portres_ports_in_use(net, r)))
		goto cancel;
	if (v->token && nla_put_u64_64bit(skb, PORTRES_A_TOKEN, r->token,
					  PORTRES_A_PAD))
		goto cancel;
	if (v->reason && nla_put_u8(skb, PORTRES_A_REASON, v->reason))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * cb->args[0]: the protocol, cb->args[1]: the port to go on from. The
 * table lock is taken per skb; a reservation made or ended between two
 * parts is seen or not, as with other netlink dumps.
 */
static int portres_genl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct portres_table *t = &portres_net(net)->table;
	struct portres_genl_view v = {
		.user_ns = sk_user_ns(NETLINK_CB(cb->skb).sk),
		.pid_ns = task_active_pid_ns(current),
		.dump = true,
		.token = netlink_net_capable(cb->skb, CAP_NET_ADMIN),
	};
	struct portres_resv *r;
	unsigned long index;
	int proto, err = 0;

	mutex_lock(&t->lock);
	for (proto = cb->args[0]; proto < PORTRES_NPROTO; proto++) {
		index = cb->args[1];
		mt_for_each(&t->ranges[proto], r, index, PORTRES_NR_PORTS - 1) {
			err = portres_genl_fill(skb, net, r, &v,
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq, NLM_F_MULTI,
						PORTRES_CMD_GET);
			if (err) {
				cb->args[1] = r->first;
				goto out;
			}
		}
		cb->args[1] = 0;
	}
out:
	cb->args[0] = proto;
	mutex_unlock(&t->lock);
	if (err && !skb->len)
		return err;
	return err ? skb->len : 0;
}

void portres_genl_notify(struct net *net, const struct portres_resv *r,
			 int reason)
{
	struct portres_genl_view v = {
		.user_ns = net->user_ns,
		.reason = reason,
	};
	struct sk_buff *skb;

	if (!READ_ONCE(portres_genl_live) ||
	    !genl_has_listeners(&portres_genl_family, net,
				PORTRES_GENL_GROUP_NOTIFY))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb || portres_genl_fill(skb, net, r, &v, 0, 0, 0,
				      reason ? PORTRES_CMD_DEL :
					       PORTRES_CMD_NEW)) {
		kfree_skb(skb);
		/* Tell the listeners they missed one, as an overrun would. */
		netlink_set_err(net->genl_sock, 0,
				portres_genl_family.mcgrp_offset +
				PORTRES_GENL_GROUP_NOTIFY, ENOBUFS);
		return;
	}
	genlmsg_multicast_netns(&portres_genl_family, net, skb, 0,
				PORTRES_GENL_GROUP_NOTIFY, GFP_KERNEL);
}

static const struct genl_ops portres_genl_ops[] = {
	{
		.cmd = PORTRES_CMD_GET,
		.dumpit = portres_genl_dump,
	},
};

static const struct genl_multicast_group portres_genl_mcgrps[] = {
	[PORTRES_GENL_GROUP_NOTIFY] = { .name = PORTRES_GENL_MCGRP_NOTIFY },
};

static struct genl_family portres_genl_family = {
	.name = PORTRES_GENL_NAME,
	.version = PORTRES_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,		/* the table lock is enough */
	.module = THIS_MODULE,
	.ops = portres_genl_ops,
	.n_ops = ARRAY_SIZE(portres_genl_ops),
	.mcgrps = portres_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(portres_genl_mcgrps),
};

int portres_genl_init(void)
{
	int err = genl_register_family(&portres_genl_family);

	WRITE_ONCE(portres_genl_live, !err);
	return err;
}

void portres_genl_exit(void)
{
	WRITE_ONCE(portres_genl_live, false);
	genl_unregister_family(&portres_genl_family);
}
