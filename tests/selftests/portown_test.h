/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by portown's selftests: the module, the test UART, and
 * small file utilities.  Included after kselftest_harness.h.
 */
#ifndef PORTOWN_TEST_H
#define PORTOWN_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SHIM_DEFAULT_NUM	29	/* N_DEVELOPMENT */

static inline const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static inline const char *portown_ko(void)
{
	return env_or("PORTOWN_KO", "/portown/modules/portown.ko");
}

static inline const char *helper_ko(void)
{
	return env_or("PORTOWN_HELPER_KO", "/portown/modules/portown_test_helper.ko");
}

/* A free 16550 UART of the VM */
static inline const char *test_tty(void)
{
	return env_or("PORTOWN_TTY", "/dev/ttyS1");
}

static inline int load(const char *path, const char *params)
{
	int fd, ret, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static inline int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static inline bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

static inline bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Read a small text file into @buf, without the trailing newline. */
static inline int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait up to @ms for @path to exist (sysfs entries are made by a work item). */
static inline bool wait_for_path(const char *path, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (exists(path))
			return true;
		sleep_ms(10);
	}
	return exists(path);
}

#endif /* PORTOWN_TEST_H */
