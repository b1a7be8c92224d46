#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# make bench, on the host: turn the samples the bench VM sent
# ("# bench: METRIC {json}" lines, see tests/bench/portown_bench.c) into
# the figures: per metric and variant min / median / max / n, and the
# ratios between variants, both of medians and per interleaved repetition.
# Writes results.json, results.txt and the gnuplot input of who-holds.svg
# into --out; prints results.txt.  Exit status 1 when the run is
# incomplete (an error line, a failed step, a missing metric or "done").

import argparse
import datetime
import json
import os
import statistics
import sys
import textwrap

# Per metric family: the ratios printed, as (numerator, denominator) variants.
WHO = ["ioctl", "sysfs", "portownctl"]
RATIOS = {
    "who_holds": [(m, ref) for ref in ("fuser", "lsof") for m in WHO],
    "open_close": [("loaded", "unloaded"), ("tap0", "unloaded")],
    "hangup_reopen": [("loaded", "unloaded"), ("tap0", "unloaded")],
    "throughput": [("shim", "n_tty")],
    "echo_rtt": [("shim", "n_tty")],
    "mem": [],
    "event_cost": [("readers1", "readers0"), ("readers100", "readers0")],
    "uevents_per_cycle": [],
    "poll_wakeups_per_cycle": [],
}

WHAT = {
    "who_holds": "who holds ttyS1, per query",
    "open_close": "open+close cycle",
    "hangup_reopen": "TIOCVHANGUP of ttyS1 to the next successful open",
    "throughput": "pty throughput (m2s: master to slave, s2m: slave to master)",
    "echo_rtt": "one-byte echo round trip over a pty",
    "mem": "slab bytes per pty (port) / descriptor of ttyS1 (holder); "
           "portown's = all (track=all) - unloaded",
    "event_cost": "open+close of ttyS1 per event, idle /dev/portown readers",
    "uevents_per_cycle": "portown uevents per open+close of ttyS1",
    "poll_wakeups_per_cycle": "poll() wake-ups of ttyS1/state per cycle",
}


def family(metric):
    return metric.split(".")[0]


def expected(procs_list, quick):
    names = ["who_holds.p%d" % p for p in procs_list]
    names += ["open_close." + t for t in ("ttyS1", "ttyUSB0", "pty")]
    names += ["hangup_reopen", "echo_rtt", "mem.port", "mem.holder",
              "event_cost", "uevents_per_cycle", "poll_wakeups_per_cycle"]
    names += ["throughput.%s.%s" % (d, m) for d in ("m2s", "s2m")
              for m in ("canon", "raw")]
    return names


def stats(values):
    return {"min": min(values), "median": statistics.median(values),
            "max": max(values), "n": len(values)}


def fmt(v, unit):
    if unit == "ns":
        for div, u in ((1e6, "ms"), (1e3, "us")):
            if abs(v) >= div:
                return "%.3g %s" % (v / div, u)
        return "%.3g ns" % v
    if unit == "bytes":
        return "%.0f B" % v
    return "%.3g %s" % (v, unit if unit != "count" else "")


def parse(raw):
    samples, errors, exits, config, done, splats = [], [], [], "", False, None
    steps, cpus = {}, None
    with open(raw, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("# bench: "):
                _, _, metric, rest = line.split(" ", 3)
                try:
                    obj = json.loads(rest)
                    float(obj["value"])
                except (ValueError, KeyError):
                    errors.append("unreadable sample: " + line)
                    continue
                obj["metric"] = metric
                samples.append(obj)
            elif line.startswith("# bench-error: "):
                errors.append(line[len("# bench-error: "):])
            elif line.startswith("# bench-exit: "):
                f = line.split()
                name, rc = f[2:4]
                if rc != "0":
                    exits.append("%s exited with status %s" % (name, rc))
                if len(f) >= 6:
                    steps[name] = round(float(f[5]) - float(f[4]), 2)
            elif line.startswith("# bench-cpus: "):
                cpus = int(line.split()[2])
            elif line.startswith("# bench-config: "):
                config = line[len("# bench-config: "):]
            elif line.startswith("# bench-splats: "):
                splats = int(line.split()[2])
            elif line.startswith("# bench-done"):
                done = True
    return samples, errors, exits, config, done, splats, steps, cpus


def busy(result):
    """A warning when other work on the host left QEMU less than a core."""
    others, cores = result.get("host_others_cores"), result.get("host_cores")
    if others is None or not cores or others <= cores - 0.85:
        return ""
    return ("warning: while the VM ran, other work kept %.2f of the host's %d cores "
            "busy (load average %s at the start and the end): QEMU shared a core, "
            "the figures are noisy"
            % (others, cores, " and ".join(result["host_load"].split())))


def rst(result, metrics):
    """Documentation/dev-tools/portown-bench.rst for these figures."""
    title = "portown: benchmark figures"
    out = [".. SPDX-License-Identifier: GPL-2.0", "", "=" * len(title), title,
           "=" * len(title), "",
           ".. Written by tools/testing/bench_report.py (make bench with",
           "   PORTOWN_BENCH_PUBLISH=1); do not edit by hand.", "",
           "The latest figures of ``make bench`` (see \"Benchmarks\" in",
           "portown-testing.rst for what each one is and how it is measured).",
           ""]
    intro = [
           "Taken on %s with the kernel ``%s`` (``%s``) in QEMU (%s, vCPUs: %d,"
           % (result["date"], result["release"], result["kernel"],
              result["accel"].split(",")[0].upper() + (" single-threaded"
                                                       if "single" in result["accel"]
                                                       else ""),
              result["cpus"] or 0),
           "%d MiB), portown as of ``%s`` on branch ``%s``; %s run, %s; %d s in the VM%s."
           % (result["memory_mb"], result["module"], result["branch"],
              "a quick" if result["quick"] else "a full", result["config"],
              result["vm_seconds"],
              ", while the rest of the host kept %.2f of its %d cores busy"
              % (result["host_others_cores"], result["host_cores"])
              if result.get("host_others_cores") is not None and result.get("host_cores")
              else ""),
           "Times are wall-clock in an emulated machine: their ratios are the figures",
           "to compare, not their absolute values. A ratio is a median variant",
           "over a median reference; its min and max are those of the ratios",
           "within each interleaved repetition."]
    out += textwrap.wrap(" ".join(intro), 76, break_long_words=False,
                         break_on_hyphens=False) + [""]
    warn = busy(result)
    if warn:
        out += textwrap.wrap("**%s%s**" % (warn[0].upper(), warn[1:]), 76) + [""]
    if result["problems"]:
        out += ["**This run was incomplete:** " + "; ".join(result["problems"]), ""]
    out += [".. image:: portown-who-holds.svg",
            "   :alt: who holds ttyS1: time per query against the number of processes",
            ""]
    last = None
    for name in sorted(metrics, key=lambda n: (list(WHAT).index(family(n))
                                                if family(n) in WHAT else 99, n)):
        m = metrics[name]
        fam = family(name)
        if fam != last:
            last = fam
            out += ["", WHAT.get(fam, fam)[0].upper() + WHAT.get(fam, fam)[1:],
                    "-" * len(WHAT.get(fam, fam)), "",
                    ".. list-table::", "   :header-rows: 1", "",
                    "   * - figure", "     - variant", "     - min", "     - median",
                    "     - max", "     - n"]
        for vn, v in m["variants"].items():
            out += ["   * - ``%s``" % name, "     - %s" % vn,
                    "     - %s" % fmt(v["min"], m["unit"]).strip(),
                    "     - %s" % fmt(v["median"], m["unit"]).strip(),
                    "     - %s" % fmt(v["max"], m["unit"]).strip(), "     - %d" % v["n"]]
        for rn, r in m["ratios"].items():
            pr = r.get("per_rep") or {"min": 0, "max": 0, "n": 0}
            out += ["   * - ``%s``" % name, "     - ratio %s" % rn,
                    "     - %.3g" % pr["min"], "     - **%.3g**" % (r["of_medians"] or 0),
                    "     - %.3g" % pr["max"], "     - %d" % pr["n"]]
        if "portown_bytes" in m:
            pr = m.get("portown_bytes_per_rep") or {"min": 0, "max": 0, "n": 0}
            out += ["   * - ``%s``" % name, "     - portown (all - unloaded)",
                    "     - %s" % fmt(pr["min"], "bytes"),
                    "     - **%s**" % fmt(m["portown_bytes"], "bytes"),
                    "     - %s" % fmt(pr["max"], "bytes"), "     - %d" % pr["n"]]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    for a in ("raw", "out", "kernel", "release", "accel", "module", "branch"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--vm-seconds", type=int, required=True)
    ap.add_argument("--quick", default="0")
    ap.add_argument("--cpu-share", type=float, default=None)
    ap.add_argument("--others", type=float, default=None)
    ap.add_argument("--cores", type=int, default=None)
    ap.add_argument("--load", default="")
    ap.add_argument("--date", default=None, help="of the run, when rendering an old one")
    args = ap.parse_args()
    quick = args.quick == "1"

    samples, errors, exits, config, done, splats, steps, cpus = parse(args.raw)
    problems = errors + exits
    if not done:
        problems.append("the VM did not finish the bench (timeout, panic or crash)")
    if splats:
        problems.append("%d kernel reports (WARNING/BUG/Oops) in dmesg" % splats)

    metrics = {}
    for s in samples:
        m = metrics.setdefault(s["metric"], {"unit": s["unit"], "variants": {}})
        v = m["variants"].setdefault(s["variant"], {"samples": [], "reps": []})
        v["samples"].append(s["value"])
        v["reps"].append(s["rep"])
    procs = sorted(int(k.split(".p")[1]) for k in metrics if k.startswith("who_holds."))
    for name in expected(procs or [50], quick):
        if name not in metrics:
            problems.append("no figure for " + name)

    for name, m in metrics.items():
        for v in m["variants"].values():
            v.update(stats(v["samples"]))
        ratios = {}
        for num, den in RATIOS.get(family(name), []):
            a, b = m["variants"].get(num), m["variants"].get(den)
            if not a or not b:
                problems.append("%s: no %s or no %s" % (name, num, den))
                continue
            paired = [x / y for x, r in zip(a["samples"], a["reps"])
                      for y, q in zip(b["samples"], b["reps"]) if r == q and y]
            ent = {"of_medians": a["median"] / b["median"] if b["median"] else None}
            if paired:
                ent["per_rep"] = stats(paired)
            ratios["%s/%s" % (num, den)] = ent
        m["ratios"] = ratios
        if family(name) == "mem" and "all" in m["variants"] and "unloaded" in m["variants"]:
            a, b = m["variants"]["all"], m["variants"]["unloaded"]
            m["portown_bytes"] = a["median"] - b["median"]
            diffs = [x - y for x, r in zip(a["samples"], a["reps"])
                     for y, q in zip(b["samples"], b["reps"]) if r == q]
            if diffs:
                m["portown_bytes_per_rep"] = stats(diffs)

    now = datetime.datetime.now(datetime.timezone.utc)
    result = {
        "date": args.date or now.strftime("%Y-%m-%d %H:%M UTC"),
        "kernel": args.kernel, "release": args.release, "accel": args.accel,
        "cpus": cpus, "memory_mb": 2048, "step_seconds": steps, "quick": quick, "config": config,
        "module": args.module, "branch": args.branch,
        "vm_seconds": args.vm_seconds, "complete": not problems,
        "qemu_cpu_share": args.cpu_share, "host_load": args.load,
        "host_others_cores": args.others, "host_cores": args.cores,
        "problems": problems, "metrics": metrics,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")

    out = []
    out.append("portown bench %s on %s (%s), QEMU %s, %s vCPU; module %s (%s); VM %ds"
               % ("(quick)" if quick else "(full)", args.kernel, args.release, args.accel,
                  cpus, args.module, args.branch, args.vm_seconds))
    out.append("  " + config)
    if busy(result):
        out.append("  " + busy(result))
    last = None
    for name in sorted(metrics, key=lambda n: (list(WHAT).index(family(n))
                                                if family(n) in WHAT else 99, n)):
        m = metrics[name]
        if family(name) != last:
            last = family(name)
            out.append("")
            out.append("== %s" % WHAT.get(last, last))
            out.append("%-26s %-14s %10s %10s %10s %4s" % ("metric", "variant", "min",
                                                          "median", "max", "n"))
        for vn, v in m["variants"].items():
            out.append("%-26s %-14s %10s %10s %10s %4d" % (
                name, vn, fmt(v["min"], m["unit"]), fmt(v["median"], m["unit"]),
                fmt(v["max"], m["unit"]), v["n"]))
        for rn, r in m["ratios"].items():
            pr = r.get("per_rep")
            out.append("%-26s %-14s %10s %10s %10s %4s  of medians %.3g" % (
                "", "  " + rn, "%.3g" % pr["min"] if pr else "-",
                "%.3g" % pr["median"] if pr else "-", "%.3g" % pr["max"] if pr else "-",
                pr["n"] if pr else "-", r["of_medians"] or 0))
        if "portown_bytes" in m:
            pr = m.get("portown_bytes_per_rep") or {"min": 0, "max": 0, "n": 0}
            out.append("%-26s %-14s %10s %10s %10s %4d  of medians %s" % (
                "", "  portown", fmt(pr["min"], "bytes"), fmt(pr["median"], "bytes"),
                fmt(pr["max"], "bytes"), pr["n"], fmt(m["portown_bytes"], "bytes")))
    out.append("")
    if problems:
        out.append("bench incomplete:")
        out += ["  " + p for p in problems]
    nsamples = sum(len(v["samples"]) for m in metrics.values() for v in m["variants"].values())
    out.append("bench: %s, %d figures from %d samples%s" % (
        "incomplete" if problems else "complete", len(metrics), nsamples,
        " (%d problems)" % len(problems) if problems else ""))
    text = "\n".join(out) + "\n"
    with open(os.path.join(args.out, "results.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)

    with open(os.path.join(args.out, "portown-bench.rst"), "w") as f:
        f.write(rst(result, metrics))

    # who-holds.svg: median query time against the number of processes
    methods = WHO + ["fuser", "lsof"]
    rows = []
    for p in procs:
        vs = metrics["who_holds.p%d" % p]["variants"]
        if all(x in vs for x in methods):
            rows.append("%d %s" % (p, " ".join("%.6g" % (vs[x]["median"] / 1e6)
                                               for x in methods)))
    if rows:
        dat = os.path.join(args.out, "who-holds.dat")
        with open(dat, "w") as f:
            f.write("# procs " + " ".join(methods) + " (median ms per query)\n")
            f.write("\n".join(rows) + "\n")
        plots = ", ".join("'%s' using 1:%d with linespoints lw 2 title '%s'"
                          % (dat, i + 2, n if i >= 3 else "portown " + n)
                          for i, n in enumerate(methods))
        with open(os.path.join(args.out, "who-holds.gp"), "w") as f:
            f.write("set terminal svg size 720,520 dynamic font 'sans,12'\n")
            f.write("set output '%s'\n" % os.path.join(args.out, "who-holds.svg"))
            f.write("set title \"Who holds ttyS1: median time per query\\n"
                    "{/*0.8 Linux %s, QEMU %s, %s}\"\n"
                    % (args.release, args.accel.split(",")[0].upper(), result["date"][:10]))
            f.write("set xlabel 'processes (each holding %d descriptors)'\n" % 8)
            f.write("set ylabel 'milliseconds per query (median)'\n")
            f.write("set logscale y\nset logscale x\nset grid\nset key below horizontal maxcols 3\n")
            f.write("set xtics (%s)\n" % ", ".join(str(p) for p in procs))
            f.write("set xrange [%g:%g]\n" % (procs[0] * 0.7, procs[-1] * 1.4))
            f.write("plot " + plots + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
