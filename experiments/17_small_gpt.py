"""Notebook 17's GPT over a learning-rate grid and several seeds: is its margin over the bigram baseline robust?

    python experiments/17_small_gpt.py            (about 12 minutes on a busy 2-core machine; writes experiments/results/17_small_gpt.json)

The model classes (CausalSelfAttention, Block, GPT) are executed from the notebook's own cells, so this script
trains exactly the notebook's model; the data split, batches, optimizer and schedule are the notebook's too, and
the chosen rate with seed 0 reproduces the notebook's run (tests/test_experiments_17.py checks both). The peak learning rate
is tuned on the validation split over seeds 0-2; the chosen rate is then rerun on fresh seeds 3-4.
"""
from __future__ import annotations

import ast
import json
import math
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor, nn, no_grad, optim
from minigrad.data import load_surnames
from minigrad_course.tuning import format_mean_sd, tune

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "17_a_small_gpt.ipynb"
RESULTS = ROOT / "experiments" / "results" / "17_small_gpt.json"
LRS, SEEDS, FRESH_SEEDS = [0.003, 0.006, 0.01], [0, 1, 2], [3, 4]
SPLIT_SEED, ALPHA = 0, 0.1
N_EMBD, N_HEAD, N_LAYER, BLOCK, STEPS, BATCH, WARMUP = 64, 4, 2, 16, 1500, 32, 100


def notebook_classes() -> dict:
    """CausalSelfAttention, Block and GPT, defined by executing the notebook's cells that define them."""
    namespace = {"math": math, "mg": mg, "F": F, "nn": nn}
    for cell in json.loads(NOTEBOOK.read_text())["cells"]:
        if cell["cell_type"] != "code" or "".join(cell["source"]).startswith("%"):
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.ClassDef) and node.name in ("CausalSelfAttention", "Block", "GPT"):
                exec(compile(ast.Module([node], type_ignores=[]), str(NOTEBOOK), "exec"), namespace)
    missing = {"CausalSelfAttention", "Block", "GPT"} - set(namespace)
    if missing:
        raise RuntimeError(f"{NOTEBOOK.name} defines no {', '.join(sorted(missing))}")
    return namespace


def data() -> tuple[np.ndarray, np.ndarray, int]:
    """The notebook's split (names shuffled with seed 0, 90% for training) as id arrays, and the vocabulary size."""
    names = load_surnames()
    shuffled = [names[i] for i in np.random.default_rng(SPLIT_SEED).permutation(len(names))]
    n_train = int(0.9 * len(shuffled))
    chars = sorted(set("".join(names)) | {"\n"})
    stoi = {c: i for i, c in enumerate(chars)}

    def encode(part):
        return np.array([stoi[c] for c in "".join(name + "\n" for name in part)], dtype=np.int64)
    return encode(shuffled[:n_train]), encode(shuffled[n_train:]), len(chars)


def bigram_val_loss(train_ids: np.ndarray, val_ids: np.ndarray, vocab: int) -> float:
    counts = np.zeros((vocab, vocab))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1)
    probs = (counts + ALPHA) / (counts + ALPHA).sum(axis=1, keepdims=True)
    return float(-np.log(probs[val_ids[:-1], val_ids[1:]]).mean())


def lm_loss(model, x, y):
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def evaluate(model, ids: np.ndarray) -> float:
    n = (len(ids) - 1) // BLOCK
    with no_grad():
        return lm_loss(model, Tensor(ids[:n * BLOCK].reshape(n, BLOCK)), Tensor(ids[1:n * BLOCK + 1].reshape(n, BLOCK))).item()


def train(lr: float, seed: int, classes: dict, train_ids: np.ndarray, val_ids: np.ndarray, vocab: int) -> dict:
    """The notebook's training run with peak learning rate `lr`, initialised and batched with `seed`."""
    mg.manual_seed(seed)
    model = classes["GPT"](vocab, BLOCK, N_EMBD, N_HEAD, N_LAYER)
    optimizer = optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=0.01)
    scheduler = optim.lr_scheduler.SequentialLR(optimizer, [
        optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=WARMUP),
        optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS - WARMUP, eta_min=lr / 10),
    ], milestones=[WARMUP])
    rng = np.random.default_rng(seed)
    for _ in range(STEPS):
        starts = rng.integers(0, len(train_ids) - BLOCK - 1, size=BATCH)
        x = Tensor(np.stack([train_ids[s:s + BLOCK] for s in starts]))
        y = Tensor(np.stack([train_ids[s + 1:s + BLOCK + 1] for s in starts]))
        loss = lm_loss(model, x, y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
    return {"val_loss": evaluate(model, val_ids), "train_loss": evaluate(model, train_ids[:len(val_ids)])}


def main() -> int:
    started = time.time()
    classes = notebook_classes()
    train_ids, val_ids, vocab = data()
    bigram = bigram_val_loss(train_ids, val_ids, vocab)

    def run(lr: float, seed: int) -> dict:
        result = train(lr, seed, classes, train_ids, val_ids, vocab)
        print(f"lr {lr:g}, seed {seed}: validation loss {result['val_loss']:.4f}", flush=True)
        return result

    tuned = tune(run, LRS, SEEDS, metric="val_loss", higher_is_better=False, evaluate_seeds=FRESH_SEEDS,
                 name="GPT")
    margins = [bigram - score for score in tuned.scores]
    out = {
        "command": "python experiments/17_small_gpt.py",
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}, "
                   f"NumPy {np.__version__}, CPU only, one BLAS thread",
        "seconds": round(time.time() - started),
        "config": {"n_embd": N_EMBD, "n_head": N_HEAD, "n_layer": N_LAYER, "block_size": BLOCK, "steps": STEPS,
                   "batch": BATCH, "warmup": WARMUP, "lrs": LRS, "tuning_seeds": SEEDS, "fresh_seeds": FRESH_SEEDS},
        "bigram_val_loss": bigram,
        "grid": {str(lr): [r["val_loss"] for r in tuned.runs[lr]] for lr in LRS},
        "train_loss": {str(lr): [r["train_loss"] for r in tuned.runs[lr]] for lr in LRS},
        "best_lr": tuned.best_lr,
        "fresh_seed_val_loss": tuned.scores,
        "summary": f"best lr {tuned.best_lr:g} (tuned on the validation split, seeds 0-2); on fresh seeds 3-4: "
                   f"validation loss {format_mean_sd(tuned.scores, 4)}, bigram {bigram:.4f}, "
                   f"margin {format_mean_sd(margins, 3)} nats per character",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(out["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
