#!/usr/bin/env python3
"""Which operand of each accumulator's add Yosys makes the carry chain's A:
runs synth_xilinx's coarse steps (through alumacc) on a `fogforge gen
--backend rtl` project's Verilog and prints, for each accumulator of the form
acc<k> <= (first ? bias : acc<k>) + p, whether A is the product (its bits
drive the CARRY4's DI directly and the bias mux merges into the LUT making S:
1 LUT a bit) or the mux (a LUT of its own on DI: 2 LUTs a bit). RTL revision
4 writes the mux of an as-wide accumulator as two chunks, acc<k> <= {(first ?
.. : acc<k>[n:1]), (first ? .. : acc<k>[0])} + p, which it reads too. The question
behind FF_AN_ACC1_LUTS in surrogates/analytic.c (docs/surrogates-log.md,
session 30); acc_luts.py counts the same from a synthesized netlist.

usage: acc_operands.py PROJECT   (its rtl/ holds the design's Verilog; the top
       module is the one manifest.json names)"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    proj = sys.argv[1]
    try:
        top = json.load(open(os.path.join(proj, "manifest.json")))["top"]
    except (OSError, ValueError, KeyError) as e:
        sys.exit("%s: no manifest.json naming the top module (%s)" % (proj, e))
    srcs = sorted(glob.glob(os.path.join(proj, "rtl", "*.v")))
    # the accumulator each line of the Verilog adds to
    acc_at = {}
    for f in srcs:
        for n, line in enumerate(open(f), 1):
            m = re.search(r"\bacc(\d+) <= (?:(?:\$signed)?\(\S+(?: == \S+)? \? \S+ : acc\d+\)|"
                          r"\{\(\S+(?: == \S+)? \? \S+ : acc\d+\[\d+:1\]\), .*?\}) \+ ", line)
            if m:
                acc_at[(os.path.basename(f), n)] = int(m.group(1))
    if not acc_at:
        sys.exit("%s: no accumulator of the form acc <= (first ? bias : acc) + p" % proj)
    with tempfile.TemporaryDirectory() as d:
        dump = os.path.join(d, "alu.txt")
        script = "; ".join(["read_verilog %s" % f for f in srcs] +
                           ["scratchpad -set xilinx_dsp.multonly 1",  # fogforge synth's flow 2
                            "synth_xilinx -family xc7 -flatten -noiopad -top %s -run begin:map_memory" % top,
                            "opt_clean", "tee -q -o %s dump t:$alu" % dump])
        subprocess.run(["yosys", "-q", "-p", script], check=True, stdout=subprocess.DEVNULL)
        text = open(dump).read()
    side = {}
    for cell in text.split("cell $alu")[1:]:
        y = re.search(r"connect \\Y \S*\$add\$(\S+?):(\d+)\$", cell)
        a = re.search(r"connect \\A (.+)", cell)
        if not y or not a:
            continue
        k = acc_at.get((os.path.basename(y.group(1)), int(y.group(2))))
        if k is not None:
            side[k] = "mux" if "$ternary$" in a.group(1) else "product"
    n1 = sum(1 for v in side.values() if v == "product")
    print("accumulators %d: A is the product in %d (1 LUT a bit), the bias mux in %d (2 LUTs a bit)"
          % (len(side), n1, len(side) - n1))
    print(" ".join("%d:%s" % (k, "1" if side[k] == "product" else "2") for k in sorted(side)))


if __name__ == "__main__":
    main()
