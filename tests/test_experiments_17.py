"""Notebook 17's stored sweep (experiments/17_small_gpt.py): complete, consistent, quoted faithfully by the
notebook, and reproducible: one point rerun gives the stored value and the notebook's own run."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import experiment_script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "experiments" / "results" / "17_small_gpt.json"
NOTEBOOK = ROOT / "notebooks" / "17_a_small_gpt.ipynb"


def _stored():
    return json.loads(RESULTS.read_text())


def _notebook_text(kind):
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    if kind == "markdown":
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return "\n".join("".join(o.get("text", "")) for c in cells if c["cell_type"] == "code" for o in c["outputs"])


def test_stored_sweep_is_complete_and_its_choice_is_the_best_mean():
    stored = _stored()
    assert stored["command"] == "python experiments/17_small_gpt.py"
    config = stored["config"]
    assert set(stored["grid"]) == {str(lr) for lr in config["lrs"]}
    assert all(len(losses) == len(config["tuning_seeds"]) for losses in stored["grid"].values())
    means = {float(lr): np.mean(losses) for lr, losses in stored["grid"].items()}
    assert stored["best_lr"] == min(means, key=means.get)
    assert len(stored["fresh_seed_val_loss"]) == len(config["fresh_seeds"])
    assert max(stored["fresh_seed_val_loss"]) < stored["bigram_val_loss"] - 0.3   # the margin the notebook states


def test_notebook_quotes_the_stored_sweep():
    stored, text = _stored(), _notebook_text("markdown")
    assert "python experiments/17_small_gpt.py" in text
    for lr, losses in stored["grid"].items():
        row = re.search(rf"\| {re.escape(lr)} \|([^\n]*)", text)
        assert row, f"the notebook's table has no row for lr {lr}"
        assert all(f"{loss:.4f}" in row.group(1) for loss in losses), row.group(0)
    assert all(f"{loss:.4f}" in text for loss in stored["fresh_seed_val_loss"])


def test_notebook_run_is_the_sweeps_seed_0_at_the_chosen_rate():
    stored, outputs = _stored(), _notebook_text("outputs")
    printed = float(re.search(r"after \d+ steps: training loss [\d.]+, validation loss ([\d.]+)", outputs).group(1))
    code = "\n".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code")
    assert f"STEPS, BATCH, LR, WARMUP = 1500, 32, {stored['best_lr']}, 100" in code
    assert f"{stored['grid'][str(stored['best_lr'])][0]:.4f}" == f"{printed:.4f}"


@pytest.mark.slow
def test_one_point_reruns_to_the_stored_value():
    script = experiment_script("17_small_gpt.py")
    train_ids, val_ids, vocab = script.data()
    result = script.train(0.01, 0, script.notebook_classes(), train_ids, val_ids, vocab)
    assert abs(result["val_loss"] - _stored()["grid"]["0.01"][0]) < 1e-3
    assert abs(script.bigram_val_loss(train_ids, val_ids, vocab) - _stored()["bigram_val_loss"]) < 1e-12
