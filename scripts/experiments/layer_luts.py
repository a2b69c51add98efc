#!/usr/bin/env python3
"""Where a synthesized layer's LUTs are: every LUT of a `fogforge synth`
project's netlist (flow 2) attributed to the registers it feeds, walking back
from each register's pins through LUTs and carry chains to the previous
registers or DSPs. Groups, in the order a LUT is claimed (one shared by two
groups counts for the first):
  accumulators   the D cones of the acc<k> registers (adder, bias mux, tree)
  tail           the D, R and S cones of the output register od (rounding,
                 saturation, activation: the saturation clamps through R/S)
  input selects  the cones of the DSPs' A-D ports (the count-selected inputs)
  ROM columns    the D cones of the weight and index ROMs' read registers (w<k>, xi<k>)
  other          what is left: the count, the handshake, enables
The analytical model's parts (surrogates/analytic.c: acc, tail, mux, rom) to
compare with; docs/surrogates-log.md, session 25.

usage: layer_luts.py PROJECT   (a directory fogforge synth has synthesized)"""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acc_luts import cells  # noqa: E402

STOP = ("FDRE", "FDSE", "FDCE", "FDPE", "DSP48E1")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    netlist = os.path.join(sys.argv[1], ".build", "synth_xc7", "netlist.v")
    if not os.path.exists(netlist):
        sys.exit("%s: missing (run fogforge synth on the project first)" % netlist)
    drv, insts = {}, []
    for c in cells(netlist):
        insts.append(c)
        for pin in ("O", "Q", "CO", "P"):
            for net in c[2].get(pin, []):
                drv[net] = c
    nluts = sum(1 for c in insts if c[0].startswith("LUT"))
    claimed = set()

    def cone(nets):
        seen, luts, todo = set(), set(), list(nets)
        while todo:
            c = drv.get(todo.pop())
            if not c or c[0] in STOP or c[1] in seen:
                continue
            seen.add(c[1])
            if c[0].startswith("LUT"):
                luts.add(c[1])
            for pin, v in c[2].items():
                if pin not in ("O", "CO", "Q", "P"):
                    todo.extend(v)
        return luts

    def regs(pattern, pins):
        nets = []
        for c in insts:
            if c[0].startswith("FD") and any(re.search(pattern, q) for q in c[2].get("Q", [])):
                for pin in pins:
                    nets += c[2].get(pin, [])
        return nets

    dsp_in = [n for c in insts if c[0] == "DSP48E1" for p in ("A", "B", "C", "D") for n in c[2].get(p, [])]
    groups = [
        ("accumulators", regs(r"(^|\.)acc\d+\[\d+\]$", ("D",))),
        ("tail", regs(r"(^|\.)od\[\d+\]$", ("D", "R", "S"))),
        ("input selects", dsp_in),
        ("ROM columns", regs(r"(^|\.)(w|xi)\d+\[\d+\]$", ("D",))),
    ]
    counts = collections.OrderedDict()
    for name, nets in groups:
        got = cone(nets) - claimed
        counts[name] = len(got)
        claimed |= got
    counts["other"] = nluts - len(claimed)
    print("%-14s %7s" % ("group", "LUTs"))
    for name, n in counts.items():
        print("%-14s %7d" % (name, n))
    print("%-14s %7d" % ("total", nluts))


if __name__ == "__main__":
    main()
