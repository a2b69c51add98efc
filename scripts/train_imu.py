#!/usr/bin/python3
"""Trains the demo's collision classifier and exports it to ONNX.

Reproduce with:  make build/fogforge && /usr/bin/python3 scripts/train_imu.py
(needs Debian's python3-torch). Data come from the seeded C generator
(`fogforge imu`): 30000 training windows (seed 11) and the committed test set
demo/imu_test.npy + demo/imu_test_labels.txt (2000 windows, seed 12). Writes
demo/imu_mlp.onnx and prints accuracy and the confusion matrix.
"""
import os, subprocess, sys, tempfile
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FF = os.path.join(ROOT, "build", "fogforge")
CLASSES = ["calm", "wave_impact", "collision"]


def windows(count, seed, prefix):
    feat, lab = prefix + ".npy", prefix + "_labels.txt"
    subprocess.run([FF, "imu", "--count", str(count), "--seed", str(seed), "-o", feat, "--labels", lab], check=True)
    return np.load(feat), np.loadtxt(lab, dtype=np.int64)


def confusion(pred, lab):
    m = np.zeros((3, 3), dtype=np.int64)
    for p, l in zip(pred, lab):
        m[l, p] += 1
    return m


def main():
    torch.manual_seed(0)
    np.random.seed(0)
    tmp = tempfile.mkdtemp()
    xtr, ytr = windows(30000, 11, os.path.join(tmp, "train"))
    xte, yte = windows(2000, 12, os.path.join(ROOT, "demo", "imu_test"))
    model = torch.nn.Sequential(
        torch.nn.Linear(24, 32), torch.nn.ReLU(),
        torch.nn.Linear(32, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 3))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, 15, 0.3)
    X, Y = torch.tensor(xtr), torch.tensor(ytr)
    for epoch in range(40):
        perm = torch.randperm(len(X))
        for i in range(0, len(X), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X[idx]), Y[idx])
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    full = torch.nn.Sequential(model, torch.nn.Softmax(dim=1))
    with torch.no_grad():
        pred = full(torch.tensor(xte)).argmax(1).numpy()
    acc = (pred == yte).mean()
    out = os.path.join(ROOT, "demo", "imu_mlp.onnx")
    torch.onnx.export(full, torch.zeros(1, 24), out, opset_version=13, input_names=["features"],
                      output_names=["probabilities"])
    print("float test accuracy: %.2f%% (%d windows)" % (100 * acc, len(yte)))
    print("confusion matrix (rows: true, columns: predicted; %s):" % ", ".join(CLASSES))
    print(confusion(pred, yte))


if __name__ == "__main__":
    sys.exit(main())
