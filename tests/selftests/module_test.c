// SPDX-License-Identifier: GPL-2.0
/*
 * portown module life cycle: load and unload, the line discipline in
 * /proc/tty/ldiscs, /dev/portown and /sys/class/portown, refusal of a
 * line-discipline number that is taken, the shim on a real 8250 UART.
 *
 * Runs as root in the test VM.  Environment:
 *   PORTOWN_KO		path of portown.ko
 *   PORTOWN_HELPER_KO	path of portown_test_helper.ko
 *   PORTOWN_TTY	a free 16550 UART (default /dev/ttyS1)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#include <linux/portown.h>

#include "kselftest_harness.h"
#include "portown_test.h"

/* The name the shim must be listed under; the canary expects a wrong one. */
static const char *shim_name(void)
{
	return strcmp(env_or("PORTOWN_CANARY", ""), "selftest") ?
		"portown" : "portown-canary";
}

static bool is_chardev(const char *path, mode_t *perm)
{
	struct stat st;

	if (stat(path, &st) || !S_ISCHR(st.st_mode))
		return false;
	if (perm)
		*perm = st.st_mode & 07777;
	return true;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Nothing portown made may be left after a refused or undone load. */
static void expect_nothing_left(struct __test_metadata *_metadata, int num)
{
	char name[64] = "";

	EXPECT_FALSE(module_loaded("portown"));
	EXPECT_FALSE(exists("/dev/portown"));
	EXPECT_FALSE(exists("/sys/class/portown"));
	if (ldisc_listed(NULL, num, name))
		EXPECT_STRNE("portown", name);
}

FIXTURE(module) {
	int unused;
};

FIXTURE_SETUP(module)
{
	if (geteuid())
		SKIP(return, "needs root to load modules");
	if (access(portown_ko(), R_OK))
		SKIP(return, "no module at %s", portown_ko());
	/* a test that failed half-way must not spoil the next one */
	unload("portown");
	unload("portown_test_helper");
	ASSERT_FALSE(module_loaded("portown"));
}

FIXTURE_TEARDOWN(module)
{
	unload("portown");
	unload("portown_test_helper");
}

TEST_F(module, load_unload_20_times)
{
	char name[64];
	mode_t perm = 0;
	int i;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load %d: %s", i, strerror(errno));

		ASSERT_TRUE(ldisc_listed(NULL, SHIM_DEFAULT_NUM, name));
		ASSERT_STREQ(shim_name(), name);
		ASSERT_TRUE(is_chardev("/dev/portown", &perm));
		ASSERT_EQ((mode_t)0666, perm);
		ASSERT_TRUE(is_dir("/sys/class/portown"));

		ASSERT_EQ(0, unload("portown")) TH_LOG("unload %d: %s", i, strerror(errno));

		ASSERT_FALSE(ldisc_listed(NULL, SHIM_DEFAULT_NUM, NULL));
		ASSERT_FALSE(exists("/dev/portown"));
		ASSERT_FALSE(exists("/sys/class/portown"));
	}
}

TEST_F(module, custom_ldisc_number)
{
	char name[64], params[32];
	int num, kmsg;

	/*
	 * The highest free number other than the default: the kernel's last
	 * (30 where it has 31 disciplines, 29 where 30), unless taken.  A free
	 * number may be refused only as out of range.
	 */
	for (num = 30; num > 0; num--) {
		if (num == SHIM_DEFAULT_NUM || ldisc_listed(NULL, num, NULL))
			continue;
		snprintf(params, sizeof(params), "ldisc=%d", num);
		kmsg = kmsg_open_at_end();
		ASSERT_GE(kmsg, 0);
		if (!load(portown_ko(), params)) {
			close(kmsg);
			break;
		}
		ASSERT_EQ(EINVAL, errno) TH_LOG("%s: %s", params, strerror(errno));
		ASSERT_TRUE(kmsg_contains(kmsg, "out of range")) TH_LOG("%s", params);
		close(kmsg);
		expect_nothing_left(_metadata, SHIM_DEFAULT_NUM);
	}
	ASSERT_GE(num, 28) TH_LOG("no free number near the top of the range");
	ASSERT_TRUE(ldisc_listed(NULL, num, name));
	EXPECT_STREQ("portown", name);
	EXPECT_FALSE(ldisc_listed(NULL, SHIM_DEFAULT_NUM, NULL));
	ASSERT_EQ(0, unload("portown"));
	EXPECT_FALSE(ldisc_listed(NULL, num, NULL));
}

TEST_F(module, refuses_number_taken_by_another_ldisc)
{
	char name[64] = "";
	int kmsg;

	if (access(helper_ko(), R_OK))
		SKIP(return, "no helper module at %s", helper_ko());
	ASSERT_EQ(0, load(helper_ko(), "ldisc=29")) TH_LOG("helper: %s", strerror(errno));
	ASSERT_TRUE(ldisc_listed(NULL, SHIM_DEFAULT_NUM, name));
	ASSERT_STREQ("po_test_hold", name);

	kmsg = kmsg_open_at_end();
	ASSERT_GE(kmsg, 0);
	ASSERT_EQ(-1, load(portown_ko(), ""));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_TRUE(kmsg_contains(kmsg,
				  "line discipline 29 is already registered as \"po_test_hold\""));
	close(kmsg);

	/* the other discipline is untouched, and nothing of portown is left */
	ASSERT_TRUE(ldisc_listed(NULL, SHIM_DEFAULT_NUM, name));
	EXPECT_STREQ("po_test_hold", name);
	expect_nothing_left(_metadata, SHIM_DEFAULT_NUM);
	EXPECT_EQ(0, unload("portown_test_helper"));
}

TEST_F(module, refuses_n_tty_number)
{
	char name[64] = "";
	int kmsg = kmsg_open_at_end();

	ASSERT_GE(kmsg, 0);
	ASSERT_EQ(-1, load(portown_ko(), "ldisc=0"));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_TRUE(kmsg_contains(kmsg, "line discipline 0 is already registered as \"n_tty\""));
	close(kmsg);
	ASSERT_TRUE(ldisc_listed(NULL, 0, name));
	EXPECT_STREQ("n_tty", name);
	expect_nothing_left(_metadata, 0);
}

TEST_F(module, refuses_out_of_range_number)
{
	static const char * const bad[] = { "ldisc=-1", "ldisc=31", "ldisc=1000" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int kmsg = kmsg_open_at_end();

		ASSERT_GE(kmsg, 0);
		ASSERT_EQ(-1, load(portown_ko(), bad[i]));
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad[i]);
		EXPECT_TRUE(kmsg_contains(kmsg, "out of range"));
		close(kmsg);
		expect_nothing_left(_metadata, SHIM_DEFAULT_NUM);
	}
}

TEST_F(module, shim_attaches_to_uart_and_pins_module)
{
	int fd, ld = SHIM_DEFAULT_NUM, cur = -1, ntty = 0;

	ASSERT_EQ(0, load(portown_ko(), ""));
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0) TH_LOG("%s: %s", test_tty(), strerror(errno));

	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ld)) TH_LOG("TIOCSETD: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(fd, TIOCGETD, &cur));
	EXPECT_EQ(SHIM_DEFAULT_NUM, cur);

	/* an attached shim holds the module */
	EXPECT_EQ(-1, unload("portown"));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(module_loaded("portown"));

	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ntty));
	close(fd);
	EXPECT_EQ(0, unload("portown")) TH_LOG("unload after detach: %s", strerror(errno));
}

TEST_F(module, control_device_rejects_unknown_ioctl)
{
	struct termios t;
	int fd;

	ASSERT_EQ(0, load(portown_ko(), ""));
	fd = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, ioctl(fd, _IO(PORTOWN_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, TCGETS, &t));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	close(fd);
	ASSERT_EQ(0, unload("portown"));
}

TEST_HARNESS_MAIN
