"""Notebook 16's stored sweep (experiments/16_cnn_vs_mlp.py): its file says what it is, and one point reruns.

The rerun happens in a fresh process with one BLAS thread, as the sweep ran: 900 training steps amplify the
last-bit differences of another thread count or another CPU's kernels into a different network, so the
rerun may differ from the stored accuracy by an image or two (never by more than the spread over seeds).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "experiments" / "16_cnn_vs_mlp.py"
STORED = json.loads((ROOT / "experiments" / "results" / "16_cnn_vs_mlp.json").read_text())


def test_stored_sweep_says_how_it_was_made():
    assert STORED["command"] == "python experiments/16_cnn_vs_mlp.py"
    assert set(STORED["arms"]) == {"MLP 64-64-10", "MLP 64-128-10", "CNN"}
    for arm in STORED["arms"].values():
        assert len(arm["val_acc"]) == len(arm["eval_seeds"]) == 10
        assert set(arm["tuning_grid"]) == {str(lr) for lr in STORED["setup"]["lrs"]}
        assert arm["best_lr"] in STORED["setup"]["lrs"]


def test_the_cnn_beats_the_mlp_in_the_stored_sweep():
    """What notebook 16 claims: the CNN's mean validation accuracy over 10 seeds is higher than each MLP's."""
    mean = {name: sum(arm["val_acc"]) / len(arm["val_acc"]) for name, arm in STORED["arms"].items()}
    assert mean["CNN"] > max(mean["MLP 64-64-10"], mean["MLP 64-128-10"])


@pytest.mark.slow
def test_one_point_of_the_sweep_reruns():
    arm = STORED["arms"]["CNN"]
    seed, stored = arm["eval_seeds"][0], arm["val_acc"][0]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(SCRIPT), "--one", "cnn", str(arm["best_lr"]), str(seed)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=True)
    rerun = json.loads(done.stdout)["val_acc"]
    assert abs(rerun - stored) <= 2 / 360 + 1e-12, (rerun, stored)
