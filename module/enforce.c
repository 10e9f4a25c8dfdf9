// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching the enforcement hooks on demand, so that a machine with
 * portres loaded and nothing reserved runs bind, connect and close
 * untouched. A user is a namespace with state (netns.c) or an operation
 * that may create some: it gets the hooks attached before its reservation
 * exists, so no reservation is ever visible without them. The last user
 * going schedules the detach a little later, so that a loop of acquire
 * and release does not patch the kernel's text each time.
 */
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "enforce.h"

#define PORTRES_DETACH_DELAY	(2 * HZ)

/* What attaches and detaches the hooks: hooks.c, set before any user. */
static const struct portres_enforce_ops *portres_enforce_ops;

/* Serializes attach and detach; never taken under a table lock. */
static DEFINE_MUTEX(portres_enforce_lock);
static bool portres_enforce_attached;	/* under portres_enforce_lock */
static atomic_t portres_enforce_users = ATOMIC_INIT(0);

/* Orders the last put's scheduling against module exit. */
static DEFINE_SPINLOCK(portres_enforce_sched_lock);
static bool portres_enforce_dead;	/* under portres_enforce_sched_lock */

static void portres_enforce_detach(struct work_struct *work)
{
	mutex_lock(&portres_enforce_lock);
	if (portres_enforce_attached && !atomic_read(&portres_enforce_users)) {
		portres_enforce_ops->detach();
		portres_enforce_attached = false;
	}
	mutex_unlock(&portres_enforce_lock);
}

/* On system_long_wq: a detach waits for RCU-tasks grace periods. */
static DECLARE_DELAYED_WORK(portres_enforce_work, portres_enforce_detach);

void portres_enforce_init(const struct portres_enforce_ops *ops)
{
	portres_enforce_ops = ops;
}

/*
 * Attaches the hooks if they are not, and counts a user. May sleep; never
 * call it under a table lock: the detach waits for hooked calls, which take
 * table locks.
 */
int portres_enforce_get(void)
{
	int err = 0;

	mutex_lock(&portres_enforce_lock);
	if (!portres_enforce_attached) {
		err = portres_enforce_ops->attach();
		portres_enforce_attached = !err;
	}
	if (!err)
		atomic_inc(&portres_enforce_users);
	mutex_unlock(&portres_enforce_lock);
	return err;
}

/* One more user, where the caller already counts as one. */
void portres_enforce_hold(void)
{
	WARN_ON_ONCE(!atomic_inc_not_zero(&portres_enforce_users));
}

/* Safe under a table lock and from the hooks: it never waits. */
void portres_enforce_put(void)
{
	if (!atomic_dec_and_test(&portres_enforce_users))
		return;
	spin_lock(&portres_enforce_sched_lock);
	if (!portres_enforce_dead)
		mod_delayed_work(system_long_wq, &portres_enforce_work,
				 PORTRES_DETACH_DELAY);
	spin_unlock(&portres_enforce_sched_lock);
}

/* Module exit, before the namespaces go: detach now, for good. */
void portres_enforce_exit(void)
{
	spin_lock(&portres_enforce_sched_lock);
	portres_enforce_dead = true;
	spin_unlock(&portres_enforce_sched_lock);
	cancel_delayed_work_sync(&portres_enforce_work);
	mutex_lock(&portres_enforce_lock);
	if (portres_enforce_attached)
		portres_enforce_ops->detach();
	portres_enforce_attached = false;
	mutex_unlock(&portres_enforce_lock);
}
