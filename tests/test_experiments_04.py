"""The stored sweep of notebook 04 (experiments/04_xor_width.py) still comes out of its script: one point rerun."""
import json
from pathlib import Path

import numpy as np
import pytest

from minigrad import Value
from minigrad.scalar import MLP
from helpers import experiment_script

ROOT = Path(__file__).resolve().parent.parent


def test_the_numpy_descent_is_the_notebooks_value_training():
    """The script's NumPy loop ends where notebook 04's training with Values ends (30 epochs, same start)."""
    script = experiment_script("04_xor_width.py")
    model = MLP(2, [3, 1], activation="tanh", seed=5)
    W, b, v, c = script.start_of(3, 5)
    for _ in range(30):
        loss = sum(((-(model(x).sigmoid()).log() if y == 1 else -(1 - model(x).sigmoid()).log())
                    for x, y in zip(script.X_XOR.tolist(), script.Y_XOR.tolist())), Value(0.0)) / 4
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.7 * p.grad
    hidden, output = model.layers
    expected = np.concatenate([[w.data for u in hidden.neurons for w in u.w], [u.b.data for u in hidden.neurons],
                               [w.data for w in output.neurons[0].w], [output.neurons[0].b.data]])
    final = script.final_loss(W, b, v, c, lr=0.7, epochs=30)    # the loss at the NumPy loop's end
    s = np.tanh(script.X_XOR @ expected[:6].reshape(3, 2).T + expected[6:9]) @ expected[9:12] + expected[12]
    assert final == pytest.approx(float(np.mean(np.logaddexp(0, -(2 * script.Y_XOR - 1) * s))), rel=1e-10)


@pytest.mark.slow
def test_one_point_of_the_stored_sweep():
    script = experiment_script("04_xor_width.py")
    stored = json.loads((ROOT / "experiments" / "results" / "04_xor_width.json").read_text())
    point = stored["results"]["3 hidden units"]["solved_by_lr"]["1"]
    solved = [script.run(3, 1.0, seed)["solved"] for seed in script.SEEDS]
    assert np.mean(solved) == pytest.approx(point, abs=1e-12)
