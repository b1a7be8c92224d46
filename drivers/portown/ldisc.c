// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the line-discipline shim.
 *
 * The shim is N_TTY: its operations are copied from N_TTY with
 * n_tty_inherit_ops(), so a port with the shim attached reads, writes,
 * echoes, polls and signals exactly as with N_TTY.  It wraps three of
 * them: open and close record who attached it, and ioctl serves portown's
 * commands on the tty descriptor before passing every other one to N_TTY.
 *
 * tty_register_ldisc() silently replaces whatever discipline holds the
 * number it is given, so the shim checks /proc/tty/ldiscs, the tty core's
 * own list of registered disciplines, and refuses a number that is taken.
 *
 * Owns: the discipline's registration and its copy of N_TTY's operations.
 * Locks: none of its own; its operations run under the tty core's line
 * discipline semaphore, and take the live registry's lock (track.c,
 * ioctl.c).
 * Context: process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>

#include <linux/portown.h>

#include "portown.h"

#define PORTOWN_LDISCS_PATH	"/proc/tty/ldiscs"

static struct tty_ldisc_ops portown_ldisc_ops;

/* N_TTY's own operations that the shim wraps */
static int (*portown_n_tty_open)(struct tty_struct *tty);
static void (*portown_n_tty_close)(struct tty_struct *tty);
static int (*portown_n_tty_ioctl)(struct tty_struct *tty, PORTOWN_LDISC_IOCTL_FILE
				  unsigned int cmd, unsigned long arg);

static int portown_ldisc_open(struct tty_struct *tty)
{
	int ret = portown_n_tty_open(tty);

	if (!ret)
		portown_track_shim(tty, true);
	return ret;
}

/*
 * A c_line naming the shim must not outlive it: a tty keeps its termios
 * after a hangup and saves them at the last close, and the tty core
 * reopens the discipline that c_line names.  Once portown is unloaded,
 * that open would fail and the port would stay unusable.  A change of
 * discipline sets c_line again right after this.
 */
static void portown_ldisc_close(struct tty_struct *tty)
{
	portown_track_shim(tty, false);
	portown_n_tty_close(tty);
	down_write(&tty->termios_rwsem);
	if (tty->termios.c_line == portown_ldisc_ops.num)
		tty->termios.c_line = N_TTY;
	up_write(&tty->termios_rwsem);
}

/*
 * portown's commands are served here, on the tty descriptor itself; every
 * other command goes to N_TTY.  The tty core and the driver have already
 * passed on the command when it gets here.
 */
static int portown_ldisc_ioctl(struct tty_struct *tty, PORTOWN_LDISC_IOCTL_FILE
			       unsigned int cmd, unsigned long arg)
{
	long ret;

	if (_IOC_TYPE(cmd) != PORTOWN_IOC_MAGIC)
		return portown_n_tty_ioctl(tty, PORTOWN_LDISC_IOCTL_PASS cmd, arg);
	ret = portown_ioctl(tty, cmd, (void __user *)arg);
	return ret == -ENOIOCTLCMD ? -ENOTTY : ret;
}

/**
 * portown_ldisc_lookup() - find a discipline number in a /proc/tty/ldiscs text
 * @text: the file's contents, one "<name> <number>" line per discipline
 * @len: length of @text in bytes
 * @num: the number to look for
 * @name: where the registered name is copied when @num is found, or NULL
 * @namesz: size of @name
 *
 * The number is the last field of a line: names are printed left-aligned
 * and padded, numbers right-aligned.  Empty lines are skipped.
 *
 * Return: 1 if @num is listed, 0 if not, -EINVAL if a line is malformed.
 */
int portown_ldisc_lookup(const char *text, size_t len, int num,
			 char *name, size_t namesz)
{
	const char *line = text, *end = text + len;

	while (line < end) {
		const char *eol = memchr(line, '\n', end - line) ?: end;
		const char *p = eol, *digits, *name_end;
		int val = 0;

		while (p > line && p[-1] == ' ')
			p--;
		if (p == line)
			goto next;		/* empty line */

		digits = p;
		while (digits > line && isdigit(digits[-1]))
			digits--;
		if (digits == p || p - digits > 3 ||
		    digits == line || digits[-1] != ' ')
			return -EINVAL;
		for (; digits < p; digits++)
			val = val * 10 + (*digits - '0');

		if (val == num) {
			if (name && namesz) {
				name_end = memchr(line, ' ', eol - line);
				strscpy(name, line, min_t(size_t, namesz,
							  name_end - line + 1));
			}
			return 1;
		}
next:
		line = eol + 1;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(portown_ldisc_lookup);

/*
 * Read the tty core's list of registered disciplines and tell whether @num
 * is in it.  Process context only (module init).
 */
static int portown_ldisc_taken(int num, char *name, size_t namesz)
{
	const size_t bufsz = PAGE_SIZE;
	struct file *file;
	loff_t pos = 0;
	size_t len = 0;
	ssize_t n;
	char *buf;
	int ret;

	file = filp_open(PORTOWN_LDISCS_PATH, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);

	buf = kmalloc(bufsz, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}

	do {
		n = kernel_read(file, buf + len, bufsz - len, &pos);
		if (n < 0) {
			ret = n;
			goto out_free;
		}
		len += n;
	} while (n > 0 && len < bufsz);

	if (len == bufsz)
		ret = -EFBIG;
	else
		ret = portown_ldisc_lookup(buf, len, num, name, namesz);
out_free:
	kfree(buf);
out_close:
	filp_close(file, NULL);
	return ret;
}

/**
 * portown_ldisc_register() - register the shim under a free number
 * @num: the line discipline number, from the "ldisc" module parameter
 *
 * Context: process context, module init.
 * Return: 0 on success; -EINVAL for a number outside the tty core's range;
 * -EBUSY if another discipline holds @num; another errno if the list of
 * registered disciplines cannot be read.
 */
int portown_ldisc_register(int num)
{
	char holder[32] = "";
	int ret;

	if (num < 0 || num >= NR_LDISCS) {
		pr_err("ldisc=%d is out of range: line discipline numbers run from 0 to %d\n",
		       num, NR_LDISCS - 1);
		return -EINVAL;
	}

	ret = portown_ldisc_taken(num, holder, sizeof(holder));
	if (ret < 0) {
		pr_err("cannot read %s (%d) to check that line discipline %d is free; not loading\n",
		       PORTOWN_LDISCS_PATH, ret, num);
		return ret;
	}
	if (ret) {
		pr_err("line discipline %d is already registered as \"%s\"; not replacing it (pick a free number with portown.ldisc=N)\n",
		       num, holder);
		return -EBUSY;
	}

	n_tty_inherit_ops(&portown_ldisc_ops);
	portown_n_tty_open = portown_ldisc_ops.open;
	portown_n_tty_close = portown_ldisc_ops.close;
	portown_n_tty_ioctl = portown_ldisc_ops.ioctl;
	portown_ldisc_ops.open = portown_ldisc_open;
	portown_ldisc_ops.close = portown_ldisc_close;
	portown_ldisc_ops.ioctl = portown_ldisc_ioctl;
	portown_ldisc_ops.num = num;
	portown_ldisc_ops.name = "portown";
	portown_ldisc_ops.owner = THIS_MODULE;

	return portown_register_ldisc(&portown_ldisc_ops);
}

/**
 * portown_ldisc_unregister() - remove the shim from the tty core
 *
 * Context: process context, module exit.  No tty can have the shim
 * attached: each attachment holds a reference on this module.
 */
void portown_ldisc_unregister(void)
{
	portown_unregister_ldisc(&portown_ldisc_ops);
}
