#!/usr/bin/env python3
"""LUTs a bit of a synthesized layer's accumulators, by how the RTL adds the
product: traces every accumulator bit of a `fogforge synth` project (flow 2,
Yosys's netlist.v) from its register back to the CARRY4 that computes it and
counts the distinct LUTs on that carry chain's S and DI inputs, separately for
the accumulators no wider than their product ("+ p0", "+ p0[k:0]") and the
wider ones ("+ {{n{p0[m]}}, p0}"; RTL revision 3: "$signed(...) + $signed(p0)"; revision 4
writes the as-wide ones' mux in two chunks, "{(... : acc[n:1]), (... : acc[0])} + p0"). The figures behind FF_AN_ACC1_LUTS and
FF_AN_ACC_EXT_LUTS in surrogates/analytic.c (docs/surrogates.md, session 25).

usage: acc_luts.py PROJECT   (a directory fogforge synth has synthesized; its
       rtl/ holds the layer's Verilog, .build/synth_xc7/netlist.v the netlist)"""
import collections
import glob
import os
import re
import sys


def bits(expr):
    """the single-bit nets of a netlist connection expression"""
    expr = expr.strip()
    m = re.match(r"^\{(.*)\}$", expr, re.S)
    if m:
        out = []
        for part in m.group(1).split(","):
            out += bits(part)
        return out
    m = re.match(r"^(\S+)\s*\[(\d+):(\d+)\]$", expr)
    if m:
        hi, lo = int(m.group(2)), int(m.group(3))
        return ["%s[%d]" % (m.group(1), i) for i in range(hi, lo - 1, -1)]
    m = re.match(r"^(\S+)\s*\[(\d+)\]$", expr)
    if m:
        return ["%s[%d]" % (m.group(1), int(m.group(2)))]
    return [expr]


def cells(netlist):
    """(type, name, {pin: [nets, msb first]}) of every instance"""
    text = open(netlist).read()
    pat = re.compile(r"\n  (\w+)(?: #\(.*?\))? (\S+) \((.*?)\n  \);", re.S)
    for m in pat.finditer(text):
        pins = {p: bits(v) for p, v in re.findall(r"\.(\w+)\((.*?)\)(?:,\s*$|\s*$)", m.group(3), re.S | re.M)}
        yield m.group(1), m.group(2), pins


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    proj = sys.argv[1]
    drv = {}
    for c in cells(os.path.join(proj, ".build", "synth_xc7", "netlist.v")):
        for pin in ("O", "Q", "CO"):
            for i, net in enumerate(reversed(c[2].get(pin, []))):
                drv[net] = (c, i)
    # how the RTL adds each accumulator's product
    kind = {}
    for f in glob.glob(os.path.join(proj, "rtl", "*.v")):
        text = open(f).read()
        for m in re.finditer(r"acc(\d+) <= (\$signed)?\(\S+(?: == \S+)? \? \S+ : acc\d+\) \+ (.*?);", text):
            # RTL revision 3 adds a wider accumulator's product as a signed operand
            kind[int(m.group(1))] = "wider" if "{{" in m.group(3) or m.group(2) else "as wide"
        # RTL revision 4 writes the others' bias mux as two chunks
        for m in re.finditer(r"acc(\d+) <= \{\(\S+(?: == \S+)? \? \S+ : acc\d+\[\d+:1\]\), \(.*?\)\} \+ (.*?);", text):
            kind[int(m.group(1))] = "as wide"
    nbits = collections.Counter()
    luts = collections.defaultdict(set)
    for net, (c, _) in drv.items():
        m = re.match(r"(?:\\\S+\.)?acc(\d+)\[\d+\]$", net)
        if not m or not c[0].startswith("FD") or int(m.group(1)) not in kind:
            continue
        k = kind[int(m.group(1))]
        nbits[k] += 1
        d = drv.get(c[2]["D"][0])
        if not d or d[0][0] != "CARRY4":
            continue
        chain, i = d
        for pin in ("S", "DI"):
            src = drv.get(list(reversed(chain[2][pin]))[i])
            if src and src[0][0].startswith("LUT"):
                luts[k].add(src[0][1])
    if not nbits:
        sys.exit("%s: no accumulator of the form acc <= (first ? bias : acc) + p found" % proj)
    print("%-8s %6s %6s %8s" % ("adds", "bits", "LUTs", "LUT/bit"))
    for k in ("as wide", "wider"):
        if nbits[k]:
            print("%-8s %6d %6d %8.2f" % (k, nbits[k], len(luts[k]), len(luts[k]) / nbits[k]))


if __name__ == "__main__":
    main()
