"""How often full-batch gradient descent solves XOR, by hidden-layer width (notebook 04, section 7).

    python experiments/04_xor_width.py

The network of notebook 04: 2 inputs, one layer of tanh units, a sigmoid output, binary
cross-entropy, full-batch gradient descent for 500 epochs from `minigrad.scalar.MLP`'s random
start (weights uniform in [-1, 1], biases 0). A run counts as solved when its final mean loss is
below 0.1. Each width is tuned over a learning-rate grid with `minigrad_course.tuning.compare` on
100 seeds; the fraction solved is reported for every rate, so the ranking can be read at each one.
Writes experiments/results/04_xor_width.json.
"""
from __future__ import annotations

import datetime
import json
import platform
import sys
from pathlib import Path

import numpy as np

from minigrad.scalar import MLP
from minigrad_course.tuning import compare, comparison_table

WIDTHS = (2, 3, 4)
LRS = (0.3, 1.0, 3.0)
SEEDS = tuple(range(100))
EPOCHS = 500
SOLVED_BELOW = 0.1
RESULTS = Path(__file__).resolve().parent / "results" / "04_xor_width.json"

X_XOR = np.array([(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)])
Y_XOR = np.array([0.0, 1.0, 1.0, 0.0])


def start_of(width: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The starting parameters of MLP(2, [width, 1], activation="tanh", seed=seed): W (width, 2), b, v, c."""
    hidden, output = MLP(2, [width, 1], activation="tanh", seed=seed).layers
    W = np.array([[w.data for w in unit.w] for unit in hidden.neurons])
    b = np.array([unit.b.data for unit in hidden.neurons])
    v = np.array([w.data for w in output.neurons[0].w])
    return W, b, v, output.neurons[0].b.data


def final_loss(W: np.ndarray, b: np.ndarray, v: np.ndarray, c: float, lr: float, epochs: int = EPOCHS) -> float:
    """Full-batch gradient descent on XOR (the formulas of notebook 04, section 4); the final mean loss.

    h = tanh(X W^T + b), s = h v + c, p = sigmoid(s), L = mean BCE;
    delta_out = (p - y) / 4, delta_j = delta_out v_j (1 - h_j^2).
    """
    for _ in range(epochs):
        h = np.tanh(X_XOR @ W.T + b)
        p = 1.0 / (1.0 + np.exp(-(h @ v + c)))
        d_out = (p - Y_XOR) / len(Y_XOR)
        d_hidden = np.outer(d_out, v) * (1.0 - h ** 2)
        W, b, v, c = W - lr * d_hidden.T @ X_XOR, b - lr * d_hidden.sum(axis=0), v - lr * h.T @ d_out, c - lr * d_out.sum()
    s = np.tanh(X_XOR @ W.T + b) @ v + c
    return float(np.mean(np.logaddexp(0.0, -(2.0 * Y_XOR - 1.0) * s)))


def run(width: int, lr: float, seed: int) -> dict[str, float]:
    """One training run: its final loss, and 1.0 if it solved XOR (else 0.0)."""
    loss = final_loss(*start_of(width, seed), lr)
    return {"solved": float(loss < SOLVED_BELOW), "loss": loss}


def sweep() -> dict:
    arms = {f"{width} hidden units": (lambda width: lambda lr, seed: run(width, lr, seed))(width) for width in WIDTHS}
    results = compare(arms, LRS, SEEDS, metric="solved")
    print(comparison_table(results, digits=2))
    return {name: {"width": width, "best_lr": t.best_lr, "mean": t.mean, "sd": t.sd,
                   "solved_by_lr": {f"{lr:g}": mean for lr, mean in t.grid_means().items()}}
            for (name, t), width in zip(results.items(), WIDTHS)}


def main() -> int:
    record = {
        "command": "python experiments/04_xor_width.py",
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}",
        "setup": {"widths": WIDTHS, "lrs": LRS, "seeds": f"0-{SEEDS[-1]}", "epochs": EPOCHS,
                  "solved": f"final mean loss below {SOLVED_BELOW}",
                  "tuned on": "the same 100 seeds the fractions are reported on"},
        "results": sweep(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
