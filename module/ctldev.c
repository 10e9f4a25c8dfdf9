// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/portres: persistent reservations. Anyone may open it (mode 0666);
 * each operation checks its own privilege. An open file works on the
 * network namespace its opener was in.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/nsproxy.h>
#include <linux/portres.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "ctldev.h"
#include "persist.h"
#include "uring.h"

static int portres_ctl_open(struct inode *inode, struct file *file)
{
	file->private_data = get_net(current->nsproxy->net_ns);
	return 0;
}

static int portres_ctl_release(struct inode *inode, struct file *file)
{
	put_net(file->private_data);
	return 0;
}

static long portres_ctl_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct net *net = file->private_data;
	struct portres_persistent p;
	int err;

	switch (cmd) {
	case PORTRES_IOC_CREATE_PERSISTENT:
	case PORTRES_IOC_DELETE_PERSISTENT:
	case PORTRES_IOC_LOOKUP_PERSISTENT:
		break;
	default:
		return -ENOTTY;
	}
	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	switch (cmd) {
	case PORTRES_IOC_CREATE_PERSISTENT:
		/* Fail on a read-only buffer before anything exists. */
		if (copy_to_user(uarg, &p, sizeof(p)))
			return -EFAULT;
		err = portres_persist_create(net, &p);
		break;
	case PORTRES_IOC_DELETE_PERSISTENT:
		return portres_persist_delete(net, &p);
	default:
		err = portres_persist_lookup(net, &p);
		break;
	}
	if (!err && copy_to_user(uarg, &p, sizeof(p)))
		err = -EFAULT;
	return err;
}

static const struct file_operations portres_ctl_fops = {
	.owner = THIS_MODULE,
	.open = portres_ctl_open,
	.release = portres_ctl_release,
	.unlocked_ioctl = portres_ctl_ioctl,
	/* The structures have the same layout for 32-bit callers. */
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = portres_uring_cmd,
	.llseek = noop_llseek,
};

static struct miscdevice portres_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "portres",
	.fops = &portres_ctl_fops,
	.mode = 0666,
};

int portres_ctldev_init(void)
{
	return misc_register(&portres_miscdev);
}

void portres_ctldev_exit(void)
{
	misc_deregister(&portres_miscdev);
}
