// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent reservations: CAP_NET_ADMIN makes and deletes them; they
 * outlive their creator and are limited to the users and groups that
 * allowed_uid and allowed_gid name.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/in.h>
#include <linux/portres.h>

#include "enforce.h"
#include "netns.h"
#include "persist.h"
#include "resv.h"

/* Who may look a persistent reservation up and associate with it. */
bool portres_persist_admits(struct net *net, const struct portres_resv *r)
{
	bool any_uid = !uid_valid(r->allowed_uid);
	bool any_gid = !gid_valid(r->allowed_gid);

	if (any_uid && any_gid)
		return true;
	if (!any_uid && uid_eq(current_euid(), r->allowed_uid))
		return true;
	if (!any_gid && in_egroup_p(r->allowed_gid))
		return true;
	return ns_capable(net->user_ns, CAP_NET_ADMIN);
}

static int portres_persist_block(const struct portres_persistent *p,
				 int *proto, u16 *first, u16 *n)
{
	if (p->pad)
		return -EINVAL;
	if (p->protocol == IPPROTO_TCP)
		*proto = PORTRES_TCP;
	else if (p->protocol == IPPROTO_UDP)
		*proto = PORTRES_UDP;
	else
		return -EINVAL;
	*first = ntohs(p->range.start_port);
	*n = p->range.number_of_ports;
	if (!*first || !*n || (u32)*first + *n - 1 > 65535)
		return -EINVAL;
	return 0;
}

/* The persistent reservation of exactly this block, under the table lock. */
static struct portres_resv *portres_persist_find(struct portres_table *t,
						 int proto, u16 first, u16 n)
{
	struct portres_resv *r = portres_table_find_port(t, proto, first);

	if (!r || r->kind != PORTRES_PERSISTENT || r->first != first ||
	    r->last != first + n - 1)
		return NULL;
	return r;
}

static int portres_persist_ids(const struct portres_persistent *p,
			       kuid_t *uid, kgid_t *gid)
{
	*uid = INVALID_UID;
	*gid = INVALID_GID;
	if (p->allowed_uid != PORTRES_ANY_ID) {
		*uid = make_kuid(current_user_ns(), p->allowed_uid);
		if (!uid_valid(*uid))
			return -EINVAL;
	}
	if (p->allowed_gid != PORTRES_ANY_ID) {
		*gid = make_kgid(current_user_ns(), p->allowed_gid);
		if (!gid_valid(*gid))
			return -EINVAL;
	}
	return 0;
}

/* Create and delete: CAP_NET_ADMIN over the namespace, then the block. */
static int portres_persist_admin_block(struct net *net,
				       const struct portres_persistent *p,
				       int *proto, u16 *first, u16 *n)
{
	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	return portres_persist_block(p, proto, first, n);
}

int portres_persist_create(struct net *net, struct portres_persistent *p)
{
	struct portres_net *pn = portres_net(net);
	struct portres_table *t = &pn->table;
	struct portres_resv *r;
	int proto, err;
	u16 first, n;

	err = portres_persist_admin_block(net, p, &proto, &first, &n);
	if (err)
		return err;
	if (p->flags & ~PORTRES_F_GIVEN_TOKEN)
		return -EINVAL;
	if ((p->flags & PORTRES_F_GIVEN_TOKEN) && !p->token)
		return -EINVAL;
	r = portres_resv_alloc();
	if (!r)
		return -ENOMEM;
	err = portres_persist_ids(p, &r->allowed_uid, &r->allowed_gid);
	if (err)
		goto out;
	r->proto = proto;
	r->kind = PORTRES_PERSISTENT;
	r->first = first;
	r->uid = current_euid();

	err = portres_enforce_get();
	if (err)
		goto out;
	portres_net_lock(pn);
	if (p->flags & PORTRES_F_GIVEN_TOKEN) {
		r->token = p->token;
		err = portres_table_find_token(t, r->token) ? -EEXIST : 0;
	}
	if (!err)
		err = portres_resv_create(pn, r, n, UINT_MAX);
	if (!err)
		p->token = r->token;
	portres_net_unlock(pn);
	portres_enforce_put();
out:
	portres_resv_put(r);
	return err;
}

int portres_persist_delete(struct net *net, struct portres_persistent *p)
{
	struct portres_net *pn = portres_net(net);
	struct portres_table *t = &pn->table;
	struct portres_resv *r;
	int proto, err;
	u16 first, n;

	err = portres_persist_admin_block(net, p, &proto, &first, &n);
	if (err)
		return err;
	portres_net_lock(pn);
	r = portres_persist_find(t, proto, first, n);
	if (r)
		portres_resv_end(pn, r, PORTRES_REASON_DELETE);
	else
		err = -ENOENT;
	portres_net_unlock(pn);
	return err;
}

int portres_persist_lookup(struct net *net, struct portres_persistent *p)
{
	struct portres_table *t = &portres_net(net)->table;
	struct user_namespace *ns = current_user_ns();
	struct portres_resv *r;
	int proto, err;
	u16 first, n;

	err = portres_persist_block(p, &proto, &first, &n);
	if (err)
		return err;
	mutex_lock(&t->lock);
	r = portres_persist_find(t, proto, first, n);
	if (!r) {
		err = -ENOENT;
	} else if (!portres_persist_admits(net, r)) {
		err = -EPERM;
	} else {
		p->token = r->token;
		p->allowed_uid = uid_valid(r->allowed_uid) ?
			from_kuid_munged(ns, r->allowed_uid) : PORTRES_ANY_ID;
		p->allowed_gid = gid_valid(r->allowed_gid) ?
			from_kgid_munged(ns, r->allowed_gid) : PORTRES_ANY_ID;
	}
	mutex_unlock(&t->lock);
	return err;
}
