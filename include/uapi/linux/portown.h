/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * portown - serial port ownership and hangup recovery: userspace API.
 *
 * The ioctls below are served on /dev/portown and, with the same numbers,
 * on a tty descriptor that has the portown line discipline attached.
 * See Documentation/userspace-api/portown.rst.
 *
 * Every structure starts with a "size" member that the caller sets to the
 * sizeof() it was built with; the kernel accepts smaller (older) and larger
 * (newer, zero tail) structures by the rules of copy_struct_from_user(),
 * and writes back no more than "size" bytes.  All members are fixed-width
 * and naturally aligned, with explicit reserved members instead of padding.
 */
#ifndef _UAPI_LINUX_PORTOWN_H
#define _UAPI_LINUX_PORTOWN_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* ioctl type byte: free in ioctl-number.rst, distinct from the tty range */
#define PORTOWN_IOC_MAGIC	0xB9

/* Port states, as reported by sysfs "state" and in struct portown_info */
#define PORTOWN_STATE_CLOSED	0	/* no descriptor open */
#define PORTOWN_STATE_OPEN	1	/* open, nobody claims it */
#define PORTOWN_STATE_CLAIMED	2	/* one process claims it */
#define PORTOWN_STATE_HUNGUP	3	/* hung up, dead descriptors remain */
#define PORTOWN_STATE_GONE	4	/* device removed, descriptors remain */

#define PORTOWN_COMM_LEN	16
#define PORTOWN_NAME_LEN	32

/* struct portown_ident.flags */
#define PORTOWN_ID_HUNGUP	(1U << 0)	/* the descriptor was hung up */
#define PORTOWN_ID_CLAIMER	(1U << 1)	/* this process claims the port */
#define PORTOWN_ID_PRIVILEGED	(1U << 2)	/* opened past a claim (root) */
/* in a reinit event: the port was exclusive (TIOCEXCL) at the hangup */
#define PORTOWN_ID_EXCL		(1U << 3)
/*
 * the caller may not see who this is (see "Who may see whom" in the
 * documentation): pid 0, uid (__u32)-1, no name, time or open flags
 */
#define PORTOWN_ID_HIDDEN	(1U << 4)
/* in a reinit event: the settings were kept (a console, or reset "never") */
#define PORTOWN_ID_KEPT		(1U << 5)
/* in a reinit event: the port is a kernel console */
#define PORTOWN_ID_CONSOLE	(1U << 6)
/* in a reinit event: after a last close, without a hangup (reset "close") */
#define PORTOWN_ID_AT_CLOSE	(1U << 7)
/* in a reinit event: the port's reset policy, PORTOWN_RESET_* */
#define PORTOWN_ID_RESET_SHIFT	8
#define PORTOWN_ID_RESET_MASK	(3U << PORTOWN_ID_RESET_SHIFT)
/*
 * in a gone event and struct portown_why.removed: the device went because
 * this process unbound its driver (a write to "unbind", usbfs's
 * USBDEVFS_DISCONNECT or a claim of the USB interface, rmmod), not
 * because it was unplugged
 */
#define PORTOWN_ID_UNBOUND	(1U << 10)

/* When a port goes back to its baseline settings (sysfs "reset") */
#define PORTOWN_RESET_HANGUP	0	/* after a hangup (the default) */
#define PORTOWN_RESET_CLOSE	1	/* after a hangup and after every last close */
#define PORTOWN_RESET_NEVER	2	/* never: only the claim and TIOCEXCL go */

/**
 * struct portown_ident - who holds or owns a port
 * @pid: thread-group id in the caller's pid namespace; 0 when there is
 *	nobody, or when the process is not visible in that namespace
 * @uid: user id in the caller's user namespace (the overflow uid when it
 *	has no mapping there); (__u32)-1 when there is nobody
 * @since_ns: CLOCK_REALTIME nanoseconds of the open (or the claim)
 * @open_flags: the descriptor's open flags (O_RDWR, O_NONBLOCK, ...);
 *	for an owner, those of its earliest descriptor
 * @flags: PORTOWN_ID_* bits
 * @comm: the process's name, NUL-terminated
 */
struct portown_ident {
	__s32 pid;
	__u32 uid;
	__u64 since_ns;
	__u32 open_flags;
	__u32 flags;
	char comm[PORTOWN_COMM_LEN];
};

/**
 * struct portown_counters - what happened to a port since portown saw it
 * @opens: successful opens
 * @closes: closed descriptors
 * @claims: successful claims
 * @denials: opens and claims refused because of a claim
 * @hangups: hangups
 * @reinits: reinitialisations after a hangup
 * @repairs: corrections of the record by the reconciler (since size 152)
 */
struct portown_counters {
	__u64 opens;
	__u64 closes;
	__u64 claims;
	__u64 denials;
	__u64 hangups;
	__u64 reinits;
	__u64 repairs;
};

/**
 * struct portown_info - state and owner of one port
 * @size: in: sizeof(struct portown_info) as the caller knows it
 * @fd: in: a descriptor of the port, or -1 to name it by @dev_major and
 *	@dev_minor; ignored on a tty descriptor with the shim attached
 * @dev_major: in when @fd is -1, out always: the port's device number
 * @dev_minor: likewise
 * @state: out: PORTOWN_STATE_*
 * @nr_holders: out: open descriptors, live and hung up
 * @owner: out: the claimer if the port is claimed, else the earliest live
 *	opener; pid 0 when there is none
 * @name: out: the tty's name, such as "ttyS1"
 * @counters: out
 * @reset: out: the port's reset policy, PORTOWN_RESET_* (since size 160)
 * @__reserved: out: zero
 */
struct portown_info {
	__u32 size;
	__s32 fd;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 state;
	__u32 nr_holders;
	struct portown_ident owner;
	char name[PORTOWN_NAME_LEN];
	struct portown_counters counters;
	__u32 reset;
	__u32 __reserved;
};

#define PORTOWN_INFO_SIZE_VER0	144	/* counters without repairs */
#define PORTOWN_INFO_SIZE_VER1	152	/* without reset */
#define PORTOWN_INFO_SIZE_VER2	160

/**
 * struct portown_holders - the open descriptors of one port
 * @size: in: sizeof(struct portown_holders)
 * @fd: in: as in struct portown_info
 * @dev_major: in/out: as in struct portown_info
 * @dev_minor: in/out
 * @count: in: room in @holders, in entries; out: the number of holders,
 *	which may exceed the room
 * @entry_size: in: sizeof(struct portown_ident) as the caller knows it
 * @holders: in: user pointer to an array of @count entries
 * @written: out: the number of entries written, min(room, holders)
 *	(since size 40)
 * @__reserved: must be zero
 */
struct portown_holders {
	__u32 size;
	__s32 fd;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 count;
	__u32 entry_size;
	__u64 holders;
	__u32 written;
	__u32 __reserved;
};

#define PORTOWN_HOLDERS_SIZE_VER0	32
#define PORTOWN_HOLDERS_SIZE_VER1	40

/**
 * struct portown_wait - wait until a port can be claimed
 * @size: in: sizeof(struct portown_wait)
 * @fd: in: as in struct portown_info
 * @dev_major: in/out: as in struct portown_info
 * @dev_minor: in/out
 * @timeout_ms: in: how long to wait; -1 waits without limit, 0 only checks
 * @state: out: the port's state when the wait ended
 * @__reserved: must be zero
 */
struct portown_wait {
	__u32 size;
	__s32 fd;
	__u32 dev_major;
	__u32 dev_minor;
	__s64 timeout_ms;
	__u32 state;
	__u32 __reserved;
};

#define PORTOWN_WAIT_SIZE_VER0	32

/**
 * struct portown_list_entry - one entry of PORTOWN_IOC_LIST
 * @dev_major: the port's device number
 * @dev_minor: likewise
 * @state: PORTOWN_STATE_*
 * @nr_holders: open descriptors
 * @owner: as in struct portown_info
 * @name: the tty's name
 */
struct portown_list_entry {
	__u32 dev_major;
	__u32 dev_minor;
	__u32 state;
	__u32 nr_holders;
	struct portown_ident owner;
	char name[PORTOWN_NAME_LEN];
};

/**
 * struct portown_list - the ports portown tracks
 * @size: in: sizeof(struct portown_list)
 * @count: in: room in @ports, in entries; out: the number of ports,
 *	which may exceed the room
 * @entry_size: in: sizeof(struct portown_list_entry) as the caller knows it
 * @__reserved: must be zero
 * @ports: in: user pointer to an array of @count entries
 * @written: out: the number of entries written, min(room, ports)
 *	(since size 32)
 * @__reserved2: must be zero
 */
struct portown_list {
	__u32 size;
	__u32 count;
	__u32 entry_size;
	__u32 __reserved;
	__u64 ports;
	__u32 written;
	__u32 __reserved2;
};

#define PORTOWN_LIST_SIZE_VER0	24
#define PORTOWN_LIST_SIZE_VER1	32

/* Event types: struct portown_event.type */
#define PORTOWN_EV_OPEN		1	/* a descriptor was opened */
#define PORTOWN_EV_CLOSE	2	/* a descriptor was closed */
#define PORTOWN_EV_CLAIM	3	/* a process claimed the port */
#define PORTOWN_EV_RELEASE	4	/* the claim ended */
#define PORTOWN_EV_DENY		5	/* an open or claim was refused */
#define PORTOWN_EV_HANGUP	6	/* the port was hung up */
#define PORTOWN_EV_REINIT	7	/* the port was reinitialised */
#define PORTOWN_EV_REPAIR	8	/* the registry was corrected */
#define PORTOWN_EV_GONE		9	/* the device was removed */
#define PORTOWN_EV_OVERFLOW	10	/* read() only: seq events were lost */

/**
 * struct portown_event - one event of a port's history
 * @time_ns: CLOCK_REALTIME nanoseconds
 * @seq: the port's event sequence number, from 1, without gaps
 * @type: PORTOWN_EV_*
 * @state: the port's state after the event
 * @dev_major: the port's device number
 * @dev_minor: likewise
 * @who: the process the event is about (the opener, closer, claimer,
 *	refused process); pid 0 when none or not visible
 * @name: the tty's name
 */
struct portown_event {
	__u64 time_ns;
	__u64 seq;
	__u32 type;
	__u32 state;
	__u32 dev_major;
	__u32 dev_minor;
	struct portown_ident who;
	char name[PORTOWN_NAME_LEN];
};

/**
 * struct portown_history - the recent events of one port
 * @size: in: sizeof(struct portown_history)
 * @fd: in: as in struct portown_info
 * @dev_major: in/out: as in struct portown_info
 * @dev_minor: in/out
 * @count: in: room in @events; out: events available (oldest first),
 *	which may exceed the room
 * @entry_size: in: sizeof(struct portown_event) as the caller knows it
 * @events: in: user pointer to an array of @count entries
 * @written: out: the number of entries written, min(room, events)
 *	(since size 40)
 * @__reserved: must be zero
 */
struct portown_history {
	__u32 size;
	__s32 fd;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 count;
	__u32 entry_size;
	__u64 events;
	__u32 written;
	__u32 __reserved;
};

#define PORTOWN_HISTORY_SIZE_VER0	32
#define PORTOWN_HISTORY_SIZE_VER1	40

/* struct portown_baseline.flags */
#define PORTOWN_BASELINE_RESET	(1U << 0)	/* SET: back to the driver's settings */
#define PORTOWN_BASELINE_ADMIN	(1U << 1)	/* out: an administrator's baseline is in force */

#define PORTOWN_NCCS		19

/**
 * struct portown_baseline - the settings a port is reset to after a hangup
 * @size: in: sizeof(struct portown_baseline) as the caller knows it
 * @fd: in: as in struct portown_info
 * @dev_major: in/out: as in struct portown_info
 * @dev_minor: in/out
 * @flags: in (SET): PORTOWN_BASELINE_RESET or 0; out: PORTOWN_BASELINE_ADMIN
 *	when the baseline is an administrator's, 0 when it is the driver's
 * @c_iflag: the termios settings, as in struct termios2
 * @c_oflag: likewise
 * @c_cflag: likewise
 * @c_lflag: likewise
 * @c_line: the line discipline; always N_TTY (0)
 * @c_cc: the control characters
 * @c_ispeed: input speed in baud
 * @c_ospeed: output speed in baud
 */
struct portown_baseline {
	__u32 size;
	__s32 fd;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 flags;
	__u32 c_iflag;
	__u32 c_oflag;
	__u32 c_cflag;
	__u32 c_lflag;
	__u8 c_line;
	__u8 c_cc[PORTOWN_NCCS];
	__u32 c_ispeed;
	__u32 c_ospeed;
};

#define PORTOWN_BASELINE_SIZE_VER0	64

/**
 * struct portown_reset - when a port goes back to its baseline
 * @size: in: sizeof(struct portown_reset) as the caller knows it
 * @fd: in: as in struct portown_info
 * @dev_major: in/out: as in struct portown_info
 * @dev_minor: in/out
 * @reset: in: the policy, PORTOWN_RESET_*
 * @__reserved: must be zero
 */
struct portown_reset {
	__u32 size;
	__s32 fd;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 reset;
	__u32 __reserved;
};

#define PORTOWN_RESET_SIZE_VER0	24

/* struct portown_why.reasons: why the port is or would be busy */
#define PORTOWN_WHY_CLAIMED	(1U << 0)	/* a process claims it: claimer */
#define PORTOWN_WHY_EXCL	(1U << 1)	/* TIOCEXCL is set: excl */
#define PORTOWN_WHY_LDISC	(1U << 2)	/* a line discipline of the kernel's: ldisc */
#define PORTOWN_WHY_CONSOLE	(1U << 3)	/* a kernel console */
#define PORTOWN_WHY_GONE	(1U << 4)	/* the device was removed: removed */
#define PORTOWN_WHY_HUNGUP	(1U << 5)	/* hung up, dead descriptors remain */
#define PORTOWN_WHY_OPEN	(1U << 6)	/* open: owner, nr_holders */

/**
 * struct portown_why - every reason the kernel knows a port is busy
 * @size: in: sizeof(struct portown_why)
 * @fd: in: as in struct portown_info
 * @dev_major: in/out: as in struct portown_info
 * @dev_minor: in/out
 * @reasons: out: PORTOWN_WHY_* bits
 * @ldisc: out: the tty's line discipline number (N_TTY 0, also while the
 *	shim is attached), -1 when the tty is not open
 * @nr_holders: out: the number of open descriptors
 * @__reserved: must be zero
 * @owner: out: as struct portown_info.owner
 * @claimer: out: the claiming process (PORTOWN_WHY_CLAIMED)
 * @excl: out: the process that set TIOCEXCL, when (since_ns) and with
 *	which open flags; all zero when portown did not see it set (before
 *	the module loaded)
 * @removed: out: with PORTOWN_WHY_GONE, the process the device's removal
 *	ran in: with PORTOWN_ID_UNBOUND the one that unbound the driver,
 *	else the kernel's (an unplug)
 * @name: out: the tty's name
 * @ldisc_name: out: the line discipline's name ("n_tty", "n_hdlc", ...)
 */
struct portown_why {
	__u32 size;
	__s32 fd;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 reasons;
	__s32 ldisc;
	__u32 nr_holders;
	__u32 __reserved;
	struct portown_ident owner;
	struct portown_ident claimer;
	struct portown_ident excl;
	struct portown_ident removed;
	char name[PORTOWN_NAME_LEN];
	char ldisc_name[PORTOWN_COMM_LEN];
};

#define PORTOWN_WHY_SIZE_VER0	240

/* Query a port: state, owner, counters. */
#define PORTOWN_IOC_INFO	_IOWR(PORTOWN_IOC_MAGIC, 1, struct portown_info)
/*
 * Claim a port through a descriptor the caller holds.  On EBUSY the
 * current owner is written to struct portown_info.owner all the same.
 */
#define PORTOWN_IOC_CLAIM	_IOWR(PORTOWN_IOC_MAGIC, 2, struct portown_info)
/* Give a claim up. */
#define PORTOWN_IOC_RELEASE	_IOWR(PORTOWN_IOC_MAGIC, 3, struct portown_info)
/* List the open descriptors of a port. */
#define PORTOWN_IOC_HOLDERS	_IOWR(PORTOWN_IOC_MAGIC, 4, struct portown_holders)
/* Block until a port can be claimed, or the timeout ends. */
#define PORTOWN_IOC_WAIT	_IOWR(PORTOWN_IOC_MAGIC, 5, struct portown_wait)
/* List the tracked ports. */
#define PORTOWN_IOC_LIST	_IOWR(PORTOWN_IOC_MAGIC, 6, struct portown_list)
/* The recent events of a port. */
#define PORTOWN_IOC_HISTORY	_IOWR(PORTOWN_IOC_MAGIC, 7, struct portown_history)
/* The settings a port is reset to after a hangup. */
#define PORTOWN_IOC_GET_BASELINE _IOWR(PORTOWN_IOC_MAGIC, 8, struct portown_baseline)
/* Set them (CAP_SYS_ADMIN), or go back to the driver's. */
#define PORTOWN_IOC_SET_BASELINE _IOWR(PORTOWN_IOC_MAGIC, 9, struct portown_baseline)
/* Set a port's reset policy (CAP_SYS_ADMIN); PORTOWN_IOC_INFO reports it. */
#define PORTOWN_IOC_SET_RESET	_IOWR(PORTOWN_IOC_MAGIC, 10, struct portown_reset)
/* Every reason the kernel knows a port is or would be busy. */
#define PORTOWN_IOC_WHY		_IOWR(PORTOWN_IOC_MAGIC, 11, struct portown_why)

#endif /* _UAPI_LINUX_PORTOWN_H */
