// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/port_reservations: one line per reservation of the namespace,
 * TCP first, by port. The token is shown only to readers that opened the
 * file with CAP_NET_ADMIN; "-" stands for "none" or "anyone". The last
 * field, refused, counts the binds the reservation has refused.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>

#include "netns.h"
#include "ports.h"
#include "proc.h"

#define PORTRES_PROC_NAME "port_reservations"

static const char * const portres_proto_names[PORTRES_NPROTO] = {
	[PORTRES_TCP] = "tcp",
	[PORTRES_UDP] = "udp",
};

static void portres_proc_line(struct seq_file *seq, struct net *net,
			      const struct portres_resv *r, bool admin)
{
	struct user_namespace *ns = seq_user_ns(seq);
	bool runtime = r->kind == PORTRES_RUNTIME;

	seq_printf(seq, "%s %u %u %u %s %u %u ", portres_proto_names[r->proto],
		   r->first, r->last, r->last - r->first + 1,
		   runtime ? "runtime" : "persistent", portres_ports_in_use(net, r),
		   from_kuid_munged(ns, r->uid));
	if (runtime)
		seq_printf(seq, "%d - - ", pid_vnr(r->owner));
	else if (uid_valid(r->allowed_uid))
		seq_printf(seq, "- %u ", from_kuid_munged(ns, r->allowed_uid));
	else
		seq_puts(seq, "- - ");
	if (!runtime && gid_valid(r->allowed_gid))
		seq_printf(seq, "%u ", from_kgid_munged(ns, r->allowed_gid));
	else if (!runtime)
		seq_puts(seq, "- ");
	if (admin)
		seq_printf(seq, "%016llx ", r->token);
	else
		seq_puts(seq, "- ");
	if (runtime)
		seq_escape(seq, r->comm, " \t\n\\");
	else
		seq_putc(seq, '-');
	seq_printf(seq, " %llu\n", (u64)atomic64_read(&r->refused));
}

static int portres_proc_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	struct portres_table *t = &portres_net(net)->table;
	bool admin = file_ns_capable(seq->file, net->user_ns, CAP_NET_ADMIN);
	struct portres_resv *r;
	unsigned long index;
	int proto;

	seq_puts(seq,
		 "proto first last count kind in_use uid pid allow_uid allow_gid token comm refused\n");
	mutex_lock(&t->lock);
	for (proto = 0; proto < PORTRES_NPROTO; proto++) {
		index = 0;
		mt_for_each(&t->ranges[proto], r, index, PORTRES_NR_PORTS - 1)
			portres_proc_line(seq, net, r, admin);
	}
	mutex_unlock(&t->lock);
	return 0;
}

int portres_proc_init_net(struct net *net)
{
	if (!proc_create_net_single(PORTRES_PROC_NAME, 0444, net->proc_net,
				    portres_proc_show, NULL))
		return -ENOMEM;
	return 0;
}

void portres_proc_exit_net(struct net *net)
{
	remove_proc_entry(PORTRES_PROC_NAME, net->proc_net);
}
