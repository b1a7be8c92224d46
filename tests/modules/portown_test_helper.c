// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only helper for portown's test bed.  Never shipped.
 *
 * It plays "somebody else" who holds a line-discipline number, so the
 * tests can check that portown refuses a number that is taken (the
 * "ldisc" parameter).
 *
 * It tells a tty's TTY_EXCLUSIVE bit where TIOCGEXCL cannot: on a
 * hung-up descriptor, whose every ioctl the tty core answers with EIO
 * (a pty slave after its master closed cannot be opened again either).
 * /sys/kernel/debug/portown_test_helper/tty_exclusive: write the number
 * of one of the writer's tty descriptors, hung up or not; a read then
 * gives "0" or "1", the bit as it was at that write, or "-1" before any.
 *
 * It tells the modem lines a serial-core UART's driver left set
 * (struct uart_port's mctrl) on a descriptor, hung up or not, where
 * TIOCMGET cannot (EIO after a hangup, and a new open raises DTR):
 * /sys/kernel/debug/portown_test_helper/mctrl, written and read as
 * tty_exclusive, gives the TIOCM_* bits, or -1 before any write.
 *
 * And it gives the test bed's canaries their kernel reports on demand,
 * in the same directory: writing 1 to "warn" makes a WARNING, to
 * "lockdep" a lock-order inversion lockdep reports, to "atomic_sleep" a
 * sleep-in-atomic report (DEBUG_ATOMIC_SLEEP), to "leak" an object
 * kmemleak reports.  Each must turn "make check" red.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/serial_core.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>

static int ldisc = -1;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number to occupy (-1: none)");

static struct tty_ldisc_ops portown_test_ldisc_ops;
static struct dentry *portown_test_debugfs;
static atomic_t portown_test_excl = ATOMIC_INIT(-1);
static atomic_t portown_test_mctrl = ATOMIC_INIT(-1);
static DEFINE_MUTEX(portown_test_lock_a);
static DEFINE_MUTEX(portown_test_lock_b);
static void *portown_test_leaked;

/*
 * A tty descriptor, hung up or not, releases through tty_release(), which
 * is not exported: recognised by name, as portown itself does.
 */
static bool portown_test_is_tty_file(const struct file *file)
{
	char sym[KSYM_SYMBOL_LEN];

	if (!file->f_op || !file->f_op->release || !file->private_data)
		return false;
	sprint_symbol(sym, (unsigned long)file->f_op->release);
	return !strncmp(sym, "tty_release+0x0/", 16);
}

/*
 * A knob written with the number of one of the writer's tty descriptors,
 * hung up or not: @tell() of its tty is kept in @val for the next read.
 */
static ssize_t tty_knob_write(const char __user *ubuf, size_t len, atomic_t *val,
			      int (*tell)(struct tty_struct *tty))
{
	const struct tty_file_private *priv;
	struct file *file;
	unsigned int fd;
	int ret;

	ret = kstrtouint_from_user(ubuf, len, 10, &fd);
	if (ret)
		return ret;
	file = fget(fd);
	if (!file)
		return -EBADF;
	ret = -ENOTTY;
	if (portown_test_is_tty_file(file)) {
		priv = file->private_data;
		ret = priv->tty ? tell(priv->tty) : -ENOTTY;
		if (ret >= 0) {
			atomic_set(val, ret);
			ret = 0;
		}
	}
	fput(file);
	return ret ?: len;
}

static ssize_t tty_knob_read(char __user *ubuf, size_t len, loff_t *ppos, atomic_t *val)
{
	char buf[16];
	int n;

	n = scnprintf(buf, sizeof(buf), "%d\n", atomic_read(val));
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static int portown_test_tty_excl(struct tty_struct *tty)
{
	return test_bit(TTY_EXCLUSIVE, &tty->flags);
}

static ssize_t tty_exclusive_write(struct file *f, const char __user *ubuf, size_t len,
				   loff_t *ppos)
{
	return tty_knob_write(ubuf, len, &portown_test_excl, portown_test_tty_excl);
}

static ssize_t tty_exclusive_read(struct file *f, char __user *ubuf, size_t len,
				  loff_t *ppos)
{
	return tty_knob_read(ubuf, len, ppos, &portown_test_excl);
}

static const struct file_operations tty_exclusive_fops = {
	.owner = THIS_MODULE,
	.write = tty_exclusive_write,
	.read = tty_exclusive_read,
	.llseek = default_llseek,
};

/* A serial-core tty's modem lines as its driver last set them, or -ENODEV. */
static int portown_test_uart_mctrl(struct tty_struct *tty)
{
	struct uart_state *state;

	if (strcmp(tty->driver->name, "ttyS"))
		return -ENODEV;
	state = tty->driver_data;
	if (!state || !state->uart_port)
		return -ENODEV;
	return READ_ONCE(state->uart_port->mctrl);
}

static ssize_t mctrl_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	return tty_knob_write(ubuf, len, &portown_test_mctrl, portown_test_uart_mctrl);
}

static ssize_t mctrl_read(struct file *f, char __user *ubuf, size_t len, loff_t *ppos)
{
	return tty_knob_read(ubuf, len, ppos, &portown_test_mctrl);
}

static const struct file_operations mctrl_fops = {
	.owner = THIS_MODULE,
	.write = mctrl_write,
	.read = mctrl_read,
	.llseek = default_llseek,
};

static int portown_test_warn(void *data, u64 val)
{
	WARN(val, "canary: this warning must turn the test bed red\n");
	return 0;
}

/* A before B, then B before A: never a deadlock here, always a report. */
static int portown_test_lockdep(void *data, u64 val)
{
	mutex_lock(&portown_test_lock_a);
	mutex_lock(&portown_test_lock_b);
	mutex_unlock(&portown_test_lock_b);
	mutex_unlock(&portown_test_lock_a);
	mutex_lock(&portown_test_lock_b);
	mutex_lock(&portown_test_lock_a);
	mutex_unlock(&portown_test_lock_a);
	mutex_unlock(&portown_test_lock_b);
	return 0;
}

static int portown_test_atomic_sleep(void *data, u64 val)
{
	preempt_disable();
	might_sleep();
	preempt_enable();
	return 0;
}

/* An object nothing points to once the only pointer is overwritten. */
static int portown_test_leak(void *data, u64 val)
{
	WRITE_ONCE(portown_test_leaked, kmalloc(128, GFP_KERNEL));
	WRITE_ONCE(portown_test_leaked, NULL);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(portown_test_warn_fops, NULL, portown_test_warn, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(portown_test_lockdep_fops, NULL, portown_test_lockdep, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(portown_test_atomic_fops, NULL, portown_test_atomic_sleep, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(portown_test_leak_fops, NULL, portown_test_leak, "%llu\n");

static int __init portown_test_helper_init(void)
{
	struct dentry *d;
	int ret;

	if (ldisc >= NR_LDISCS)
		return -EINVAL;
	if (ldisc >= 0) {
		n_tty_inherit_ops(&portown_test_ldisc_ops);
		portown_test_ldisc_ops.num = ldisc;
		portown_test_ldisc_ops.name = "po_test_hold";
		portown_test_ldisc_ops.owner = THIS_MODULE;
#ifdef PORTOWN_HAVE_LDISC_REGISTER_NUM
		ret = tty_register_ldisc(ldisc, &portown_test_ldisc_ops);
#else
		ret = tty_register_ldisc(&portown_test_ldisc_ops);
#endif
		if (ret)
			return ret;
	}
	d = debugfs_create_dir("portown_test_helper", NULL);
	portown_test_debugfs = d;
	debugfs_create_file("tty_exclusive", 0600, d, NULL, &tty_exclusive_fops);
	debugfs_create_file("mctrl", 0600, d, NULL, &mctrl_fops);
	debugfs_create_file_unsafe("warn", 0200, d, NULL, &portown_test_warn_fops);
	debugfs_create_file_unsafe("lockdep", 0200, d, NULL, &portown_test_lockdep_fops);
	debugfs_create_file_unsafe("atomic_sleep", 0200, d, NULL, &portown_test_atomic_fops);
	debugfs_create_file_unsafe("leak", 0200, d, NULL, &portown_test_leak_fops);
	return 0;
}

static void __exit portown_test_helper_exit(void)
{
	debugfs_remove_recursive(portown_test_debugfs);
#ifdef PORTOWN_HAVE_LDISC_REGISTER_NUM
	if (ldisc >= 0)
		WARN_ON(tty_unregister_ldisc(ldisc));
#else
	if (ldisc >= 0)
		tty_unregister_ldisc(&portown_test_ldisc_ops);
#endif
}

module_init(portown_test_helper_init);
module_exit(portown_test_helper_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("portown test bed helper (test only)");
