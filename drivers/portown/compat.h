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

#include <linux/module.h>

/*
 * Symbols the KUnit suites need.  <kunit/visibility.h> exports them into
 * the EXPORTED_FOR_KUNIT_TESTING namespace when the target has KUnit; on a
 * kernel without KUnit they stay module-local.
 */
#ifdef PORTOWN_HAVE_KUNIT_VISIBILITY
#include <kunit/visibility.h>
#define PORTOWN_EXPORT_FOR_KUNIT(sym)	EXPORT_SYMBOL_IF_KUNIT(sym)
#else
#define PORTOWN_EXPORT_FOR_KUNIT(sym)
#endif

#endif /* _PORTOWN_COMPAT_H */
