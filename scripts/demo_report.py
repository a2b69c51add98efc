#!/usr/bin/python3
"""Writes demo-out/report.md for `make demo` from what the run left in OUT:
per-task files of the robots (tasks-*.txt: INDEX LABEL PREDICTED TIER NODE
LATENCY_MS MISSED SUBMIT_S STATUS QUEUE_MS COMPUTE_MS), their JSON summaries,
the edge kill/restart times (events.txt), the accuracy of the float and w8a8
models on the test set, and the RTL co-simulation/synthesis figures. Plots
are SVG, drawn by gnuplot.

usage: demo_report.py OUT DEMO_DIR"""
import glob
import json
import os
import re
import subprocess
import sys

TIERS = ("local", "edge", "cloud")
CLASSES = ("calm", "wave impact", "collision")


def read_tasks(out):
    rows = []
    for f in sorted(glob.glob(os.path.join(out, "tasks-*.txt"))):
        robot = re.sub(r".*tasks-(.*)\.txt", r"\1", f)
        for line in open(f):
            a = line.split()
            if len(a) < 9:
                continue
            rows.append({"robot": robot, "label": int(a[1]), "pred": int(a[2]), "tier": a[3], "node": a[4],
                         "ms": float(a[5]), "missed": int(a[6]), "t": float(a[7]), "status": a[8]})
    return rows


def gnuplot(script):
    p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if p.returncode:
        sys.stderr.write("demo_report: gnuplot failed: %s\n" % p.stderr.strip()[:300])
    return p.returncode == 0


def pct(v, q):
    if not v:
        return 0.0
    v = sorted(v)
    k = max(1, min(len(v), int(q * len(v) + 0.999999)))
    return v[k - 1]


def main():
    out, demo = sys.argv[1], sys.argv[2]
    rows = read_tasks(out)
    if not rows:
        sys.exit("demo_report: no tasks-*.txt in %s" % out)
    summaries = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(out, "robot-*.json")))
                 if os.path.getsize(f) > 0]
    events = {}
    for line in open(os.path.join(out, "events.txt")):
        a = line.split()
        if len(a) >= 2:
            if a[0] == "start":
                events["start"] = float(a[1])
            else:
                events[" ".join(a[1:])] = float(a[0])
    t0 = min(r["t"] for r in rows)
    for r in rows:
        r["t"] -= t0
    ok = [r for r in rows if r["status"] == "ok"]

    # latency CDF per tier
    for t in TIERS:
        v = sorted(r["ms"] for r in ok if r["tier"] == t)
        step = max(1, len(v) // 1500)  # at most ~1500 points a curve, and the last one
        with open(os.path.join(out, "cdf-%s.dat" % t), "w") as f:
            for i, x in enumerate(v):
                if i % step == 0 or i == len(v) - 1:
                    f.write("%.4f %.6f\n" % (x, (i + 1) / len(v)))
    used = [t for t in TIERS if any(r["tier"] == t for r in ok)]
    deadline = summaries[0]["deadline_ms"] if summaries else 20
    plots = ", ".join("'%s/cdf-%s.dat' using 1:2 with lines lw 2 title '%s'" % (out, t, t) for t in used)
    gnuplot("""set terminal svg size 720,420 dynamic font 'sans,12'
set output '%s/latency-cdf.svg'
set title 'Latency CDF per tier (%d completed tasks)'
set xlabel 'latency (ms)'; set ylabel 'fraction of tasks'; set logscale x; set grid
set key bottom right; set yrange [0:1.02]
set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lc rgb 'red'
set label 'deadline' at %g, graph 0.05 tc rgb 'red'
plot %s
""" % (out, len(ok), deadline, deadline, deadline * 1.05, plots))

    # tasks/s per tier over time, with the edge kill and restart
    binw = 0.5
    nb = int(max(r["t"] for r in rows) / binw) + 1
    with open(os.path.join(out, "rate.dat"), "w") as f:
        counts = {t: [0] * nb for t in TIERS}
        misses = [0] * nb
        for r in rows:
            b = int(r["t"] / binw)
            if r["status"] == "ok" and r["tier"] in counts:
                counts[r["tier"]][b] += 1
            misses[b] += r["missed"]
        for b in range(nb):
            f.write("%.2f %s %g\n" % (b * binw, " ".join("%g" % (counts[t][b] / binw) for t in TIERS), misses[b] / binw))
    marks = ""
    for name, ts in events.items():
        if name == "start":
            continue
        x = ts - t0
        marks += "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lc rgb 'black'\n" % (x, x)
        marks += "set label '%s' at %g, graph 0.95 rotate by 90 right font ',10'\n" % (name, x + 0.15)
    gnuplot("""set terminal svg size 720,420 dynamic font 'sans,12'
set output '%s/tasks-over-time.svg'
set title 'Where tasks ran: completed tasks/s per tier (%.1f s bins)'
set xlabel 'time since the first window (s)'; set ylabel 'tasks/s'; set grid; set key top left
%s
plot '%s/rate.dat' using 1:2 with steps lw 2 title 'local', '' using 1:3 with steps lw 2 title 'edge', \\
     '' using 1:4 with steps lw 2 title 'cloud', '' using 1:5 with steps lw 1 dt 3 title 'deadline misses/s'
""" % (out, binw, marks, out))

    # accuracy on the streamed windows vs ground truth
    judged = [r for r in ok if r["label"] >= 0 and r["pred"] >= 0]
    correct = sum(r["pred"] == r["label"] for r in judged)
    acc = 100.0 * correct / len(judged) if judged else 0.0
    test_acc = {}
    path = os.path.join(out, "accuracy.txt")
    if os.path.exists(path):
        for line in open(path):
            m = re.match(r"(\S+)\s+accuracy on the .*: ([0-9.]+)%", line)
            if m:
                test_acc[m.group(1)] = float(m.group(2))
    conf = [[0] * 3 for _ in range(3)]
    for r in judged:
        conf[r["label"]][r["pred"]] += 1

    sent = sum(s["sent"] for s in summaries)
    completed = sum(s["completed"] for s in summaries)
    lost = sum(s["lost"] + s.get("outstanding", 0) for s in summaries)
    missed = sum(s["deadline_misses"] for s in summaries)
    L = []
    L.append("# fogforge demo report\n")
    L.append("Generated by `make demo` (scripts/demo.sh, scripts/demo_report.py) on this machine.\n")
    L.append("## The accelerator\n")
    if os.path.exists(path):
        L.append("```\n" + open(path).read().strip() + "\n```\n")
    try:
        sim = json.load(open(os.path.join(out, "sim.json")))
        syn = json.load(open(os.path.join(out, "synth.json")))["total"]
        cfg = open(os.path.join(out, "config.json")).read().strip()
        L.append("`fogforge explore` picked this configuration for xc7z020 (at most 60 cycles and 160 DSPs):\n\n"
                 "```\n" + cfg + "\n```\n")
        evm = os.path.join(out, "est_vs_measured.md")
        if os.path.exists(evm):
            L.append("Its estimate beside what Yosys and Verilator measured:\n\n" + open(evm).read().strip() + "\n")
        L.append("RTL for xc7z020: co-simulated bit-exact: %s (%s vectors), latency %s cycles, II %s; "
                 "Yosys: %s LUT, %s FF, %s DSP, %s BRAM18. The bundle ran bit-identical to the integer reference on "
                 "cpu, OpenCL and Verilator.\n" % (sim.get("bit_exact"), sim.get("vectors"), sim.get("latency_cycles"),
                                                    sim.get("ii"), syn.get("lut"), syn.get("ff"), syn.get("dsp"),
                                                    syn.get("bram18")))
    except (OSError, ValueError, KeyError):
        pass
    L.append("## The fleet\n")
    dur = max(r["t"] for r in rows)
    L.append("%d robots streamed IMU windows at 100 Hz each for %.0f s (deadline %g ms per window) to edge-0 "
             "(Verilator backend: the emulated FPGA), edge-1 (OpenCL) and cloud-0 (cpu), all running the bundle; "
             "the robots' own CPU is emulated as a 15 ms-per-window microcontroller. Policy: fogforge. "
             "edge-0 was killed (kill -9) and restarted." % (len(summaries), dur, deadline))
    netf = os.path.join(out, "network.txt")
    if os.path.exists(netf):
        L[-1] += " " + open(netf).read().strip().replace("network: ", "Network: ", 1) + "."
    L[-1] += "\n"

    for name, ts in sorted(events.items(), key=lambda x: x[1]):
        if name != "start":
            L.append("- t = %.2f s: %s" % (ts - t0, name))
    L.append("")
    L.append("| | value |\n|---|---|")
    L.append("| tasks sent | %d |" % sent)
    L.append("| completed (any status) | %d |" % completed)
    L.append("| **tasks lost** | **%d**%s |" % (lost, "" if lost == 0 else " (target: 0)"))
    L.append("| deadline misses | %d (%.2f%%) |" % (missed, 100.0 * missed / sent if sent else 0))
    L.append("| retries / re-routed / rescued / hedged / probes | %d / %d / %d / %d / %d |" % (
        sum(s["retries"] for s in summaries), sum(s.get("rerouted", 0) for s in summaries),
        sum(s.get("rescued", 0) for s in summaries), sum(s["hedged"] for s in summaries),
        sum(s.get("probes", 0) for s in summaries)))
    L.append("")
    L.append("| tier | tasks | share | p50 ms | p99 ms | max ms | misses |\n|---|---|---|---|---|---|---|")
    for t in TIERS:
        v = [r["ms"] for r in ok if r["tier"] == t]
        m = sum(r["missed"] for r in rows if r["tier"] == t)
        L.append("| %s | %d | %.1f%% | %.2f | %.2f | %.2f | %d |" % (t, len(v), 100.0 * len(v) / len(ok) if ok else 0,
                                                                     pct(v, .5), pct(v, .99), max(v) if v else 0, m))
    nodes = {}
    for r in ok:
        nodes[r["node"]] = nodes.get(r["node"], 0) + 1
    L.append("\nTasks per node: " + ", ".join("%s %d" % kv for kv in sorted(nodes.items())) + "\n")
    L.append("![latency CDF per tier](latency-cdf.svg)\n")
    L.append("![tasks per tier over time](tasks-over-time.svg)\n")
    L.append("## Detection on the streamed windows\n")
    L.append("%d windows answered and classified by the quantized bundle wherever they ran: **%.2f%%** correct "
             "against the generator's ground truth." % (len(judged), acc))
    if "float" in test_acc:
        d = acc - test_acc["float"]
        L.append(" Float model on the fixed test set: %.2f%%; w8a8 on it: %.2f%%; explore's configuration (the "
                 "bundle's): %.2f%%. Streamed vs float: %+.2f points "
                 "(target: within 1 point): **%s**." % (test_acc["float"], test_acc.get("w8a8", 0),
                                                        test_acc.get("explore", 0), d,
                                                        "met" if abs(d) <= 1.0 else "not met"))
    L.append("\n\nConfusion matrix of the streamed windows (rows: true; columns: predicted %s):\n" % ", ".join(CLASSES))
    L.append("```")
    for i, c in enumerate(CLASSES):
        L.append("%-12s %s" % (c, " ".join("%6d" % x for x in conf[i])))
    L.append("```\n")
    per_tier = []
    for t in TIERS:
        j = [r for r in judged if r["tier"] == t]
        if j:
            per_tier.append("%s %.2f%% (%d)" % (t, 100.0 * sum(r["pred"] == r["label"] for r in j) / len(j), len(j)))
    L.append("Accuracy by where the window ran: " + ", ".join(per_tier) + " (the same integer model everywhere).\n")
    open(os.path.join(out, "report.md"), "w").write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
