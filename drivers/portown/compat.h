/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown - differences between the kernels portown builds for.
 *
 * Every switch here is a feature found in the target kernel's headers at
 * build time (see Kbuild), never a version number: distribution kernels
 * backport features, so a version says little about what a header offers.
 */
#ifndef _PORTOWN_COMPAT_H
#define _PORTOWN_COMPAT_H

#include <linux/build_bug.h>
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>

/*
 * EXPORT_SYMBOL_IF_KUNIT() exports a symbol for the KUnit suites when the
 * target has KUnit.  Kernels before <kunit/visibility.h> have no use for
 * it: there the macro expands to a declaration that checks nothing, so
 * "EXPORT_SYMBOL_IF_KUNIT(sym);" stays valid C.
 */
#ifdef PORTOWN_HAVE_KUNIT_VISIBILITY
#include <kunit/visibility.h>
#else
#define EXPORT_SYMBOL_IF_KUNIT(symbol)	static_assert(1, #symbol)
#endif

/*
 * Class attribute callbacks take const pointers since classes became
 * const (6.4); before that, plain ones.
 */
#ifdef PORTOWN_HAVE_CONST_CLASS
#define PORTOWN_CLASS_CONST	const
#else
#define PORTOWN_CLASS_CONST
#endif

/*
 * The list of consoles is walked under console_list_lock() since 6.2;
 * before, under console_lock().
 */
#ifdef PORTOWN_HAVE_CONSOLE_LIST_LOCK
#define portown_consoles_lock()		console_list_lock()
#define portown_consoles_unlock()	console_list_unlock()
#else
#define portown_consoles_lock()		console_lock()
#define portown_consoles_unlock()	console_unlock()
#endif

/*
 * vfs_path_lookup() is exported on every kernel portown builds for, but
 * declared in <linux/namei.h> only since 6.2; before, in fs/internal.h.
 */
#ifndef PORTOWN_HAVE_VFS_PATH_LOOKUP_DECL
struct dentry;
struct path;
struct vfsmount;
int vfs_path_lookup(struct dentry *dentry, struct vfsmount *mnt, const char *name,
		    unsigned int flags, struct path *path);
#endif

/*
 * N_DEVELOPMENT (29) is named since 5.14.  Before, 29 is a free number
 * below NR_LDISCS (30 on 5.10), just not reserved for development: the
 * shim still checks /proc/tty/ldiscs before taking it.
 */
#ifndef N_DEVELOPMENT
#define N_DEVELOPMENT	29
#endif
static_assert(N_DEVELOPMENT < NR_LDISCS, "N_DEVELOPMENT out of range");

/*
 * A line discipline registers with its operations alone since 5.14
 * (they carry the number); before, with the number and the operations,
 * and unregistering took the number and failed with -EBUSY while a tty
 * used the discipline (the shim's owner pins the module, so not at exit).
 */
static inline int portown_register_ldisc(struct tty_ldisc_ops *ops)
{
#ifdef PORTOWN_HAVE_LDISC_REGISTER_NUM
	return tty_register_ldisc(ops->num, ops);
#else
	return tty_register_ldisc(ops);
#endif
}

static inline void portown_unregister_ldisc(struct tty_ldisc_ops *ops)
{
#ifdef PORTOWN_HAVE_LDISC_REGISTER_NUM
	WARN_ON(tty_unregister_ldisc(ops->num));
#else
	tty_unregister_ldisc(ops);
#endif
}

/*
 * A line discipline's ioctl() took the tty's struct file until 5.16; the
 * shim passes it on to N_TTY and uses it for nothing else.
 */
#ifdef PORTOWN_HAVE_LDISC_IOCTL_FILE
#define PORTOWN_LDISC_IOCTL_FILE	struct file *file,
#define PORTOWN_LDISC_IOCTL_PASS	file,
#else
#define PORTOWN_LDISC_IOCTL_FILE
#define PORTOWN_LDISC_IOCTL_PASS
#endif

#endif /* _PORTOWN_COMPAT_H */
