// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for portown's registry: the state machine, holders, claims,
 * the history ring, the namespace translation of identities, and the
 * interface its users have: listeners told of every change in order and
 * never after they left, the owner's hook on each lock.
 *
 * Each case makes a registry of its own and never touches the loaded
 * module's: its records may use the numbers of real ports.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "portown.h"
#include "registry.h"

/* The test bed's canary: portown_kunit.canary=1 fails a case of this, the second suite. */
static bool canary;
module_param(canary, bool, 0444);
MODULE_PARM_DESC(canary, "fail a case of the registry suite (test-bed canary)");

/* ttyS<n>: the case's registry is its own, the live one never sees it */
#define TEST_DEVT(n)	MKDEV(4, 64 + (n))

#define TEST_LOG_LEN	16

struct registry_test;

/*
 * What a listener was told: each call's place among all the calls of the
 * case (@tick), and for an event, its sequence number and type.
 */
struct test_listener {
	struct portown_listener l;
	struct registry_test *t;
	unsigned int nr_events, nr_changed;
	u64 seq[TEST_LOG_LEN];
	u32 type[TEST_LOG_LEN];
	unsigned int tick[TEST_LOG_LEN];
	struct portown_port *changed[TEST_LOG_LEN];
};

struct registry_test {
	struct portown_registry reg;
	unsigned int tick;		/* calls to any listener so far */
	unsigned int syncs;		/* calls of the owner's hook */
	struct portown_port *port;
	struct portown_who a, b;	/* two distinct processes */
	int files[4];			/* their addresses stand for struct files */
};

/* The record of @devt, created if need be, with a reference. */
static struct portown_port *add_port(struct portown_registry *reg, dev_t devt, const char *name)
{
	struct portown_port *port;

	mutex_lock(&reg->lock);
	port = portown_port_find_or_add(reg, devt, name);
	if (port)
		kref_get(&port->kref);
	mutex_unlock(&reg->lock);
	return port;
}

static bool claimed(struct portown_port *port)
{
	bool ret;

	mutex_lock(&port->reg->lock);
	ret = portown_port_claim_of(port);
	mutex_unlock(&port->reg->lock);
	return ret;
}

static int registry_test_init(struct kunit *test)
{
	struct registry_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	portown_registry_init(&t->reg, NULL);
	t->port = add_port(&t->reg, TEST_DEVT(1), "ttyTEST1");
	KUNIT_ASSERT_NOT_NULL(test, t->port);

	portown_who_current(&t->a);
	t->b.pid = find_get_pid(1);	/* init: certainly another process */
	KUNIT_ASSERT_NOT_NULL(test, t->b.pid);
	KUNIT_ASSERT_PTR_NE(test, t->a.pid, t->b.pid);
	t->b.uid = GLOBAL_ROOT_UID;
	t->b.since_ns = 1;
	strscpy(t->b.comm, "other", sizeof(t->b.comm));
	test->priv = t;
	return 0;
}

static void registry_test_exit(struct kunit *test)
{
	struct registry_test *t = test->priv;

	portown_port_put(t->port);
	portown_registry_clear(&t->reg);
	portown_who_put(&t->a);
	portown_who_put(&t->b);
}

static u32 state(struct portown_port *port)
{
	u32 s;

	mutex_lock(&port->reg->lock);
	s = portown_port_state(port);
	mutex_unlock(&port->reg->lock);
	return s;
}

static void open_as(struct kunit *test, struct portown_port *port, void *file,
		    struct portown_who *who)
{
	int ret;

	mutex_lock(&port->reg->lock);
	ret = portown_port_open(port, file, who, O_RDWR);
	mutex_unlock(&port->reg->lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
}

static bool close_file(struct portown_port *port, void *file)
{
	bool ended;

	mutex_lock(&port->reg->lock);
	ended = portown_port_close(port, file, NULL);
	mutex_unlock(&port->reg->lock);
	return ended;
}

static int claim_as(struct portown_port *port, void *file, struct portown_who *who)
{
	int ret;

	mutex_lock(&port->reg->lock);
	ret = portown_port_claim(port, file, who, false);
	mutex_unlock(&port->reg->lock);
	return ret;
}

static void registry_lookup_and_add(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *p;

	KUNIT_EXPECT_FALSE_MSG(test, canary, "canary: this case must turn the test bed red");

	p = portown_port_lookup(&t->reg, TEST_DEVT(1));
	KUNIT_EXPECT_PTR_EQ(test, p, t->port);
	portown_port_put(p);
	p = add_port(&t->reg, TEST_DEVT(1), "ignored");
	KUNIT_EXPECT_PTR_EQ(test, p, t->port);
	KUNIT_EXPECT_STREQ(test, p->name, "ttyTEST1");
	portown_port_put(p);
	KUNIT_EXPECT_NULL(test, portown_port_lookup(&t->reg, TEST_DEVT(2)));
}

static void registry_state_machine(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;

	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_CLOSED);
	open_as(test, port, &t->files[0], &t->a);
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_OPEN);
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[0], &t->a), 0);
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_CLAIMED);
	open_as(test, port, &t->files[1], &t->b);	/* a root open past the claim */
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_CLAIMED);

	mutex_lock(&t->reg.lock);
	portown_port_hangup(port, NULL);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_HUNGUP);
	KUNIT_EXPECT_FALSE(test, claimed(port));
	KUNIT_EXPECT_EQ(test, port->counters.hangups, 1ULL);

	close_file(port, &t->files[0]);
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_HUNGUP);
	close_file(port, &t->files[1]);
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_CLOSED);

	/* a reopen after the hangup is live again; a removed device is gone */
	open_as(test, port, &t->files[2], &t->b);
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_OPEN);
	port->gone = true;
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_GONE);
	close_file(port, &t->files[2]);
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_CLOSED);
}

static void registry_holder_bookkeeping(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct portown_who owner;
	unsigned int flags = 0;

	open_as(test, port, &t->files[0], &t->b);
	open_as(test, port, &t->files[1], &t->a);
	open_as(test, port, &t->files[2], &t->a);
	KUNIT_EXPECT_EQ(test, port->nr_holders, 3U);
	KUNIT_EXPECT_EQ(test, port->counters.opens, 3ULL);

	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_TRUE(test, portown_port_owner(port, &owner, &flags));
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_PTR_EQ(test, owner.pid, t->b.pid);	/* the earliest */
	KUNIT_EXPECT_EQ(test, flags, (unsigned int)O_RDWR);
	portown_who_put(&owner);

	KUNIT_EXPECT_FALSE(test, close_file(port, &t->files[0]));
	KUNIT_EXPECT_FALSE(test, close_file(port, &t->files[0]));	/* unknown now */
	KUNIT_EXPECT_EQ(test, port->nr_holders, 2U);
	KUNIT_EXPECT_EQ(test, port->counters.closes, 1ULL);

	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_TRUE(test, portown_port_owner(port, &owner, NULL));
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_PTR_EQ(test, owner.pid, t->a.pid);
	portown_who_put(&owner);

	/* a file recorded twice (a missed close) replaces the stale entry */
	open_as(test, port, &t->files[1], &t->b);
	KUNIT_EXPECT_EQ(test, port->nr_holders, 2U);
	KUNIT_EXPECT_EQ(test, port->nr_live, 2U);

	/* no owner: @owner is zeroed, whatever it held (not left as it was) */
	memset(&owner, 0xa5, sizeof(owner));
	mutex_lock(&t->reg.lock);
	portown_port_hangup(port, NULL);
	KUNIT_EXPECT_FALSE(test, portown_port_owner(port, &owner, NULL));
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_NULL(test, owner.pid);
	KUNIT_EXPECT_EQ(test, owner.since_ns, 0ULL);
	KUNIT_EXPECT_NULL(test, memchr_inv(&owner, 0, sizeof(owner)));
	KUNIT_EXPECT_EQ(test, port->nr_live, 0U);
	close_file(port, &t->files[1]);
	close_file(port, &t->files[2]);
	KUNIT_EXPECT_EQ(test, port->nr_holders, 0U);
	KUNIT_EXPECT_NULL(test, port->holders);
	KUNIT_EXPECT_PTR_EQ(test, port->holders_tail, &port->holders);
}

static int release_as(struct portown_port *port, void *file, struct portown_who *who)
{
	int ret;

	mutex_lock(&port->reg->lock);
	ret = portown_port_release(port, who->pid, file, who);
	mutex_unlock(&port->reg->lock);
	return ret;
}

static void registry_claim_rules(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct portown_holder *h;

	/* no claim without a descriptor */
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[0], &t->a), -EBADF);

	open_as(test, port, &t->files[0], &t->a);
	open_as(test, port, &t->files[1], &t->b);
	/* another process holds it: refused, and counted */
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[0], &t->a), -EBUSY);
	KUNIT_EXPECT_EQ(test, port->counters.denials, 1ULL);
	KUNIT_EXPECT_FALSE(test, claimed(port));

	close_file(port, &t->files[1]);
	/* a descriptor opened by another process, passed to the claimer */
	open_as(test, port, &t->files[2], &t->b);
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[2], &t->a), 0);
	KUNIT_EXPECT_EQ(test, release_as(port, NULL, &t->a), 0);
	close_file(port, &t->files[2]);

	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[0], &t->a), 0);
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[0], &t->a), 0);	/* again: no-op */
	KUNIT_EXPECT_EQ(test, port->counters.claims, 2ULL);

	/* an open past the claim is marked; its claim is refused */
	open_as(test, port, &t->files[1], &t->b);
	mutex_lock(&t->reg.lock);
	h = portown_port_holder(port, &t->files[1]);
	KUNIT_EXPECT_TRUE(test, h && h->privileged);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_EQ(test, release_as(port, &t->files[1], &t->b), -EPERM);
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[1], &t->b), -EBUSY);
	KUNIT_EXPECT_EQ(test, port->counters.denials, 2ULL);

	/* whoever holds the claim's descriptor may release it */
	KUNIT_EXPECT_EQ(test, release_as(port, &t->files[0], &t->b), 0);
	KUNIT_EXPECT_EQ(test, release_as(port, &t->files[0], &t->a), -ENOENT);
	mutex_lock(&t->reg.lock);
	portown_port_hangup(port, NULL);
	mutex_unlock(&t->reg.lock);
	/* a hung-up descriptor cannot claim */
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[0], &t->a), -EIO);

	close_file(port, &t->files[0]);
	close_file(port, &t->files[1]);
}

/*
 * A claim belongs to the descriptor it was made through: it ends when
 * that one is released, even while the claimer holds another.  The
 * exclusive bit it set is to be cleared exactly once.
 */
static void registry_claim_ends_with_its_descriptor(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct portown_claim *claim;
	int ret;

	open_as(test, port, &t->files[0], &t->a);
	open_as(test, port, &t->files[1], &t->a);
	mutex_lock(&t->reg.lock);
	ret = portown_port_claim(port, &t->files[0], &t->a, true);
	claim = portown_port_claim_of(port);
	mutex_unlock(&t->reg.lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_NOT_NULL(test, claim);
	KUNIT_EXPECT_PTR_EQ(test, claim->file, (const void *)&t->files[0]);
	KUNIT_EXPECT_EQ(test, atomic_read(&claim->excl), 1);

	/* another descriptor of the claimer: the claim stays */
	KUNIT_EXPECT_FALSE(test, close_file(port, &t->files[1]));
	KUNIT_EXPECT_TRUE(test, claimed(port));
	/* its own: the claim ends, and the caller clears the bit */
	KUNIT_EXPECT_TRUE(test, close_file(port, &t->files[0]));
	KUNIT_EXPECT_FALSE(test, claimed(port));
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_CLOSED);

	/* a claim whose bit a probe handler already let go: nothing to clear */
	open_as(test, port, &t->files[2], &t->a);
	mutex_lock(&t->reg.lock);
	ret = portown_port_claim(port, &t->files[2], &t->a, true);
	atomic_set(&portown_port_claim_of(port)->excl, 0);
	mutex_unlock(&t->reg.lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_FALSE(test, close_file(port, &t->files[2]));
	KUNIT_EXPECT_FALSE(test, claimed(port));
}

static void registry_history_wraps(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct portown_hist *h;
	unsigned int n, i;

	h = kunit_kcalloc(test, PORTOWN_HISTORY_LEN, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);

	/* 20 open/close pairs: 40 events, more than the ring holds */
	for (i = 0; i < 20; i++) {
		open_as(test, port, &t->files[0], &t->a);
		close_file(port, &t->files[0]);
	}
	mutex_lock(&t->reg.lock);
	n = portown_port_history(port, h, PORTOWN_HISTORY_LEN);
	mutex_unlock(&t->reg.lock);
	KUNIT_ASSERT_EQ(test, n, (unsigned int)PORTOWN_HISTORY_LEN);
	KUNIT_EXPECT_EQ(test, port->seq, 40ULL);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, h[i].seq, 40ULL - PORTOWN_HISTORY_LEN + 1 + i);
		KUNIT_EXPECT_EQ(test, h[i].type,
				(u32)(h[i].seq % 2 ? PORTOWN_EV_OPEN : PORTOWN_EV_CLOSE));
		KUNIT_EXPECT_EQ(test, h[i].state,
				(u32)(h[i].seq % 2 ? PORTOWN_STATE_OPEN : PORTOWN_STATE_CLOSED));
		KUNIT_EXPECT_PTR_EQ(test, h[i].who.pid, t->a.pid);
		portown_who_put(&h[i].who);
	}

	/* less room than events: the oldest come first, the count is whole */
	mutex_lock(&t->reg.lock);
	n = portown_port_history(port, h, 2);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_EQ(test, n, (unsigned int)PORTOWN_HISTORY_LEN);
	KUNIT_EXPECT_EQ(test, h[0].seq, 9ULL);
	KUNIT_EXPECT_EQ(test, h[1].seq, 10ULL);
	portown_who_put(&h[0].who);
	portown_who_put(&h[1].who);
}

static void registry_ident_translation(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_who nobody = {};
	struct portown_ident id;

	portown_who_export(&t->a, &id, &init_pid_ns, &init_user_ns);
	KUNIT_EXPECT_EQ(test, id.pid, (s32)task_tgid_nr(current));
	KUNIT_EXPECT_EQ(test, id.uid, from_kuid(&init_user_ns, current_uid()));
	KUNIT_EXPECT_STREQ(test, id.comm, current->comm);
	KUNIT_EXPECT_EQ(test, id.since_ns, t->a.since_ns);

	portown_who_export(&t->b, &id, &init_pid_ns, &init_user_ns);
	KUNIT_EXPECT_EQ(test, id.pid, 1);
	KUNIT_EXPECT_EQ(test, id.uid, 0U);

	portown_who_export(&nobody, &id, &init_pid_ns, &init_user_ns);
	KUNIT_EXPECT_EQ(test, id.pid, 0);
	KUNIT_EXPECT_EQ(test, id.uid, (u32)-1);
	KUNIT_EXPECT_EQ(test, id.since_ns, 0ULL);
	KUNIT_EXPECT_STREQ(test, id.comm, "");
}

static int registry_idle_thread(void *data)
{
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * An identity whose process has exited: a live query says pid 0, so a new
 * process that gets the number is never taken for it; the history keeps
 * the number the process had.
 */
static void registry_ident_of_exited_process(struct kunit *test)
{
	struct portown_who gone = { .uid = GLOBAL_ROOT_UID, .since_ns = 1 };
	struct task_struct *task;
	struct portown_ident id;
	pid_t nr;
	int i;

	task = kthread_run(registry_idle_thread, NULL, "portown-kunit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	gone.pid = get_task_pid(task, PIDTYPE_TGID);
	nr = pid_nr(gone.pid);
	strscpy(gone.comm, "portown-kunit", sizeof(gone.comm));

	portown_who_export(&gone, &id, &init_pid_ns, &init_user_ns);
	KUNIT_EXPECT_EQ(test, id.pid, nr);

	kthread_stop(task);
	for (i = 0; i < 50 && pid_has_task(gone.pid, PIDTYPE_TGID); i++)
		msleep(20);
	KUNIT_ASSERT_FALSE(test, pid_has_task(gone.pid, PIDTYPE_TGID));

	portown_who_export(&gone, &id, &init_pid_ns, &init_user_ns);
	KUNIT_EXPECT_EQ(test, id.pid, 0);
	KUNIT_EXPECT_STREQ(test, id.comm, "portown-kunit");
	portown_who_export_event(&gone, &id, &init_pid_ns, &init_user_ns);
	KUNIT_EXPECT_EQ(test, id.pid, nr);
	portown_who_put(&gone);
}

/* A removed device held by a descriptor: gone, its claim ended, nothing twice. */
static void registry_gone_while_held(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct portown_counters counters;
	struct portown_who owner;
	bool done, retired, excl = false;
	u64 seq;

	open_as(test, port, &t->files[0], &t->a);
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[0], &t->a), 0);
	mutex_lock(&t->reg.lock);
	portown_port_hangup(port, NULL);
	done = portown_port_gone(port, NULL, 0, &excl);
	retired = portown_port_retire_if_done(port);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_FALSE(test, done);		/* a holder remains */
	KUNIT_EXPECT_FALSE(test, retired);
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_GONE);
	KUNIT_EXPECT_FALSE(test, claimed(port));
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[0], &t->a), -ENODEV);

	/* the holder of the dead descriptor is named as owner */
	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_TRUE(test, portown_port_owner(port, &owner, NULL));
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_PTR_EQ(test, owner.pid, t->a.pid);
	portown_who_put(&owner);

	/* a second removal changes nothing: no event, no counter, no claim's bit */
	mutex_lock(&t->reg.lock);
	seq = port->seq;
	counters = port->counters;
	excl = false;
	done = portown_port_gone(port, NULL, 0, &excl);
	KUNIT_EXPECT_EQ(test, port->seq, seq);
	KUNIT_EXPECT_EQ(test, port->history[(seq - 1) % PORTOWN_HISTORY_LEN].type,
			(u8)PORTOWN_EV_GONE);
	KUNIT_EXPECT_EQ(test, memcmp(&port->counters, &counters, sizeof(counters)), 0);
	KUNIT_EXPECT_EQ(test, port->nr_holders, 1U);
	KUNIT_EXPECT_FALSE(test, port->retired);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_FALSE(test, done);		/* the holder is still there */
	KUNIT_EXPECT_FALSE(test, excl);
	KUNIT_EXPECT_EQ(test, state(port), PORTOWN_STATE_GONE);

	close_file(port, &t->files[0]);
}

/* A removed device is retired at its last close; its number is free again. */
static void registry_gone_then_retired(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port, *other;
	bool done, retired, excl = false;

	open_as(test, port, &t->files[0], &t->a);
	mutex_lock(&t->reg.lock);
	done = portown_port_gone(port, NULL, 0, &excl);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_FALSE(test, done);
	close_file(port, &t->files[0]);
	mutex_lock(&t->reg.lock);
	retired = portown_port_retire_if_done(port);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_TRUE(test, retired);
	other = portown_port_lookup(&t->reg, TEST_DEVT(1));
	KUNIT_EXPECT_PTR_EQ(test, other, NULL);
	portown_port_put(other);

	/* a new device with the same number gets a record of its own */
	other = add_port(&t->reg, TEST_DEVT(1), "ttyTEST1");
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_PTR_NE(test, other, port);
	KUNIT_EXPECT_EQ(test, state(other), PORTOWN_STATE_CLOSED);

	/* removed while closed: done at once */
	mutex_lock(&t->reg.lock);
	done = portown_port_gone(other, NULL, 0, &excl);
	retired = portown_port_retire_if_done(other);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_TRUE(test, done);
	KUNIT_EXPECT_TRUE(test, retired);
	portown_port_remove(other);
	portown_port_put(other);
}

/*
 * What the probe handlers read without the registry's lock: a record by
 * number under RCU (a retired one no more), and its administrator's
 * baseline, which also replaces the driver's settings for queries.
 */
static void registry_peek_and_baseline(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct ktermios k = {}, got;
	bool admin, retired;

	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, portown_port_peek(&t->reg, TEST_DEVT(1)), port);
	KUNIT_EXPECT_NULL(test, portown_port_peek(&t->reg, TEST_DEVT(2)));
	KUNIT_EXPECT_NULL(test, rcu_dereference(port->baseline));
	rcu_read_unlock();

	mutex_lock(&t->reg.lock);
	port->driver_termios.c_cflag = B9600;
	admin = portown_port_baseline(port, &got);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_FALSE(test, admin);
	KUNIT_EXPECT_EQ(test, got.c_cflag, (tcflag_t)B9600);

	k.c_cflag = B57600;
	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_EQ(test, portown_port_set_baseline(port, &k), 0);
	admin = portown_port_baseline(port, &got);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_TRUE(test, admin);
	KUNIT_EXPECT_EQ(test, got.c_cflag, (tcflag_t)B57600);
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, rcu_dereference(port->baseline)->termios.c_cflag,
			(tcflag_t)B57600);
	rcu_read_unlock();

	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_EQ(test, portown_port_set_baseline(port, NULL), 0);
	admin = portown_port_baseline(port, &got);
	port->gone = true;
	retired = portown_port_retire_if_done(port);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_FALSE(test, admin);
	KUNIT_EXPECT_TRUE(test, retired);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, portown_port_peek(&t->reg, TEST_DEVT(1)));
	rcu_read_unlock();
}

/* A claim whose process has exited ends, and gives back its bit once. */
static void registry_dead_claim_ends(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct portown_who gone = { .uid = GLOBAL_ROOT_UID, .since_ns = 1 };
	struct task_struct *task;
	bool ended;
	int i, ret;

	task = kthread_run(registry_idle_thread, NULL, "portown-kunit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	gone.pid = get_task_pid(task, PIDTYPE_TGID);
	open_as(test, port, &t->files[0], &gone);
	mutex_lock(&t->reg.lock);
	ret = portown_port_claim(port, &t->files[0], &gone, true);
	ended = portown_port_end_dead_claim(port);	/* alive: nothing */
	mutex_unlock(&t->reg.lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_FALSE(test, ended);
	KUNIT_EXPECT_TRUE(test, claimed(port));

	kthread_stop(task);
	for (i = 0; i < 50 && pid_has_task(gone.pid, PIDTYPE_TGID); i++)
		msleep(20);
	mutex_lock(&t->reg.lock);
	ended = portown_port_end_dead_claim(port);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_TRUE(test, ended);		/* the caller clears the bit */
	KUNIT_EXPECT_FALSE(test, claimed(port));
	close_file(port, &t->files[0]);
	portown_who_put(&gone);
}

/*
 * A walk may find a descriptor before its open event comes: the event is
 * then that same open, counted once; a struct file seen again after a
 * missed close is a new open, and the missed close is counted.
 */
static void registry_found_then_event_counts_once(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct portown_holder *h;

	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_EQ(test, portown_port_found(port, &t->files[0], &t->b, O_RDONLY), 0);
	KUNIT_EXPECT_EQ(test, portown_port_open(port, &t->files[0], &t->a, O_RDWR), 0);
	h = portown_port_holder(port, &t->files[0]);
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_EQ(test, port->nr_holders, 1U);
	KUNIT_EXPECT_EQ(test, port->counters.opens, 1ULL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_EXPECT_PTR_EQ(test, h->who.pid, t->a.pid);	/* the event knows the opener */
	KUNIT_EXPECT_EQ(test, h->f_flags, (unsigned int)O_RDWR);

	open_as(test, port, &t->files[0], &t->b);		/* its close was missed */
	KUNIT_EXPECT_EQ(test, port->nr_holders, 1U);
	KUNIT_EXPECT_EQ(test, port->counters.opens, 2ULL);
	KUNIT_EXPECT_EQ(test, port->counters.closes, 1ULL);
	KUNIT_EXPECT_FALSE(test, close_file(port, &t->files[0]));
	KUNIT_EXPECT_EQ(test, port->counters.closes, 2ULL);
	KUNIT_EXPECT_EQ(test, port->nr_holders, 0U);
}

/* --- the interface: listeners and the owner's hook ----------------------- */

static void test_event(struct portown_listener *l, struct portown_port *port,
		       const struct portown_hist *e)
{
	struct test_listener *tl = container_of(l, struct test_listener, l);

	lockdep_assert_held(&port->reg->lock);
	if (tl->nr_events < TEST_LOG_LEN) {
		tl->seq[tl->nr_events] = e->seq;
		tl->type[tl->nr_events] = e->type;
		tl->tick[tl->nr_events] = tl->t->tick;
	}
	tl->nr_events++;
	tl->t->tick++;
}

static void test_changed(struct portown_listener *l, struct portown_port *port)
{
	struct test_listener *tl = container_of(l, struct test_listener, l);

	lockdep_assert_held(&port->reg->lock);
	if (tl->nr_changed < TEST_LOG_LEN)
		tl->changed[tl->nr_changed] = port;
	tl->nr_changed++;
	tl->t->tick++;
}

static struct test_listener *listen(struct kunit *test, struct portown_registry *reg)
{
	struct test_listener *tl = kunit_kzalloc(test, sizeof(*tl), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, tl);
	tl->t = test->priv;
	tl->l.event = test_event;
	tl->l.changed = test_changed;
	portown_registry_listen(reg, &tl->l);
	return tl;
}

/*
 * Every event reaches every listener, in the order the events happened
 * and, for each event, in the order the listeners came.
 */
static void registry_listeners_told_in_order(struct kunit *test)
{
	static const u32 types[] = {
		PORTOWN_EV_OPEN, PORTOWN_EV_CLAIM, PORTOWN_EV_OPEN, PORTOWN_EV_HANGUP,
		PORTOWN_EV_RELEASE, PORTOWN_EV_CLOSE, PORTOWN_EV_CLOSE,
	};
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct test_listener *first = listen(test, &t->reg);
	struct test_listener *second = listen(test, &t->reg);
	unsigned int i;

	open_as(test, port, &t->files[0], &t->a);
	KUNIT_EXPECT_EQ(test, claim_as(port, &t->files[0], &t->a), 0);
	open_as(test, port, &t->files[1], &t->b);
	mutex_lock(&t->reg.lock);
	portown_port_hangup(port, NULL);	/* a hangup, then the claim's end */
	mutex_unlock(&t->reg.lock);
	close_file(port, &t->files[0]);
	close_file(port, &t->files[1]);

	KUNIT_ASSERT_EQ(test, first->nr_events, (unsigned int)ARRAY_SIZE(types));
	KUNIT_ASSERT_EQ(test, second->nr_events, (unsigned int)ARRAY_SIZE(types));
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		KUNIT_EXPECT_EQ(test, first->seq[i], (u64)i + 1);
		KUNIT_EXPECT_EQ(test, first->type[i], types[i]);
		KUNIT_EXPECT_EQ(test, second->seq[i], first->seq[i]);
		KUNIT_EXPECT_EQ(test, second->type[i], types[i]);
		KUNIT_EXPECT_EQ(test, first->tick[i], 2 * i);
		KUNIT_EXPECT_EQ(test, second->tick[i], 2 * i + 1);
	}
	KUNIT_EXPECT_EQ(test, first->nr_changed, 0U);
	portown_registry_unlisten(&t->reg, &first->l);
	portown_registry_unlisten(&t->reg, &second->l);
}

/*
 * "Changed" is said when what users made for a record must be redone:
 * the record tied to a tty (once), its device gone, back, the record
 * retired.
 */
static void registry_changed_told(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct test_listener *tl = listen(test, &t->reg);
	struct ktermios k = { .c_cflag = B9600 };
	bool excl = false;

	mutex_lock(&t->reg.lock);
	portown_port_tie(port, NULL, &k, false);
	KUNIT_EXPECT_EQ(test, tl->nr_changed, 1U);
	KUNIT_EXPECT_TRUE(test, port->tied);
	KUNIT_EXPECT_EQ(test, port->driver_termios.c_cflag, (tcflag_t)B9600);
	k.c_cflag = B115200;
	portown_port_tie(port, NULL, &k, false);		/* again: nothing new */
	KUNIT_EXPECT_EQ(test, tl->nr_changed, 1U);
	KUNIT_EXPECT_EQ(test, port->driver_termios.c_cflag, (tcflag_t)B9600);
	mutex_unlock(&t->reg.lock);

	open_as(test, port, &t->files[0], &t->a);
	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_FALSE(test, portown_port_gone(port, NULL, 0, &excl));
	KUNIT_EXPECT_EQ(test, tl->nr_changed, 2U);
	portown_port_back(port, NULL);
	KUNIT_EXPECT_EQ(test, tl->nr_changed, 3U);
	KUNIT_EXPECT_FALSE(test, port->gone);
	KUNIT_EXPECT_TRUE(test, port->unlink);
	KUNIT_EXPECT_FALSE(test, portown_port_gone(port, NULL, 0, &excl));	/* held */
	mutex_unlock(&t->reg.lock);
	KUNIT_EXPECT_EQ(test, tl->nr_changed, 4U);
	close_file(port, &t->files[0]);
	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_TRUE(test, portown_port_retire_if_done(port));
	mutex_unlock(&t->reg.lock);
	KUNIT_ASSERT_EQ(test, tl->nr_changed, 5U);
	KUNIT_EXPECT_PTR_EQ(test, tl->changed[4], port);
	portown_registry_unlisten(&t->reg, &tl->l);
}

/* A listener that left, or whose registry was cleared, hears nothing more. */
static void registry_nothing_after_teardown(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	struct test_listener *stays = listen(test, &t->reg);
	struct test_listener *leaves = listen(test, &t->reg);

	open_as(test, port, &t->files[0], &t->a);
	portown_registry_unlisten(&t->reg, &leaves->l);
	close_file(port, &t->files[0]);
	KUNIT_EXPECT_EQ(test, leaves->nr_events, 1U);
	KUNIT_EXPECT_EQ(test, stays->nr_events, 2U);

	portown_registry_unlisten(&t->reg, &stays->l);
	portown_registry_clear(&t->reg);		/* t->port keeps its reference */
	KUNIT_EXPECT_NULL(test, portown_port_lookup(&t->reg, TEST_DEVT(1)));
	KUNIT_EXPECT_TRUE(test, list_empty(&t->reg.ports));
	open_as(test, port, &t->files[1], &t->a);
	close_file(port, &t->files[1]);
	KUNIT_EXPECT_EQ(test, stays->nr_events, 2U);
	KUNIT_EXPECT_EQ(test, leaves->nr_events, 1U);
	KUNIT_EXPECT_EQ(test, port->seq, 4ULL);		/* recorded, told to no one */
}

static void test_sync(struct portown_registry *reg)
{
	struct registry_test *t = container_of(reg, struct registry_test, reg);

	lockdep_assert_held(&reg->lock);
	t->syncs++;
}

/*
 * The owner's hook runs each time the registry is locked for use, and a
 * registry is a world of its own: another one's records and listeners
 * are not touched by it.
 */
static void registry_sync_hook_and_instances(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_registry *other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	struct test_listener *tl;
	struct portown_port *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, other);
	t->reg.sync = test_sync;
	portown_registry_lock(&t->reg);
	portown_registry_unlock(&t->reg);
	KUNIT_EXPECT_EQ(test, t->syncs, 1U);
	p = portown_port_lookup(&t->reg, TEST_DEVT(1));
	KUNIT_EXPECT_PTR_EQ(test, p, t->port);
	KUNIT_EXPECT_EQ(test, t->syncs, 2U);
	portown_port_put(p);
	t->reg.sync = NULL;

	portown_registry_init(other, NULL);
	tl = listen(test, other);
	q = add_port(other, TEST_DEVT(1), "ttyOTHER");
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, t->port);
	KUNIT_EXPECT_PTR_EQ(test, q->reg, other);
	open_as(test, t->port, &t->files[0], &t->a);	/* in the case's registry */
	KUNIT_EXPECT_EQ(test, tl->nr_events, 0U);
	KUNIT_EXPECT_EQ(test, q->seq, 0ULL);
	open_as(test, q, &t->files[0], &t->a);
	KUNIT_EXPECT_EQ(test, tl->nr_events, 1U);
	KUNIT_EXPECT_EQ(test, t->port->nr_holders, 1U);
	close_file(t->port, &t->files[0]);
	close_file(q, &t->files[0]);
	portown_port_put(q);
	portown_registry_unlisten(other, &tl->l);
	portown_registry_clear(other);
}

/*
 * A reinit names the owner the hangup left for it, once, with the
 * exclusive flag it had; it carries the port's reset policy and whether
 * the port is a console.  A policy takes only the three known values.
 */
static void registry_reinit_names_the_hangup_owner(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	const u32 close = PORTOWN_RESET_CLOSE << PORTOWN_ID_RESET_SHIFT;
	struct ktermios k = {};
	struct portown_hist h[4];
	unsigned int n, i;

	mutex_lock(&t->reg.lock);
	portown_port_tie(port, NULL, &k, true);
	KUNIT_EXPECT_TRUE(test, port->console);
	KUNIT_EXPECT_EQ(test, portown_port_set_reset(port, PORTOWN_RESET_NEVER + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, port->reset, (u8)PORTOWN_RESET_HANGUP);
	KUNIT_EXPECT_EQ(test, portown_port_set_reset(port, PORTOWN_RESET_CLOSE), 0);
	portown_port_reinit_later(port, &t->a, PORTOWN_ID_EXCL);
	portown_port_reinit(port, NULL, 0);			/* the one due */
	portown_port_reinit(port, NULL, PORTOWN_ID_AT_CLOSE);	/* none due: nobody */
	n = portown_port_history(port, h, ARRAY_SIZE(h));
	mutex_unlock(&t->reg.lock);

	KUNIT_ASSERT_EQ(test, n, 2U);
	KUNIT_EXPECT_EQ(test, h[0].type, (u32)PORTOWN_EV_REINIT);
	KUNIT_EXPECT_PTR_EQ(test, h[0].who.pid, t->a.pid);
	KUNIT_EXPECT_EQ(test, h[0].flags, PORTOWN_ID_EXCL | PORTOWN_ID_CONSOLE | close);
	KUNIT_EXPECT_NULL(test, h[1].who.pid);
	KUNIT_EXPECT_EQ(test, h[1].flags, PORTOWN_ID_AT_CLOSE | PORTOWN_ID_CONSOLE | close);
	KUNIT_EXPECT_EQ(test, port->counters.reinits, 2ULL);
	KUNIT_EXPECT_FALSE(test, port->reinit_due);
	for (i = 0; i < n; i++)
		portown_who_put(&h[i].who);
}

/*
 * The first process that set TIOCEXCL is kept while the bit stays; the
 * bit goes with TIOCNXCL, a hangup or the last close, and the setter
 * with it.  A removal keeps who did it and how.
 */
static void registry_marks_excl_setter_and_remover(struct kunit *test)
{
	struct registry_test *t = test->priv;
	struct portown_port *port = t->port;
	const struct portown_who *w;
	bool excl = false;
	u32 flags;

	open_as(test, port, &t->files[0], &t->a);
	open_as(test, port, &t->files[1], &t->b);
	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_NULL(test, portown_port_excl_setter(port));
	KUNIT_EXPECT_NULL(test, port->marks);		/* allocated on first use */
	portown_port_mark_excl(port, &t->b);
	portown_port_mark_excl(port, &t->a);		/* set again: the first stays */
	w = portown_port_excl_setter(port);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_EXPECT_PTR_EQ(test, w->pid, t->b.pid);
	portown_port_mark_excl(port, NULL);
	KUNIT_EXPECT_NULL(test, portown_port_excl_setter(port));
	portown_port_mark_excl(port, &t->a);
	portown_port_hangup(port, NULL);
	KUNIT_EXPECT_NULL(test, portown_port_excl_setter(port));
	portown_port_mark_excl(port, &t->a);
	mutex_unlock(&t->reg.lock);
	close_file(port, &t->files[0]);
	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_NOT_NULL(test, portown_port_excl_setter(port));	/* one left */
	mutex_unlock(&t->reg.lock);
	close_file(port, &t->files[1]);
	mutex_lock(&t->reg.lock);
	KUNIT_EXPECT_NULL(test, portown_port_excl_setter(port));	/* last close */

	KUNIT_EXPECT_NULL(test, portown_port_remover(port, &flags));
	KUNIT_EXPECT_TRUE(test, portown_port_gone(port, &t->b, PORTOWN_ID_UNBOUND, &excl));
	w = portown_port_remover(port, &flags);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_EXPECT_PTR_EQ(test, w->pid, t->b.pid);
	KUNIT_EXPECT_EQ(test, flags, PORTOWN_ID_UNBOUND);
	KUNIT_EXPECT_STREQ(test, w->comm, "other");
	mutex_unlock(&t->reg.lock);
}

static struct kunit_case registry_cases[] = {
	KUNIT_CASE(registry_lookup_and_add),
	KUNIT_CASE(registry_state_machine),
	KUNIT_CASE(registry_holder_bookkeeping),
	KUNIT_CASE(registry_claim_rules),
	KUNIT_CASE(registry_claim_ends_with_its_descriptor),
	KUNIT_CASE(registry_history_wraps),
	KUNIT_CASE(registry_ident_translation),
	KUNIT_CASE(registry_ident_of_exited_process),
	KUNIT_CASE(registry_gone_while_held),
	KUNIT_CASE(registry_gone_then_retired),
	KUNIT_CASE(registry_peek_and_baseline),
	KUNIT_CASE(registry_dead_claim_ends),
	KUNIT_CASE(registry_found_then_event_counts_once),
	KUNIT_CASE(registry_listeners_told_in_order),
	KUNIT_CASE(registry_changed_told),
	KUNIT_CASE(registry_nothing_after_teardown),
	KUNIT_CASE(registry_sync_hook_and_instances),
	KUNIT_CASE(registry_reinit_names_the_hangup_owner),
	KUNIT_CASE(registry_marks_excl_setter_and_remover),
	{}
};

static struct kunit_suite registry_suite = {
	.name = "portown_registry",
	.init = registry_test_init,
	.exit = registry_test_exit,
	.test_cases = registry_cases,
};

kunit_test_suite(registry_suite);
