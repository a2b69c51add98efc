#!/usr/bin/python3
"""compare.py A B [--rtol R] [--atol A] [--argmax [--min PCT]] [--name NAME]

Compares two fogforge sample files (text or .npy) element by element; B is the
reference (the oracle).

Tolerance mode (default): an element passes when |a-b| <= atol or
|a-b| <= rtol*|b|. Printed: max_abs = max |a-b|, and max_rel = max
|a-b| / max(|b|, atol/rtol), the relative error with |b| floored at
atol/rtol, so that near-zero references are held to the absolute bound;
the file passes exactly when max_rel <= rtol. Exit 1 on any violation
(the worst element is named), 2 on unusable input (width/count mismatch,
non-numeric fields, NaN in one file but not the other).

--argmax: prints the percentage of samples whose argmax agrees; exit 1 when
it is below --min (default 100).
"""
import argparse
import sys


sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import ffio  # noqa: E402
import numpy as np  # noqa: E402  (after ffio: it explains a missing numpy)

PROG = "compare.py"


def main(argv):
    p = argparse.ArgumentParser(prog=PROG, description="compare two sample files (B = reference)")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--rtol", type=float, default=1e-5)
    p.add_argument("--atol", type=float, default=1e-6)
    p.add_argument("--argmax", action="store_true")
    p.add_argument("--min", type=float, default=100.0, help="--argmax: minimum agreement in %%")
    p.add_argument("--name", default="", help="label printed at the start of the result line")
    args = p.parse_args(argv)
    try:
        A = ffio.read_samples(args.a)
        B = ffio.read_samples(args.b)
    except ffio.OracleError as e:
        ffio.die(PROG, str(e))
    if A.shape != B.shape:
        ffio.die(PROG, "%s has %d samples x %d values, %s has %d x %d"
                 % (args.a, A.shape[0], A.shape[1], args.b, B.shape[0], B.shape[1]))
    label = (args.name + " ") if args.name else ""
    if args.argmax:
        agree = float(np.mean(A.argmax(axis=1) == B.argmax(axis=1)) * 100.0)
        print("%sargmax_agreement=%.2f%% (%d samples)" % (label, agree, A.shape[0]))
        sys.exit(0 if agree >= args.min else 1)
    if args.rtol <= 0 or args.atol <= 0:
        ffio.die(PROG, "--rtol and --atol must be positive")
    nan_a, nan_b = np.isnan(A), np.isnan(B)
    if (nan_a != nan_b).any():
        i, j = np.argwhere(nan_a != nan_b)[0]
        ffio.die(PROG, "NaN mismatch at sample %d value %d: %s vs %s" % (i + 1, j, A[i, j], B[i, j]))
    # equal infinities count as exact; NaN==NaN counts as exact
    same = (A == B) | (nan_a & nan_b)
    with np.errstate(invalid="ignore"):
        err = np.where(same, 0.0, np.abs(A - B))
    floor = args.atol / args.rtol
    rel = err / np.maximum(np.abs(B), floor)
    max_abs = float(err.max())
    max_rel = float(rel.max())
    bad = ~(rel <= args.rtol)
    line = "%smax_abs=%.3g max_rel=%.3g (%d samples x %d values, rtol=%g atol=%g)" % (
        label, max_abs, max_rel, A.shape[0], A.shape[1], args.rtol, args.atol)
    if bad.any():
        i, j = np.unravel_index(np.argmax(np.where(bad, rel, -1.0)), rel.shape)
        print("%s; %d values out of tolerance, worst at sample %d value %d: %.9g vs reference %.9g"
              % (line, int(bad.sum()), i + 1, j, A[i, j], B[i, j]))
        sys.exit(1)
    print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
