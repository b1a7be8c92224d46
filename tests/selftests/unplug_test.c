// SPDX-License-Identifier: GPL-2.0
/*
 * USB-serial unplug: a real FTDI adapter (QEMU's, on xHCI, driven by
 * ftdi_sio) is pulled out through the QEMU monitor while a user's program
 * holds it, and plugged back in.
 *
 * The stock outcome: the holder keeps its dead descriptor, and with it
 * the name; the adapter comes back as ttyUSB1 and nothing says why.
 * With portown the old port is "gone" and names its holder until the
 * holder closes, then disappears; a new device gets a fresh record.
 *
 * Runs as root in the test VM; the host bench does the unplugging.
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
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <linux/usbdevice_fs.h>

#include "kselftest_harness.h"
#include "portown_test.h"

#define USB0	"/dev/ttyUSB0"
#define USB1	"/dev/ttyUSB1"
#define SYS0	"/sys/class/portown/ttyUSB0"
#define SYS1	"/sys/class/portown/ttyUSB1"

/*
 * The adapter's node appears: root:dialout 0660, as udev would make it.
 * devtmpfs sets the node's owner and mode in a step of its own after
 * making it, which on a slow kernel can come after ours: ours is set
 * again until it stays.
 */
static int await_node(const char *path)
{
	struct stat st;
	int i;

	if (!wait_for_path(path, 20000))
		return -1;
	for (i = 0; i < 50; i++) {
		if (chown(path, 0, DIALOUT_GID) || chmod(path, 0660))
			return -1;
		sleep_ms(100);
		if (!stat(path, &st) && st.st_gid == DIALOUT_GID && (st.st_mode & 0777) == 0660)
			return 0;
	}
	return -1;
}

static int pull_out(const char *node)
{
	if (host_request("usb-unplug ftdi0"))
		return -1;
	return wait_for_no_path(node, 20000) ? 0 : -1;
}

static int plug_in(const char *node)
{
	if (host_request("usb-plug ftdi0"))
		return -1;
	return await_node(node);
}

static int sysfs_int(const char *dir, const char *attr)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	if (read_text(path, buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* Read queued events until one of @type for @name; false if none. */
static bool saw_event(int ctl, unsigned int type, const char *name, struct portown_event *out)
{
	struct portown_event ev;

	while (read(ctl, &ev, sizeof(ev)) == sizeof(ev)) {
		if (ev.type == type && !strcmp(ev.name, name)) {
			*out = ev;
			return true;
		}
	}
	return false;
}

/*
 * Was the port @devt marked gone by the reconciler?  Its gone event names
 * nobody, where the tap's names the process that removed the device.
 */
static bool gone_by_nobody(dev_t devt)
{
	struct portown_event ev[32];
	struct portown_history h = {
		.size = sizeof(h), .fd = -1, .dev_major = major(devt), .dev_minor = minor(devt),
		.count = 32, .entry_size = sizeof(ev[0]), .events = (unsigned long)ev,
	};
	bool found = false;
	unsigned int i;
	int ctl;

	ctl = open("/dev/portown", O_RDONLY | O_CLOEXEC);
	if (ctl < 0)
		return false;
	if (!ioctl(ctl, PORTOWN_IOC_HISTORY, &h))
		for (i = 0; i < h.written; i++)
			if (ev[i].type == PORTOWN_EV_GONE)
				found = ev[i].who.pid == 0 && ev[i].who.uid == (__u32)-1;
	close(ctl);
	return found;
}

/* The FTDI adapter's usbfs node, /dev/bus/usb/BBB/DDD, into @path. */
static int ftdi_node(char *path, size_t len)
{
	char f[300], buf[16];
	struct dirent *d;
	int bus, dev;
	DIR *dir;

	dir = opendir("/sys/bus/usb/devices");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		snprintf(f, sizeof(f), "/sys/bus/usb/devices/%s/idVendor", d->d_name);
		if (read_text(f, buf, sizeof(buf)) || strcmp(buf, "0403"))
			continue;
		snprintf(f, sizeof(f), "/sys/bus/usb/devices/%s/busnum", d->d_name);
		if (read_text(f, buf, sizeof(buf)))
			break;
		bus = atoi(buf);
		snprintf(f, sizeof(f), "/sys/bus/usb/devices/%s/devnum", d->d_name);
		if (read_text(f, buf, sizeof(buf)))
			break;
		dev = atoi(buf);
		closedir(dir);
		snprintf(path, len, "/dev/bus/usb/%03d/%03d", bus, dev);
		return 0;
	}
	closedir(dir);
	return -1;
}

/*
 * As brltty does to a CH340 or CP210x it takes for a braille display: a
 * process named @comm takes interface 0 of the adapter from its driver
 * through usbfs (USBDEVFS_DISCONNECT), or gives it back (CONNECT).
 * Returns 0, or -1 (the errno of the child's request in *@err).
 */
static int usbfs_driver(const char *comm, unsigned int code, int *err)
{
	struct usbdevfs_ioctl req = { .ifno = 0, .ioctl_code = (int)code };
	char node[64];
	int status, fd;
	pid_t pid;

	*err = ENODEV;
	if (ftdi_node(node, sizeof(node)))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		prctl(PR_SET_NAME, comm);
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(errno);
		_exit(ioctl(fd, USBDEVFS_IOCTL, &req) < 0 ? errno : 0);
	}
	*err = ECHILD;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	*err = WEXITSTATUS(status);
	return *err ? -1 : 0;
}

FIXTURE(usb) {
	struct agent a, b;
	int ctl;
};

FIXTURE_SETUP(usb)
{
	memset(self, 0, sizeof(*self));
	self->ctl = -1;
	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	/* every test starts and ends with the adapter plugged in as ttyUSB0 */
	ASSERT_EQ(0, await_node(USB0)) TH_LOG("no USB-serial adapter at " USB0);
}

FIXTURE_TEARDOWN(usb)
{
	agent_kill(&self->a);
	agent_kill(&self->b);
	if (self->ctl >= 0)
		close(self->ctl);
	unload_portown();
	/* put the bench back after a failure: one adapter, as ttyUSB0 */
	if (!exists(USB0)) {
		if (exists(USB1))
			pull_out(USB1);
		plug_in(USB0);
	}
}

TEST_F(usb, stock_unplugged_adapter_comes_back_under_another_name)
{
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "oldterm", USB0));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'x'));

	ASSERT_FALSE(module_loaded("portown"));
	ASSERT_EQ(0, pull_out(USB0));
	ASSERT_EQ(0, plug_in(USB1));
	/* the holder's descriptor is dead, yet it keeps the name taken */
	EXPECT_EQ(0, agent_do(&self->a, 'h'));
	/* the dialer set up for ttyUSB0 finds nothing, and no one says why */
	EXPECT_FALSE(exists(USB0));

	EXPECT_EQ(0, agent_do(&self->a, 'c'));
	ASSERT_EQ(0, pull_out(USB1));
	ASSERT_EQ(0, plug_in(USB0));
}

TEST_F(usb, unplugged_port_is_gone_names_its_holder_then_disappears)
{
	struct portown_info info;
	struct portown_event ev;
	struct stat st;
	char buf[512];
	dev_t old;

	struct portown_why w;
	int kmsg;

	ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));
	self->ctl = open("/dev/portown", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(self->ctl, 0);
	ASSERT_EQ(0, stat(USB0, &st));
	old = st.st_rdev;
	kmsg = kmsg_open_at_end();
	ASSERT_GE(kmsg, 0);

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "oldterm", USB0));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'x'));
	ASSERT_EQ(0, agent_do(&self->a, 'C'));
	ASSERT_TRUE(await_sysfs(SYS0, "state", "claimed"));
	/* the link comes right after the directory, from the same work item */
	ASSERT_TRUE(wait_for_path(SYS0 "/device", 3000));

	ASSERT_EQ(0, pull_out(USB0));
	ASSERT_TRUE(await_sysfs(SYS0, "state", "gone"));

	/* the kernel log and WHY say it was unplugged: no process did it */
	EXPECT_TRUE(kmsg_contains(kmsg, "ttyUSB0 gone: unplugged"));
	close(kmsg);
	ASSERT_EQ(0, why_of(self->ctl, old, &w)) TH_LOG("WHY: %s", strerror(errno));
	EXPECT_EQ(PORTOWN_WHY_GONE | PORTOWN_WHY_OPEN, w.reasons & ~PORTOWN_WHY_HUNGUP);
	EXPECT_EQ(0, w.removed.flags & PORTOWN_ID_UNBOUND);
	EXPECT_NE(0, w.removed.since_ns);
	EXPECT_EQ(-1, w.ldisc);

	/* it names the process that keeps the name taken */
	EXPECT_EQ(self->a.pid, sysfs_int(SYS0, "owner_pid"));
	ASSERT_EQ(0, read_text(SYS0 "/owner_comm", buf, sizeof(buf)));
	EXPECT_STREQ("oldterm", buf);
	ASSERT_EQ(0, read_text(SYS0 "/holders", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "oldterm")) TH_LOG("holders: %s", buf);
	EXPECT_EQ(1, sysfs_int(SYS0, "hangups"));
	/* the link to the removed device goes with it (the sysfs work's job) */
	EXPECT_TRUE(wait_for_no_path(SYS0 "/device", 3000));

	/* portownctl finds it by name, though /dev and /sys/class/tty have not */
	EXPECT_EQ(0, run_cmd("portownctl who ttyUSB0 2>&1", buf, sizeof(buf))) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "ttyUSB0: gone, held by oldterm")) TH_LOG("%s", buf);

	ASSERT_EQ(0, info_by_devt(self->ctl, old, &info)) TH_LOG("INFO: %s", strerror(errno));
	EXPECT_EQ(PORTOWN_STATE_GONE, info.state);
	EXPECT_EQ(self->a.pid, info.owner.pid);
	EXPECT_EQ(1, info.nr_holders);

	/* the stream told: hangup, the claim's end, gone; in that order */
	EXPECT_TRUE(saw_event(self->ctl, PORTOWN_EV_HANGUP, "ttyUSB0", &ev));
	EXPECT_TRUE(saw_event(self->ctl, PORTOWN_EV_GONE, "ttyUSB0", &ev));
	EXPECT_EQ(PORTOWN_STATE_GONE, ev.state);

	/* the adapter comes back under another name, with a record of its own */
	ASSERT_EQ(0, plug_in(USB1));
	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "dialer", USB1));
	EXPECT_EQ(0, agent_do(&self->b, 'o'));
	EXPECT_TRUE(await_sysfs(SYS1, "state", "open"));
	EXPECT_TRUE(await_sysfs(SYS0, "state", "gone"));

	/*
	 * The holder closes: the old port disappears, and only it.  portown
	 * saw the close and retired the record: INFO no longer knows it,
	 * while the new port's record stays.
	 */
	EXPECT_EQ(0, agent_do(&self->a, 'c'));
	EXPECT_TRUE(saw_event(self->ctl, PORTOWN_EV_CLOSE, "ttyUSB0", &ev));
	EXPECT_EQ(PORTOWN_STATE_CLOSED, ev.state);
	EXPECT_TRUE(wait_for_no_path(SYS0, 3000));
	/* INFO by the old number: no record, a port nobody has open */
	ASSERT_EQ(0, info_by_devt(self->ctl, old, &info)) TH_LOG("INFO: %s", strerror(errno));
	EXPECT_EQ(PORTOWN_STATE_CLOSED, info.state);
	EXPECT_EQ(0, info.nr_holders);
	EXPECT_EQ(0, info.owner.pid);
	EXPECT_STREQ("", info.name);
	EXPECT_TRUE(await_sysfs(SYS1, "state", "open"));

	/* unplugged while closed, a port disappears at once */
	EXPECT_EQ(0, agent_do(&self->b, 'c'));
	ASSERT_TRUE(await_sysfs(SYS1, "state", "closed"));
	ASSERT_EQ(0, pull_out(USB1));
	EXPECT_TRUE(saw_event(self->ctl, PORTOWN_EV_GONE, "ttyUSB1", &ev));
	EXPECT_EQ(PORTOWN_STATE_CLOSED, ev.state);
	EXPECT_TRUE(wait_for_no_path(SYS1, 3000));
	EXPECT_TRUE(exists("/sys/class/portown/tap"));
	ASSERT_EQ(0, plug_in(USB0));
	agent_kill(&self->b);
	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "dialer", USB0));
	EXPECT_EQ(0, agent_do(&self->b, 'o'));
	ASSERT_TRUE(await_sysfs(SYS0, "state", "open"));
	/* a fresh record (its files appear one by one: wait for each) */
	EXPECT_TRUE(await_sysfs(SYS0, "opens", "1"));
	EXPECT_TRUE(await_sysfs(SYS0, "hangups", "0"));
	EXPECT_EQ(0, agent_do(&self->b, 'c'));
}

/*
 * A process takes the adapter from its driver through usbfs, as brltty
 * does: to the holder it looks like an unplug, but portown names the
 * process in the kernel log, the gone event and WHY.
 */
TEST_F(usb, driver_unbound_through_usbfs_names_the_process)
{
	struct portown_event ev;
	struct portown_why w;
	char want[512];
	struct stat st;
	int kmsg, err;

	ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));
	self->ctl = open("/dev/portown", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(self->ctl, 0);
	ASSERT_EQ(0, stat(USB0, &st));
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "uploader", USB0));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_TRUE(await_sysfs(SYS0, "state", "open"));
	kmsg = kmsg_open_at_end();
	ASSERT_GE(kmsg, 0);

	ASSERT_EQ(0, usbfs_driver("brltty", USBDEVFS_DISCONNECT, &err)) TH_LOG("%s", strerror(err));
	ASSERT_TRUE(wait_for_no_path(USB0, 10000));
	ASSERT_TRUE(await_sysfs(SYS0, "state", "gone"));
	EXPECT_TRUE(kmsg_contains(kmsg, "ttyUSB0 gone: driver unbound by brltty (pid "));
	close(kmsg);
	ASSERT_TRUE(saw_event(self->ctl, PORTOWN_EV_GONE, "ttyUSB0", &ev));
	EXPECT_TRUE(ev.who.flags & PORTOWN_ID_UNBOUND);
	EXPECT_STREQ("brltty", ev.who.comm);
	EXPECT_EQ(0, ev.who.uid);

	ASSERT_EQ(0, why_of(self->ctl, st.st_rdev, &w)) TH_LOG("WHY: %s", strerror(errno));
	EXPECT_TRUE(w.reasons & PORTOWN_WHY_GONE);
	EXPECT_TRUE(w.removed.flags & PORTOWN_ID_UNBOUND);
	EXPECT_STREQ("brltty", w.removed.comm);
	EXPECT_EQ(self->a.pid, w.owner.pid);

	/* portownctl says it, by the name no longer in /dev */
	EXPECT_EQ(2, run_cmd("portownctl why ttyUSB0 2>&1", want, sizeof(want))) TH_LOG("%s", want);
	EXPECT_NE(NULL, strstr(want, "ttyUSB0: gone: driver unbound by brltty (pid "))
		TH_LOG("%s", want);
	EXPECT_EQ(0, run_cmd("portownctl history ttyUSB0 2>&1 | grep gone", want, sizeof(want)));
	EXPECT_NE(NULL, strstr(want, "brltty (driver unbound by this process)")) TH_LOG("%s", want);

	/* the holder goes, the driver is given the interface back */
	EXPECT_EQ(0, agent_do(&self->a, 'c'));
	EXPECT_TRUE(wait_for_no_path(SYS0, 3000));
	ASSERT_EQ(0, usbfs_driver("brltty", USBDEVFS_CONNECT, &err)) TH_LOG("%s", strerror(err));
	ASSERT_EQ(0, await_node(USB0));
}

/* The tap misses the unplug (its hangup and its removal): the reconciler sees it. */
TEST_F(usb, missed_unplug_is_repaired)
{
	struct stat st;

	ASSERT_EQ(0, host_request("hello"));	/* the channel is open before the drops */
	ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "oldterm", USB0));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_TRUE(await_sysfs(SYS0, "state", "open"));
	ASSERT_EQ(0, stat(USB0, &st));

	ASSERT_TRUE(await_sysfs(SYS0, "repairs", "0"));
	ASSERT_EQ(0, inject_drops(2));
	ASSERT_EQ(2, drops_left()) TH_LOG("the drops went on something else");
	ASSERT_EQ(0, pull_out(USB0));
	ASSERT_TRUE(await_sysfs(SYS0, "state", "gone"));
	/*
	 * The unplug's two events were the ones dropped: the tap saw no
	 * hangup, and the removal was found by the reconciler, whose events
	 * name nobody.
	 */
	EXPECT_EQ(0, drops_left());
	EXPECT_EQ(0, sysfs_int(SYS0, "hangups"));
	EXPECT_GE(sysfs_int(SYS0, "repairs"), 1);
	EXPECT_TRUE(gone_by_nobody(st.st_rdev));
	EXPECT_EQ(self->a.pid, sysfs_int(SYS0, "owner_pid"));

	/* the close was seen (the drops are used up): the record goes */
	EXPECT_EQ(0, agent_do(&self->a, 'c'));
	EXPECT_TRUE(wait_for_no_path(SYS0, 3000));
	EXPECT_TRUE(module_loaded("portown"));
	EXPECT_TRUE(exists("/sys/class/portown/tap"));
	ASSERT_EQ(0, plug_in(USB0));
}

TEST_HARNESS_MAIN
