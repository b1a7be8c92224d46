// SPDX-License-Identifier: GPL-2.0
/*
 * Who may see whom: a program of uid 1000 holds ttyS1 (root:dialout
 * 0660); six callers ask about it every way there is.  Identities (pid,
 * uid, name, times, open flags) go to root, to the holder's own user and
 * to users entitled to the port (dialout here); everyone else sees state
 * and counts, with PORTOWN_ID_HIDDEN.  sysfs identity files are root's
 * only.  Each request is allowed or refused as the documentation says,
 * with its errno.
 *
 * Runs as root in the test VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "portown_test.h"

enum subject { ROOT, HOLDER_USER, DIALOUT_USER, OUTSIDER, PIDNS_ROOT, USERNS_USER };

#define DIALOUT_UID	1001
#define OUTSIDER_UID	1002

/* What one caller got, request by request: an errno (0: allowed) and what it saw. */
struct seen {
	int open_err;
	int info_err;
	struct portown_ident info_owner;
	int holders_err;
	unsigned int holders_count;
	struct portown_ident holder;
	int list_err;
	struct portown_ident list_owner;
	int history_err;
	struct portown_ident history_who;
	int wait_err;
	int claim_err;
	struct portown_ident claim_owner;
	int stream_err;
	struct portown_ident stream_who;
	int sysfs_owner_err;
	int sysfs_state_err;
	int baseline_err;
};

FIXTURE(perm) {
	struct agent holder;
	dev_t devt;
	char sys[96];
};

FIXTURE_SETUP(perm)
{
	struct stat st;

	memset(self, 0, sizeof(*self));
	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), ""));
	ASSERT_EQ(0, stat(test_tty(), &st));
	ASSERT_EQ(DIALOUT_GID, st.st_gid);
	ASSERT_EQ(0660, st.st_mode & 0777);
	self->devt = st.st_rdev;
	snprintf(self->sys, sizeof(self->sys), "/sys/class/portown/%s",
		 strrchr(test_tty(), '/') + 1);
	ASSERT_EQ(0, agent_start(&self->holder, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->holder, 'o'));
	ASSERT_TRUE(wait_for_path(self->sys, 2000));
}

FIXTURE_TEARDOWN(perm)
{
	agent_kill(&self->holder);
	unload_portown();
}

/* Become the subject; the pid namespace one forks into it (returns in the child). */
static int enter(enum subject s)
{
	char map[32];
	pid_t kid;
	int fd, status;

	switch (s) {
	case ROOT:
		return 0;
	case HOLDER_USER:
		return become(USER_UID);
	case DIALOUT_USER:
		return become(DIALOUT_UID);
	case OUTSIDER:
		if (setgroups(0, NULL) || setresgid(OUTSIDER_UID, OUTSIDER_UID, OUTSIDER_UID) ||
		    setresuid(OUTSIDER_UID, OUTSIDER_UID, OUTSIDER_UID))
			return -1;
		return 0;
	case PIDNS_ROOT:
		if (unshare(CLONE_NEWPID))
			return -1;
		kid = fork();
		if (kid < 0)
			return -1;
		if (kid) {
			waitpid(kid, &status, 0);
			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
		}
		return 0;
	case USERNS_USER:
		/*
		 * A dialout member whose own user namespace maps 0 to it (a
		 * process that changed uid is not dumpable, and its /proc
		 * files are root's until it says otherwise).
		 */
		if (become(DIALOUT_UID) || prctl(PR_SET_DUMPABLE, 1) || unshare(CLONE_NEWUSER))
			return -1;
		fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
		snprintf(map, sizeof(map), "0 %d 1\n", DIALOUT_UID);
		if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
			return -1;
		close(fd);
		return 0;
	}
	return -1;
}

static int err_of(int ret)
{
	return ret ? errno : 0;
}

/* The requests about the port @devt that name it by number. */
static void ask_by_number(struct seen *r, int ctl, dev_t devt)
{
	struct portown_info info = { .size = sizeof(info), .fd = -1,
		.dev_major = major(devt), .dev_minor = minor(devt) };
	struct portown_ident ids[4];
	struct portown_holders h = { .size = sizeof(h), .fd = -1,
		.dev_major = major(devt), .dev_minor = minor(devt),
		.count = 4, .entry_size = sizeof(ids[0]), .holders = (unsigned long)ids };
	struct portown_list_entry ports[16];
	struct portown_list l = { .size = sizeof(l), .count = 16,
		.entry_size = sizeof(ports[0]), .ports = (unsigned long)ports };
	struct portown_event evs[32];
	struct portown_history hist = { .size = sizeof(hist), .fd = -1,
		.dev_major = major(devt), .dev_minor = minor(devt),
		.count = 32, .entry_size = sizeof(evs[0]), .events = (unsigned long)evs };
	struct portown_wait w = { .size = sizeof(w), .fd = -1,
		.dev_major = major(devt), .dev_minor = minor(devt) };
	unsigned int i;

	r->info_err = err_of(ioctl(ctl, PORTOWN_IOC_INFO, &info));
	r->info_owner = info.owner;
	r->holders_err = err_of(ioctl(ctl, PORTOWN_IOC_HOLDERS, &h));
	r->holders_count = h.count;
	r->holder = ids[0];
	r->list_err = err_of(ioctl(ctl, PORTOWN_IOC_LIST, &l));
	for (i = 0; i < l.written; i++)
		if (ports[i].dev_major == major(devt) && ports[i].dev_minor == minor(devt))
			r->list_owner = ports[i].owner;
	r->history_err = err_of(ioctl(ctl, PORTOWN_IOC_HISTORY, &hist));
	for (i = 0; i < hist.written; i++)
		if (evs[i].type == PORTOWN_EV_OPEN)
			r->history_who = evs[i].who;
	r->wait_err = err_of(ioctl(ctl, PORTOWN_IOC_WAIT, &w));
}

/* A claim needs a descriptor: through one's own, if one may open the port. */
static void ask_claim(struct seen *r, int ctl, dev_t devt)
{
	struct portown_info info;
	int fd;

	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	r->open_err = fd < 0 ? errno : 0;
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.fd = fd;
	if (fd < 0) {
		info.fd = -1;
		info.dev_major = major(devt);
		info.dev_minor = minor(devt);
	}
	r->claim_err = err_of(ioctl(ctl, PORTOWN_IOC_CLAIM, &info));
	r->claim_owner = info.owner;
	if (fd >= 0)
		close(fd);
}

/* The first open of the port @sys on the event stream @stream. */
static void ask_stream(struct seen *r, const char *sys, int stream)
{
	struct portown_event ev;

	r->stream_err = -1;
	while (read(stream, &ev, sizeof(ev)) == sizeof(ev)) {
		if (ev.type == PORTOWN_EV_OPEN && !strcmp(ev.name, strrchr(sys, '/') + 1)) {
			r->stream_err = 0;
			r->stream_who = ev.who;
			break;
		}
	}
}

static void ask(struct seen *r, dev_t devt, const char *sys, int stream)
{
	struct portown_baseline b = { .size = sizeof(b), .fd = -1,
		.dev_major = major(devt), .dev_minor = minor(devt) };
	char path[128], buf[64];
	int ctl;

	memset(r, 0, sizeof(*r));
	ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		r->info_err = errno;
		return;
	}
	ask_by_number(r, ctl, devt);
	ask_claim(r, ctl, devt);
	ask_stream(r, sys, stream);

	snprintf(path, sizeof(path), "%s/owner_pid", sys);
	r->sysfs_owner_err = err_of(read_text(path, buf, sizeof(buf)));
	snprintf(path, sizeof(path), "%s/state", sys);
	r->sysfs_state_err = err_of(read_text(path, buf, sizeof(buf)));

	/* the administrator's baseline: 9600 8N1, set then dropped */
	b.c_cflag = B9600 | CS8 | CREAD | CLOCAL;
	r->baseline_err = err_of(ioctl(ctl, PORTOWN_IOC_SET_BASELINE, &b));
	if (!r->baseline_err) {
		b.flags = PORTOWN_BASELINE_RESET;
		ioctl(ctl, PORTOWN_IOC_SET_BASELINE, &b);
	}
	close(ctl);
}

/*
 * Run the requests as @s: the subject opens the event stream, the holder
 * closes and reopens the port (an open event for the stream), and the
 * subject asks.
 */
static int run_as(struct _test_data_perm *self, enum subject s, struct seen *r)
{
	int ready[2], go[2], res[2], stream, status;
	char c = 0;
	pid_t kid;

	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		return -1;
	kid = fork();
	if (kid < 0)
		return -1;
	if (!kid) {
		close(ready[0]);
		close(go[1]);
		close(res[0]);
		if (enter(s))
			_exit(3);
		stream = open("/dev/portown", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		write(ready[1], &c, 1);
		if (read(go[0], &c, 1) != 1)
			_exit(4);
		ask(r, self->devt, self->sys, stream);
		write(res[1], r, sizeof(*r));
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	close(res[1]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(kid, &status, 0);
		return -1;
	}
	if (agent_do(&self->holder, 'c') || agent_do(&self->holder, 'o'))
		return -1;
	write(go[1], &c, 1);
	if (read(res[0], r, sizeof(*r)) != sizeof(*r)) {
		waitpid(kid, &status, 0);
		return -1;
	}
	waitpid(kid, &status, 0);
	close(ready[0]);
	close(go[1]);
	close(res[0]);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static bool hidden(const struct portown_ident *id)
{
	return (id->flags & PORTOWN_ID_HIDDEN) && id->pid == 0 && id->uid == (__u32)-1 &&
	       !id->comm[0] && !id->since_ns && !id->open_flags;
}

/* The holder, seen: its name, and the uid and pid the caller's namespaces give it. */
static bool shown(const struct portown_ident *id, pid_t pid, __u32 uid)
{
	return !(id->flags & PORTOWN_ID_HIDDEN) && id->pid == pid && id->uid == uid &&
	       !strcmp(id->comm, "holdprog") && id->since_ns;
}

/* What every caller may do whatever its rights: ask for state, wait. */
static void expect_common(struct __test_metadata *_metadata, const struct seen *r)
{
	EXPECT_EQ(0, r->info_err);
	EXPECT_EQ(0, r->holders_err);
	EXPECT_EQ(1, r->holders_count);
	EXPECT_EQ(0, r->list_err);
	EXPECT_EQ(0, r->history_err);
	EXPECT_EQ(ETIMEDOUT, r->wait_err);	/* held by another process */
	EXPECT_EQ(0, r->sysfs_state_err);
	EXPECT_EQ(0, r->stream_err);
}

static void expect_shown(struct __test_metadata *_metadata, const struct seen *r,
			 pid_t pid, __u32 uid)
{
	EXPECT_TRUE(shown(&r->info_owner, pid, uid));
	EXPECT_TRUE(shown(&r->holder, pid, uid));
	EXPECT_TRUE(shown(&r->list_owner, pid, uid));
	EXPECT_TRUE(shown(&r->history_who, pid, uid));
	EXPECT_TRUE(shown(&r->stream_who, pid, uid));
}

/*
 * A subject entitled to see the holder, as @pid and @uid: the claim is
 * refused as busy; only an administrator (@admin) reads the owner file
 * in sysfs and sets the baseline.
 */
static void expect_entitled(struct __test_metadata *_metadata, const struct seen *r,
			    pid_t pid, __u32 uid, bool admin)
{
	expect_common(_metadata, r);
	expect_shown(_metadata, r, pid, uid);
	EXPECT_EQ(EBUSY, r->claim_err);
	EXPECT_EQ(admin ? 0 : EACCES, r->sysfs_owner_err);
	EXPECT_EQ(admin ? 0 : EPERM, r->baseline_err);
}

TEST_F(perm, root_sees_all_and_sets_the_baseline)
{
	struct seen r;

	ASSERT_EQ(0, run_as(self, ROOT, &r));
	expect_entitled(_metadata, &r, self->holder.pid, USER_UID, true);
	EXPECT_TRUE(shown(&r.claim_owner, self->holder.pid, USER_UID));
}

TEST_F(perm, the_holders_own_user_sees_it)
{
	struct seen r;

	ASSERT_EQ(0, run_as(self, HOLDER_USER, &r));
	expect_entitled(_metadata, &r, self->holder.pid, USER_UID, false);
}

TEST_F(perm, a_dialout_member_sees_who_holds_its_port)
{
	struct seen r;

	ASSERT_EQ(0, run_as(self, DIALOUT_USER, &r));
	expect_entitled(_metadata, &r, self->holder.pid, USER_UID, false);
	EXPECT_EQ(0, r.open_err);
	EXPECT_TRUE(shown(&r.claim_owner, self->holder.pid, USER_UID));
}

TEST_F(perm, a_user_outside_dialout_sees_state_only)
{
	struct seen r;

	ASSERT_EQ(0, run_as(self, OUTSIDER, &r));
	expect_common(_metadata, &r);
	EXPECT_TRUE(hidden(&r.info_owner));
	EXPECT_TRUE(hidden(&r.holder));
	EXPECT_TRUE(hidden(&r.list_owner));
	EXPECT_TRUE(hidden(&r.history_who));
	EXPECT_TRUE(hidden(&r.stream_who));
	EXPECT_EQ(EACCES, r.open_err);
	EXPECT_EQ(EBADF, r.claim_err);		/* no descriptor, no claim */
	EXPECT_EQ(EACCES, r.sysfs_owner_err);
	EXPECT_EQ(EPERM, r.baseline_err);
}

TEST_F(perm, root_in_another_pid_namespace_sees_no_foreign_pid)
{
	struct seen r;

	ASSERT_EQ(0, run_as(self, PIDNS_ROOT, &r));
	/* privileged, but the holder has no pid in that namespace */
	expect_entitled(_metadata, &r, 0, USER_UID, true);
}

TEST_F(perm, a_user_namespace_sees_through_its_own_mapping)
{
	struct seen r;

	ASSERT_EQ(0, run_as(self, USERNS_USER, &r));
	/*
	 * entitled (dialout); uid 1000 has no mapping there: the overflow
	 * uid.  Not an administrator: its CAP_SYS_ADMIN is its namespace's.
	 */
	expect_entitled(_metadata, &r, self->holder.pid, 65534, false);
}

/* identities=all widens the policy to everyone; "own" narrows it. */
TEST(policy_parameter_widens_and_narrows)
{
	struct seen r;
	struct _test_data_perm self = { 0 };
	struct stat st;

	if (geteuid())
		SKIP(return, "needs root to load modules");
	ASSERT_EQ(0, stat(test_tty(), &st));
	self.devt = st.st_rdev;
	snprintf(self.sys, sizeof(self.sys), "/sys/class/portown/%s",
		 strrchr(test_tty(), '/') + 1);

	unload_portown();
	EXPECT_EQ(-1, load(portown_ko(), "identities=some"));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, load(portown_ko(), "identities=all"));
	ASSERT_EQ(0, agent_start(&self.holder, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self.holder, 'o'));
	ASSERT_EQ(0, run_as(&self, OUTSIDER, &r));
	EXPECT_TRUE(shown(&r.info_owner, self.holder.pid, USER_UID));
	EXPECT_TRUE(shown(&r.stream_who, self.holder.pid, USER_UID));
	agent_kill(&self.holder);
	unload_portown();

	ASSERT_EQ(0, load(portown_ko(), "identities=own"));
	ASSERT_EQ(0, agent_start(&self.holder, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self.holder, 'o'));
	ASSERT_EQ(0, run_as(&self, DIALOUT_USER, &r));
	EXPECT_TRUE(hidden(&r.info_owner));
	EXPECT_TRUE(hidden(&r.holder));
	ASSERT_EQ(0, run_as(&self, HOLDER_USER, &r));
	EXPECT_TRUE(shown(&r.info_owner, self.holder.pid, USER_UID));
	agent_kill(&self.holder);
	unload_portown();
}

TEST_HARNESS_MAIN
