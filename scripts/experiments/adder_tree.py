#!/usr/bin/env python3
"""Writes a Verilog module of U outputs, each summing K registered PW-bit
products into an SW-bit accumulator with a first-cycle bias mux, the sum
written as the RTL back-end writes it (pairwise levels, a register after
every 3 levels). With CHAIN > 0 a CHAIN-stage chain of majority gates,
unconnected to the sums, sits beside them: a path deeper than the tree,
so that ABC maps the tree with slack, as inside a larger design.

usage: adder_tree.py K U PW SW [CHAIN]   (Verilog on stdout)"""
import random
import sys


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    k, u_n, pw, sw = map(int, sys.argv[1:5])
    chain = int(sys.argv[5]) if len(sys.argv) == 6 else 0
    rnd = random.Random(k * 1000 + u_n)
    v = ["module top(input wire clk, input wire first, input wire en, input wire [%d:0] pin,"
         " input wire [1023:0] cin, output wire [%d:0] out, output wire cout);" % (u_n * k * pw - 1, u_n * sw - 1)]
    for u in range(u_n):
        ops = []
        for j in range(k):
            lo = (u * k + j) * pw
            v.append("  reg [%d:0] p%d_%d; always @(posedge clk) if (en) p%d_%d <= pin[%d:%d];"
                     % (pw - 1, u, j, u, j, lo + pw - 1, lo))
            ops.append("{{%d{p%d_%d[%d]}}, p%d_%d}" % (sw - pw, u, j, pw - 1, u, j))
        level = 0
        while len(ops) > 1:
            level += 1
            nxt = []
            for i in range(0, len(ops), 2):
                name = "s%d_l%d_%d" % (u, level, i // 2)
                rhs = ops[i] + (" + " + ops[i + 1] if i + 1 < len(ops) else "")
                v.append("  wire [%d:0] %s = %s;" % (sw - 1, name, rhs))
                nxt.append(name)
            ops = nxt
            if level % 3 == 0 and len(ops) > 1:
                regs = []
                for i, o in enumerate(ops):
                    r = "t%d_l%d_%d" % (u, level, i)
                    v.append("  reg [%d:0] %s; always @(posedge clk) if (en) %s <= %s;" % (sw - 1, r, r, o))
                    regs.append(r)
                ops = regs
        v.append("  reg [%d:0] acc%d; always @(posedge clk) if (en) acc%d <= (first ? %d'h%x : acc%d) + %s;"
                 % (sw - 1, u, u, sw, rnd.randrange(1 << sw), u, ops[0]))
        v.append("  assign out[%d:%d] = acc%d;" % (u * sw + sw - 1, u * sw, u))
    if chain:
        v.append("  reg [1023:0] ci; always @(posedge clk) ci <= cin;")
        prev = "ci[1023]"
        for i in range(chain):
            a, b = "ci[%d]" % (2 * i), "ci[%d]" % (2 * i + 1)
            v.append("  wire m%d = (%s & %s) | (%s & %s) | (%s & %s);" % (i, prev, a, prev, b, a, b))
            prev = "m%d" % i
        v.append("  reg co; always @(posedge clk) co <= %s; assign cout = co;" % prev)
    else:
        v.append("  assign cout = 1'b0;")
    v.append("endmodule")
    print("\n".join(v))


if __name__ == "__main__":
    main()
