"""Looking inside a deep network: gradient norms and activations layer by layer, and training runs that record them.

Notebooks 10 (vanishing and exploding gradients) and 11 (remedies) share one
deep network and one data set, built here so that both measure the same thing:

    X_train, X_test, y_train, y_test = digits_data()            # standardized digits, 500 for training
    splits = digits_splits()                                    # the same 500, plus validation and test sets
    model = deep_mlp(depth=12, width=32, activation="sigmoid")  # 12 Linear layers
    loss, outputs = one_backward(model, X_train, y_train)       # outputs: h_1, ..., h_11, logits
    layer_gradient_norms(model)                                 # ||dL/dW_l|| for l = 1..12, input layer first
    run = train_and_record(model, (X_train, X_test, y_train, y_test), steps=100, lr=0.05, momentum=0.9)
    run.loss, run.grad_norms, run.test_accuracy                 # the loss curve, norms per step and layer, ...
    run = tuning_run(splits, activation="relu", init="he")      # run(lr, seed) -> metrics, for minigrad_course.tuning
    results, meta = load_sweep("11_remedies_sweep")             # a sweep stored by experiments/11_remedies_sweep.py

Everything runs in float64: a deep network amplifies rounding errors, and in
float64 the results do not depend on how NumPy splits a matrix product over
threads, or on the CPU, at the precision the notebooks print.

The network of `deep_mlp` is a Sequential of `depth` blocks: depth - 1 hidden
blocks, each Linear -> [normalization] -> activation (wrapped in `Residual`
where the shapes allow it), then the output Linear (the logits):

    h_0 = x,   z_l = W_l h_{l-1} + b_l,   h_l = f(z_l)   (l = 1..depth-1),   logits = W_depth h_{depth-1} + b_depth

Backpropagation runs the other way: with delta_l = dL/dz_l,

    delta_l = f'(z_l) * (W_{l+1}^T delta_{l+1}),     dL/dW_l = delta_l h_{l-1}^T

so each layer multiplies the gradient by W^T and by f'(z): the product of
these factors over many layers shrinks (vanishing) or grows (exploding).
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from minigrad import functional as F
from minigrad import nn, optim
from minigrad.autograd import no_grad
from minigrad.backend import manual_seed
from minigrad.data import load_digits, train_test_split
from minigrad.tensor import Tensor

from .inputs import model_input
from .stored import load_results
from .tuning import Tuned, format_mean_sd, mean_sd

if TYPE_CHECKING:  # matplotlib is imported only when a figure is drawn
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

__all__ = [
    "digits_data", "Splits", "digits_splits",
    "deep_mlp", "linear_layers", "layer_gradient_norms", "record_activations", "one_backward",
    "output_gradient_norms", "hidden_gradient_norms", "backward_bound", "saturated_fraction", "weight_scale_sweep",
    "TrainingRecord", "train_and_record", "evaluate",
    "tuning_run", "sweep_path", "save_sweep", "load_sweep", "never_learns", "sweep_table", "sweep_grid",
    "plot_gradient_norms", "plot_layer_histograms", "plot_loss_curves", "plot_comparison", "plot_sweep_curves", "plot_sweep_scores",
]

INITS = ("default", "normal", "xavier", "he")
NORMS = (None, "batch", "layer")


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Run NumPy's matrix products on one thread while training (when threadpoolctl is installed).

    The matrices here are tiny (500 x 32): splitting them over threads costs more than it
    saves, and on a busy machine the waiting threads can make a run several times slower.
    The results are the same either way.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


# --- the data ------------------------------------------------------------------------------


def digits_data(n_train: int = 500, seed: int = 0, dtype: str = "float64"
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 digits, split into n_train training images and the rest for testing, standardized.

    Each of the 64 pixels is shifted and scaled to mean 0 and standard deviation 1 over the
    training images (pixels that are constant there are only shifted), so that the first layer
    sees inputs of the size that initialisation schemes assume.

    Returns:
        X_train, X_test (`dtype`, 64 columns), y_train, y_test (int64): scikit-learn's order.
    """
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=len(X) - int(n_train), seed=seed)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    scale = lambda a: ((a - mean) / std).astype(dtype)  # noqa: E731
    return scale(X_train), scale(X_test), y_train, y_test


@dataclass(frozen=True)
class Splits:
    """Training, validation and test sets: tune on validation, report on test (never the other way)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digits_splits(n_train: int = 500, n_val: int = 400, seed: int = 0, dtype: str = "float64") -> Splits:
    """`digits_data`'s training images, and its other images split into validation (the first n_val) and test.

    The training set and the standardization are exactly those of `digits_data(n_train, seed)`;
    with n_train = 500 and n_val = 400 the test set holds the remaining 897 images.
    """
    X_train, X_rest, y_train, y_rest = digits_data(n_train, seed, dtype)
    if not 0 < n_val < len(X_rest):
        raise ValueError(f"n_val must leave images for both validation and test: 0 < n_val < {len(X_rest)}, got {n_val}")
    return Splits(X_train, y_train, X_rest[:n_val], y_rest[:n_val], X_rest[n_val:], y_rest[n_val:])


# --- the deep network ------------------------------------------------------------------------


def _init_linear(layer: nn.Linear, init: str, weight_scale: float) -> None:
    """Re-draw a Linear layer's weight (biases: zero for every scheme but "default")."""
    if init == "default":  # PyTorch's: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), std = 1/sqrt(3 fan_in)
        if weight_scale != 1.0:
            layer.weight.data = layer.weight.data * weight_scale
        return
    if init == "normal":
        nn.init.normal_(layer.weight, 0.0, weight_scale)
    elif init == "xavier":
        nn.init.xavier_normal_(layer.weight, gain=weight_scale)
    elif init == "he":
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        if weight_scale != 1.0:
            layer.weight.data = layer.weight.data * weight_scale
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def _norm_layer(norm: str | None, width: int, dtype: str) -> nn.Module | None:
    if norm is None:
        return None
    return nn.BatchNorm1d(width, dtype=dtype) if norm == "batch" else nn.LayerNorm(width, dtype=dtype)


def deep_mlp(depth: int = 12, width: int = 32, activation: str = "sigmoid", in_features: int = 64,
             out_features: int = 10, init: str = "default", weight_scale: float = 1.0,
             residual: bool = False, norm: str | None = None, seed: int = 0,
             dtype: str = "float64") -> nn.Sequential:
    """A deep MLP with `depth` Linear layers, as a Sequential of blocks (one per Linear layer).

    Block l < depth:  Linear -> [norm] -> activation      (in_features -> width for l = 1, width -> width after)
    Block depth:      Linear(width, out_features)          (the logits, no activation)

    Args:
        activation: "sigmoid", "tanh", "relu" (any name `nn.MLP` knows).
        init: how every weight is drawn; `weight_scale` multiplies its standard deviation:
            "default"  PyTorch's Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), biases likewise;
            "normal"   N(0, weight_scale^2): weight_scale *is* the standard deviation;
            "xavier"   N(0, 2/(fan_in + fan_out)) (Glorot), for tanh and sigmoid;
            "he"       N(0, 2/fan_in) (Kaiming), for ReLU.
            Biases are zero for all but "default".
        residual: wrap each hidden block of shape width -> width in `nn.Residual`: h + block(h).
        norm: None, "batch" (`BatchNorm1d`) or "layer" (`LayerNorm`), between each hidden
            Linear and its activation.
        seed: seeds minigrad's generator first, so the same arguments give the same weights.
        dtype: of the parameters. float64 by default: deep networks amplify rounding errors, and in
            float64 the results do not depend (at any printed precision) on how the matrix products
            are split over threads or on which CPU runs them.
    """
    if depth < 2:
        raise ValueError(f"depth counts Linear layers and must be at least 2, got {depth}")
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if norm not in NORMS:
        raise ValueError(f"norm must be None, 'batch' or 'layer', got {norm!r}")
    manual_seed(seed)
    blocks: list[nn.Module] = []
    n_in = in_features
    for _ in range(depth - 1):
        linear = nn.Linear(n_in, width, dtype=dtype)
        _init_linear(linear, init, weight_scale)
        parts = [linear, _norm_layer(norm, width, dtype), nn.layers.make_activation(activation)]
        block: nn.Module = nn.Sequential(*[p for p in parts if p is not None])
        if residual and n_in == width:
            block = nn.Residual(block)
        blocks.append(block)
        n_in = width
    head = nn.Linear(n_in, out_features, dtype=dtype)
    _init_linear(head, init, weight_scale)
    blocks.append(head)
    return nn.Sequential(*blocks)


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """Every Linear layer of `model`, in the order the forward pass meets them (input layer first)."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def layer_gradient_norms(model: nn.Module) -> np.ndarray:
    """||dL/dW_l|| (the Frobenius norm: square root of the sum of squares) of each Linear weight, input layer first.

    Call it after `loss.backward()`. Raises if a weight has no gradient yet.
    """
    norms = []
    for k, layer in enumerate(linear_layers(model), start=1):
        if layer.weight.grad is None:
            raise ValueError(f"Linear layer {k} has no gradient: call loss.backward() first")
        norms.append(float(np.linalg.norm(np.asarray(layer.weight.grad, dtype=np.float64))))
    return np.array(norms)


def record_activations(model: nn.Sequential, x: Any) -> list[Tensor]:
    """Run `model` block by block on x and keep each block's output: [h_1, ..., h_{L-1}, logits].

    The outputs stay in the graph: after `F.cross_entropy(outputs[-1], y).backward()`,
    `outputs[l].grad` holds dL/dh_{l+1}, the gradient arriving at that layer's output.
    Use `.numpy()` for the values (histograms).
    """
    h = model_input(model, x)
    outputs = []
    for block in model:
        h = block(h)
        outputs.append(h)
    return outputs


def one_backward(model: nn.Sequential, X: Any, y: Any) -> tuple[float, list[Tensor]]:
    """One forward and backward pass of the cross-entropy on (X, y), from zero gradients.

    Returns (loss, outputs): the loss as a float and `record_activations`'s outputs,
    whose `.grad` now hold dL/dh_l; every weight's `.grad` holds dL/dW_l.
    """
    model.zero_grad()
    with _one_blas_thread():
        outputs = record_activations(model, X)
        loss = F.cross_entropy(outputs[-1], y)
        loss.backward()
    return loss.item(), outputs


def output_gradient_norms(outputs: Sequence[Tensor]) -> np.ndarray:
    """||dL/dh_l|| for each hidden output h_l of `record_activations` (the logits left out), after backward.

    Unlike ||dL/dW_l||, which also scales with the size of the layer's input h_{l-1},
    this measures only the gradient signal that backpropagation carries down the network.
    """
    norms = []
    for k, h in enumerate(outputs[:-1], start=1):
        if h.grad is None:
            raise ValueError(f"output {k} has no gradient: backpropagate a loss of the last output first")
        norms.append(float(np.linalg.norm(np.asarray(h.grad, dtype=np.float64))))
    return np.array(norms)


def hidden_gradient_norms(model: nn.Sequential, X: Any, y: Any) -> np.ndarray:
    """||dL/dh_l|| for every hidden output h_1, ..., h_{L-1} of `model`, after one backward pass on (X, y).

    `one_backward` then `output_gradient_norms`: the gradient signal that reaches each layer's
    output. The ratio of the first to the last, ||dL/dh_1|| / ||dL/dh_{L-1}||, is how much the
    backward pass shrinks (< 1) or grows (> 1) the gradient on its way down. The model's
    parameters are left holding the gradients of this pass.
    """
    _, outputs = one_backward(model, X, y)
    return output_gradient_norms(outputs)


def backward_bound(weights: Sequence[Any], max_slope: float) -> np.ndarray:
    """The bound on how much the backward pass can grow a gradient, for each layer: B_1, ..., B_L.

    From delta_l = f'(z_l) * (W_{l+1}^T delta_{l+1}) and ||W^T v|| <= ||W||_2 ||v||:

        ||delta_l|| <= B_l ||delta_L||,   B_l = prod_{k=l+1}^{L} max_slope * ||W_k||_2,   B_L = 1,

    with ||W||_2 the spectral norm (largest singular value) and max_slope the largest
    |f'| (1/4 for the sigmoid, 1 for tanh and ReLU). `weights` is [W_1, ..., W_L].
    """
    factors = [max_slope * float(np.linalg.norm(np.asarray(W, dtype=np.float64), 2)) for W in weights]
    return np.array([float(np.prod(factors[l + 1:])) for l in range(len(factors))])


def saturated_fraction(h: Any, activation: str, threshold: float = 0.01) -> float:
    """The fraction of the entries of h = f(z) whose slope f'(z) is below `threshold`.

    The slope comes from the output: h (1 - h) for "sigmoid", 1 - h^2 for "tanh".
    Such a unit passes back less than `threshold` of the gradient it receives.
    """
    h = np.asarray(h.numpy() if hasattr(h, "numpy") else h, dtype=np.float64)
    if activation == "sigmoid":
        slope = h * (1 - h)
    elif activation == "tanh":
        slope = 1 - h * h
    else:
        raise ValueError(f"saturated_fraction knows 'sigmoid' and 'tanh', got {activation!r}")
    return float(np.mean(slope < threshold))


def weight_scale_sweep(scales: Sequence[float], activation: str, X: Any, y: Any, depth: int = 12,
                       width: int = 32, seeds: Sequence[int] = (0, 1, 2)) -> np.ndarray:
    """For each std s in `scales`: ||dL/dh_1|| / ||dL/dh_{depth-1}|| with every weight drawn from N(0, s^2).

    The ratio compares the gradient reaching the first hidden layer with the one
    reaching the last: < 1 means it shrinks on the way down (vanishing), > 1 that it
    grows (exploding). Biases are zero. Each value is the geometric mean over `seeds`
    (one network per seed, one backward pass on (X, y)).
    """
    ratios = []
    with _one_blas_thread():
        for scale in scales:
            logs = []
            for seed in seeds:
                model = deep_mlp(depth, width, activation, in_features=np.shape(X)[1], init="normal",
                                 weight_scale=float(scale), seed=seed)
                _, outputs = one_backward(model, X, y)
                norms = output_gradient_norms(outputs)
                logs.append(math.log(norms[0] / norms[-1]))
            ratios.append(math.exp(float(np.mean(logs))))
    return np.array(ratios)


# --- training and recording -------------------------------------------------------------------


@dataclass
class TrainingRecord:
    """What `train_and_record` measured: one entry per step, and the final scores.

    loss[t]           training loss at step t (before the update), nan after divergence
    grad_norms[t, l]  ||dL/dW_l|| at step t for Linear layer l (input first), before clipping
    total_norm[t]     the norm of all gradients together (what clipping looks at)

    The scores on the validation and test sets are nan when the data had none, or the run diverged.
    """
    loss: np.ndarray
    grad_norms: np.ndarray
    total_norm: np.ndarray
    train_accuracy: float = math.nan
    test_loss: float = math.nan
    test_accuracy: float = math.nan
    diverged_at: int | None = None
    extra: dict = field(default_factory=dict)
    val_loss: float = math.nan
    val_accuracy: float = math.nan

    @property
    def final_loss(self) -> float:
        """The last finite training loss (nan if the run diverged)."""
        return math.nan if self.diverged_at is not None else float(self.loss[-1])

    def metrics(self) -> dict[str, float]:
        """The run's scores as `minigrad_course.tuning` takes them: a diverged run's are all nan.

        Keys: train_loss (the last), train_acc, val_loss, val_acc, test_loss, test_acc, and
        diverged (1.0 or 0.0).
        """
        return {"train_loss": self.final_loss, "train_acc": self.train_accuracy,
                "val_loss": self.val_loss, "val_acc": self.val_accuracy,
                "test_loss": self.test_loss, "test_acc": self.test_accuracy,
                "diverged": float(self.diverged_at is not None)}


def _split(data: Splits | Sequence[Any]) -> tuple[Any, Any, Any, Any, Any, Any]:
    """(X_train, y_train, X_val, y_val, X_test, y_test), None for the sets that `data` does not have."""
    if isinstance(data, Splits):
        return data.X_train, data.y_train, data.X_val, data.y_val, data.X_test, data.y_test
    if len(data) == 4:
        X_train, X_test, y_train, y_test = data
        return X_train, y_train, None, None, X_test, y_test
    if len(data) == 2:
        return data[0], data[1], None, None, None, None
    raise ValueError("data must be (X, y), (X_train, X_test, y_train, y_test) as digits_data returns it, "
                     "or the Splits of digits_splits")


def evaluate(model: nn.Module, X: Any, y: Any) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of `model` on (X, y), in evaluation mode, without a graph."""
    was_training = model.training
    model.eval()
    with no_grad():
        logits = model(model_input(model, X))
        loss = F.cross_entropy(logits, np.asarray(y)).item()
        accuracy = float((logits.numpy().argmax(axis=1) == np.asarray(y)).mean())
    model.train(was_training)
    return loss, accuracy


def train_and_record(model: nn.Module, data: Splits | Sequence[Any], steps: int = 150, lr: float = 0.1,
                     momentum: float = 0.0, optimizer: str = "sgd", clip: float | None = None,
                     batch_size: int | None = None, seed: int = 0) -> TrainingRecord:
    """Train `model` with cross-entropy, recording the loss and each layer's gradient norm at every step.

    Args:
        data: (X, y), or (X_train, X_test, y_train, y_test) to also score the test set at the end,
            or `digits_splits`'s Splits to score the validation and the test set.
        optimizer: "sgd" (with `momentum`) or "adam".
        clip: if given, `nn.utils.clip_grad_norm_(params, clip)` before each update.
        batch_size: None for full-batch gradient descent (the same batch every step, deterministic),
            else minibatches in an order seeded by `seed`.

    A step whose loss is not finite stops the run: the rest of `loss` is nan and
    `diverged_at` is that step.
    """
    with _one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):  # divergence is detected, not warned
        return _train_and_record(model, data, steps, lr, momentum, optimizer, clip, batch_size, seed)


def _train_and_record(model: nn.Module, data: Splits | Sequence[Any], steps: int, lr: float, momentum: float,
                      optimizer: str, clip: float | None, batch_size: int | None, seed: int) -> TrainingRecord:
    X_train, y_train, X_val, y_val, X_test, y_test = _split(data)
    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    params = model.parameters()
    if optimizer == "sgd":
        opt = optim.SGD(params, lr=lr, momentum=momentum)
    elif optimizer == "adam":
        opt = optim.Adam(params, lr=lr)
    else:
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    n_layers = len(linear_layers(model))
    losses = np.full(steps, np.nan)
    grad_norms = np.full((steps, n_layers), np.nan)
    total = np.full(steps, np.nan)
    rng = np.random.default_rng(seed)
    order, cursor = np.arange(len(X_train)), len(X_train)
    diverged = None
    model.train()
    for t in range(steps):
        if batch_size is None:
            xb, yb = X_train, y_train
        else:
            if cursor + batch_size > len(X_train):
                order, cursor = rng.permutation(len(X_train)), 0
            index = order[cursor:cursor + batch_size]
            cursor += batch_size
            xb, yb = X_train[index], y_train[index]
        opt.zero_grad()
        loss = F.cross_entropy(model(model_input(model, xb)), yb)
        value = loss.item()
        if not math.isfinite(value):
            diverged = t
            break
        loss.backward()
        losses[t] = value
        grad_norms[t] = layer_gradient_norms(model)
        if clip is not None:
            total[t] = nn.utils.clip_grad_norm_(params, clip)
        else:
            total[t] = math.sqrt(sum(float(np.sum(np.asarray(p.grad, dtype=np.float64) ** 2))
                                     for p in params if p.grad is not None))
        if not math.isfinite(total[t]):
            diverged = t
            losses[t] = np.nan
            break
        opt.step()
    record = TrainingRecord(losses, grad_norms, total, diverged_at=diverged)
    if diverged is None:
        _, record.train_accuracy = evaluate(model, X_train, y_train)
        if X_val is not None:
            record.val_loss, record.val_accuracy = evaluate(model, X_val, y_val)
        if X_test is not None:
            record.test_loss, record.test_accuracy = evaluate(model, X_test, y_test)
    return record


# --- fair comparisons: runs for minigrad_course.tuning, and sweeps stored on disk ---------------------------


def tuning_run(data: Splits | Sequence[Any], depth: int = 12, width: int = 32, steps: int = 100,
               momentum: float = 0.9, optimizer: str = "sgd", clip: float | None = None,
               **network: Any) -> Callable[..., dict[str, float]]:
    """A function run(lr, seed) for `minigrad_course.tuning.tune`: one training run, its metrics.

    run(lr, seed) builds `deep_mlp(depth, width, seed=seed, **network)` (the seed draws the
    initial weights), trains it with `train_and_record(model, data, steps, lr, momentum,
    optimizer, clip)` and returns `TrainingRecord.metrics()`: with `digits_splits`'s Splits
    as data, tune on "val_acc" and report "test_acc".
    """
    def run(lr: float, seed: int) -> dict[str, float]:
        model = deep_mlp(depth, width, seed=seed, **network)
        record = train_and_record(model, data, steps=steps, lr=lr, momentum=momentum, optimizer=optimizer, clip=clip)
        return record.metrics()
    return run


def sweep_path(name: str) -> Path:
    """Where the stored sweep `name` lives: experiments/results/<name>.json in the course's repository."""
    return Path(__file__).resolve().parent.parent / "experiments" / "results" / f"{name}.json"


def _finite_or_none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _tuned_to_json(t: Tuned) -> dict[str, Any]:
    return {"name": t.name, "metric": t.metric, "higher_is_better": t.higher_is_better, "best_lr": t.best_lr,
            "seeds": list(t.seeds), "scores": [_finite_or_none(v) for v in t.scores],
            "lrs": sorted(t.grid),
            "runs": {repr(lr): [{k: _finite_or_none(v) for k, v in r.items()} for r in t.runs[lr]]
                     for lr in sorted(t.grid)}}


def _tuned_from_json(d: Mapping[str, Any]) -> Tuned:
    nan = lambda v: math.nan if v is None else float(v)  # noqa: E731
    higher = bool(d["higher_is_better"])
    t = Tuned(name=d["name"], metric=d["metric"], higher_is_better=higher, best_lr=float(d["best_lr"]),
              seeds=list(d["seeds"]))
    worst = -math.inf if higher else math.inf
    for lr in d["lrs"]:
        runs = [{k: nan(v) for k, v in r.items()} for r in d["runs"][repr(float(lr))]]
        t.runs[float(lr)] = runs
        t.grid[float(lr)] = [worst if math.isnan(r[t.metric]) else r[t.metric] for r in runs]
    t.scores = [worst if v is None else float(v) for v in d["scores"]]
    return t


def save_sweep(name: str, results: Mapping[str, Tuned], command: str, setup: Mapping[str, Any],
               path: Path | None = None, extra: Mapping[str, Any] | None = None) -> Path:
    """Write tuned results as JSON (with the command that makes them, the date and the machine).

    `setup` says what was run: the budget, the grid, what was tuned on what. Every run's
    metrics are kept, so the notebook can report any of them at the chosen rate. `extra`
    holds any other measurement of the script (plain JSON: numbers, strings, lists, dicts).
    """
    path = sweep_path(name) if path is None else Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"sweep": name, "command": command, "date": time.strftime("%Y-%m-%d"),
               "machine": {"python": platform.python_version(), "numpy": np.__version__,
                           "platform": platform.platform(), "cpu_count": os.cpu_count()},
               "setup": dict(setup), "extra": dict(extra or {}),
               "arms": {arm: _tuned_to_json(t) for arm, t in results.items()}}
    path.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n")
    return path


def load_sweep(name: str, path: Path | None = None) -> tuple[dict[str, Tuned], dict[str, Any]]:
    """The stored sweep `name`: (arm -> Tuned, as `tuning.compare` returns it; the rest: command, setup, ...)."""
    if path is not None and not Path(path).is_file():
        raise FileNotFoundError(f"no stored sweep at {path}: make it with `python experiments/{name}.py` from the "
                                "course's root folder")
    payload = load_results(name) if path is None else json.loads(Path(path).read_text())
    arms = {arm: _tuned_from_json(d) for arm, d in payload.pop("arms").items()}
    return arms, payload


# --- figures ------------------------------------------------------------------------------------


def _pyplot():
    import matplotlib.pyplot as plt
    return plt


def _axes(ax, figsize):
    if ax is None:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def plot_gradient_norms(norms: Any | Mapping[str, Any], ax: plt.Axes | None = None,
                        title: str = "Gradient norm per layer after one backward pass",
                        ylabel: str = r"$\|\partial L / \partial W_l\|$ (log scale)", **style: Any) -> Figure:
    """One line per run: the gradient norm of each layer (x: layer 1 = input ... L = output), log scale.

    `norms` is one sequence, or a dict label -> sequence (one line each, with a legend).
    """
    fig, ax = _axes(ax, (7, 4))
    series = dict(norms) if isinstance(norms, Mapping) else {None: norms}
    for label, values in series.items():
        values = np.asarray(values, dtype=np.float64)
        ax.semilogy(np.arange(1, len(values) + 1), values, "o-", ms=4, label=label, **style)
    n = max(len(np.asarray(v)) for v in series.values())
    ax.set_xticks(np.arange(1, n + 1))
    ax.set_xlabel("layer l  (1 = input side, last = output)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if any(label is not None for label in series):
        ax.legend()
    return fig


def plot_layer_histograms(values: Sequence[Any], layers: Sequence[int] | None = None, bins: Any = 40,
                          value_range: tuple[float, float] | None = None, log_abs: bool = False,
                          title: str = "Values per layer", xlabel: str = "value", color: str = "tab:blue",
                          axes: Sequence[plt.Axes] | None = None) -> Figure:
    """Small multiples: one histogram per chosen layer (1-based `layers`, default: up to 6 spread out).

    `values[l - 1]` holds layer l's numbers (an array or a Tensor, any shape). With
    `log_abs`, the histogram is of log10 |value| (zeros left out), the natural scale for
    gradients that span many orders of magnitude. Every panel has the same x range.
    """
    arrays = [np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=np.float64).ravel() for v in values]
    if log_abs:
        arrays = [np.log10(np.abs(a[a != 0])) for a in arrays]
    if layers is None:
        layers = sorted(set(np.linspace(1, len(arrays), min(6, len(arrays))).round().astype(int).tolist()))
    layers = [int(k) for k in layers]
    if value_range is None:
        chosen = np.concatenate([arrays[k - 1] for k in layers])
        chosen = chosen[np.isfinite(chosen)]
        lo, hi = (float(chosen.min()), float(chosen.max())) if chosen.size else (0.0, 1.0)
        value_range = (lo, hi if hi > lo else lo + 1.0)
    if axes is None:
        plt = _pyplot()
        fig, axes = plt.subplots(1, len(layers), figsize=(2.1 * len(layers), 2.6), sharey=True,
                                 squeeze=False, constrained_layout=True)
        axes = axes[0]
        fig.suptitle(title)
    fig = axes[0].figure
    for ax, k in zip(axes, layers):
        a = arrays[k - 1]
        weights = np.full(a.shape, 1.0 / max(a.size, 1))
        ax.hist(a, bins=bins, range=value_range, weights=weights, color=color)
        ax.set_title(f"layer {k}", fontsize=10)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of values")
    return fig


def plot_loss_curves(runs: Mapping[str, Any], ax: plt.Axes | None = None, title: str = "Training loss",
                     colors: Mapping[str, str] | None = None, styles: Mapping[str, str] | None = None,
                     log: bool = False, ylim: tuple[float, float] | None = None) -> Figure:
    """One training-loss curve per run (a TrainingRecord or an array of losses), with a legend.

    `colors` and `styles` (line styles such as "--") may name some of the runs; `log` puts the
    loss on a log scale; `ylim` fixes the y range. A run that diverged ends with an x at its last
    finite loss, or with a ^ at the top edge when that loss lies above `ylim`.
    """
    fig, ax = _axes(ax, (7, 4))
    for label, run in runs.items():
        loss = np.asarray(run.loss if isinstance(run, TrainingRecord) else run, dtype=np.float64)
        color = None if colors is None else colors.get(label)
        style = "-" if styles is None else styles.get(label, "-")
        line, = ax.plot(np.arange(len(loss)), loss, style, label=label, color=color)
        finite = np.flatnonzero(np.isfinite(loss))
        if finite.size and finite[-1] < len(loss) - 1:
            last = loss[finite[-1]]
            if ylim is not None and last > ylim[1]:
                ax.plot(finite[-1], ylim[1], "^", ms=9, color=line.get_color(), clip_on=False)
            else:
                ax.plot(finite[-1], last, "x", ms=9, mew=2, color=line.get_color())
    ax.axhline(math.log(10), color="gray", ls=":", lw=1, label="ln 10: guessing among 10 classes")
    if log:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy loss" + (" (log scale)" if log else ""))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_comparison(runs: Mapping[str, TrainingRecord], title: str = "",
                    colors: Mapping[str, str] | None = None, log: bool = False, norms: str = "weights") -> Figure:
    """Two panels for a few runs: the gradient norm per layer before training, and the loss curves.

    The left panel is `run.grad_norms[0]`, ||dL/dW_l|| at the first step (one backward pass of
    the untrained network on the full batch), or with norms="hidden" `run.extra["hidden_norms"]`,
    ||dL/dh_l|| per hidden output (`hidden_gradient_norms`, stored by the caller); the right
    one `run.loss`, from 0 up (or on a log scale with `log`).
    """
    if norms not in ("weights", "hidden"):
        raise ValueError(f"norms must be 'weights' or 'hidden', got {norms!r}")
    fig, (ax_norms, ax_loss) = _pyplot().subplots(1, 2, figsize=(12, 4), constrained_layout=True)
    for label, run in runs.items():
        color = None if colors is None else colors.get(label)
        if norms == "weights":
            plot_gradient_norms({label: run.grad_norms[0]}, ax=ax_norms, color=color)
        else:
            if "hidden_norms" not in run.extra:
                raise ValueError(f"run {label!r} has no extra['hidden_norms']: store hidden_gradient_norms(...) there")
            plot_gradient_norms({label: run.extra["hidden_norms"]}, ax=ax_norms, color=color,
                                ylabel=r"$\|\partial L / \partial h_l\|$ (log scale)")
    ax_norms.set_title("Gradient norm per layer before training")
    plot_loss_curves(runs, ax=ax_loss, colors=colors, title="Training loss", log=log)
    if not log:  # from 0 up, so that a plateau stays a flat line instead of a magnified wiggle
        highest = max([math.log(10)] + [float(np.nanmax(run.loss)) for run in runs.values()
                                        if np.isfinite(run.loss).any()])
        ax_loss.set_ylim(0, 1.08 * highest)
    if title:
        fig.suptitle(title)
    return fig


def never_learns(tuned: Tuned, chance: float = 0.15) -> bool:
    """True when no rate of the grid lifts the arm's mean score above `chance` (stuck at every rate)."""
    return max(tuned.grid_means().values()) < chance


def sweep_table(results: Mapping[str, Tuned], report: str = "test_acc", digits: int = 3) -> str:
    """One row per arm: the rate tuned on the arm's metric, that metric and `report` as mean ± sd over the seeds.

    `report` is read from the same runs at the chosen rate (`Tuned.runs`), so it was not used to
    choose. An arm that is stuck at every rate (`never_learns`) shows "none" for its rate.
    """
    if not results:
        return ""
    width = max(len(name) for name in results)
    first = next(iter(results.values()))
    head = f"{'arm':{width}s}  {'tuned lr':>8s}  {first.metric + ' (tuned on)':>17s}  {report:>15s}  seeds"
    lines = [head]
    for name, t in results.items():
        stuck = never_learns(t)
        rate = "none" if stuck else f"{t.best_lr:g}" + ("*" if t.at_edge() else "")
        reported = [r[report] for r in t.runs[t.best_lr]]
        lines.append(f"{name:{width}s}  {rate:>8s}  {format_mean_sd(t.scores, digits):>17s}  "
                     f"{format_mean_sd(reported, digits):>15s}  {len(t.scores):5d}")
    notes = []
    if any(never_learns(t) for t in results.values()):
        notes.append("none: stuck at every rate of the grid (no rate's mean score is above 0.15)")
    if any(t.at_edge() and not never_learns(t) for t in results.values()):
        notes.append("*: the best rate is at the edge of the grid")
    return "\n".join(lines + notes)


def sweep_grid(results: Mapping[str, Tuned], metric: str | None = None, digits: int = 2) -> str:
    """Every rate of every arm: the mean `metric` (default: the tuned one) over the seeds that did not diverge.

    A cell reads "0.85" when no seed diverged, "0.49 /2" when 2 seeds diverged (the mean is over the
    others), and "div" when all of them did.
    """
    if not results:
        return ""
    rates = sorted({lr for t in results.values() for lr in t.runs})
    width = max([len(name) for name in results] + [len("learning rate:")])
    cell = digits + 7
    lines = [f"{'learning rate:':{width}s}  " + "".join(f"{lr:>{cell}g}" for lr in rates)]
    for name, t in results.items():
        key = metric or t.metric
        cells = []
        for lr in rates:
            runs = t.runs.get(lr)
            if runs is None:
                cells.append(f"{'':>{cell}s}")
                continue
            diverged = sum(bool(r["diverged"]) for r in runs)
            kept = [r[key] for r in runs if not r["diverged"]]
            text = "div" if not kept else f"{sum(kept) / len(kept):.{digits}f}" + (f" /{diverged}" if diverged else "")
            cells.append(f"{text:>{cell}s}")
        lines.append(f"{name:{width}s}  " + "".join(cells))
    return "\n".join(lines)


METRIC_LABELS = {"val_acc": "validation accuracy", "test_acc": "test accuracy", "val_loss": "validation loss",
                 "test_loss": "test loss", "train_acc": "training accuracy", "train_loss": "training loss"}


def plot_sweep_curves(results: Mapping[str, Tuned], metric: str | None = None, ax: plt.Axes | None = None,
                      colors: Mapping[str, str] | None = None, title: str = "", chance: float | None = 0.1) -> Figure:
    """One line per arm: `metric` (default: the tuned one) against the learning rate, mean ± sd over the seeds.

    A rate at which some seed diverged is marked with an x on its line (at the mean of the seeds that
    did not), or at the bottom when all of them diverged.
    """
    fig, ax = _axes(ax, (7, 4))
    for name, t in results.items():
        key = metric or t.metric
        rates = sorted(t.runs)
        values = [np.array([r[key] for r in t.runs[lr]], dtype=np.float64) for lr in rates]
        stats = [mean_sd(v[np.isfinite(v)]) if np.isfinite(v).any() else (math.nan, math.nan) for v in values]
        means, sds = np.array([m for m, _ in stats]), np.array([d for _, d in stats])
        color = None if colors is None else colors.get(name)
        line, = ax.plot(rates, means, "o-", ms=4, label=name, color=color)
        ax.fill_between(rates, means - sds, means + sds, color=line.get_color(), alpha=0.15)
        for lr, v, m in zip(rates, values, means):
            if not np.isfinite(v).all():
                ax.plot(lr, m if np.isfinite(m) else 0.0, "x", ms=9, mew=2, color=line.get_color(), clip_on=False)
    if chance is not None:
        ax.axhline(chance, color="gray", ls=":", lw=1, label=f"chance ({chance:.0%})")
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("learning rate (log scale)")
    key = metric or next(iter(results.values())).metric
    ax.set_ylabel(f"{METRIC_LABELS.get(key, key)} (mean ± sd over seeds)")
    ax.set_title(title or "Each arm over its learning-rate grid (x: some seed diverged)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_sweep_scores(results: Mapping[str, Tuned], report: str = "test_acc", ax: plt.Axes | None = None,
                      colors: Mapping[str, str] | None = None, title: str = "", chance: float | None = 0.1,
                      groups: Mapping[str, Sequence[str]] | None = None) -> Figure:
    """Horizontal bars: each arm's `report` at its tuned rate, mean ± sd over the seeds (one dot per seed).

    With `groups` (group name -> arms), the bars come group by group, one colour per group (named in
    the legend), with a line between groups; otherwise in the order of `results`, coloured by `colors`.
    """
    if groups is None:
        order, color_of, separators = list(results), dict(colors or {}), []
    else:
        order, color_of, separators = [], {}, []
        palette = ["tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:red", "tab:brown"]
        for k, (group, names) in enumerate(groups.items()):
            if order:
                separators.append(len(order) - 0.5)
            for name in names:
                if name not in results:
                    raise KeyError(f"group {group!r} names {name!r}, which is not among the results")
                order.append(name)
                color_of[name] = palette[k % len(palette)]
    fig, ax = _axes(ax, (7, 0.45 * len(order) + 1.2))
    for k, name in enumerate(order):
        t = results[name]
        values = np.array([r[report] for r in t.runs[t.best_lr]], dtype=np.float64)
        finite = values[np.isfinite(values)]
        mean, sd = mean_sd(finite) if finite.size else (0.0, 0.0)
        ax.barh(k, mean, xerr=sd, color=color_of.get(name), alpha=0.8, capsize=3)
        ax.plot(finite, np.full(finite.size, k), "k.", ms=4)
        rate = "stuck at every rate" if never_learns(t) else f"lr {t.best_lr:g}"
        ax.text(1.01, k, f"{mean:.3f} ± {sd:.3f}  ({rate})", va="center", fontsize=8,
                transform=ax.get_yaxis_transform())
    for y in separators:
        ax.axhline(y, color="gray", lw=0.8)
    if groups is not None:
        from matplotlib.patches import Patch
        handles = [Patch(color=color_of[names[0]], alpha=0.8, label=group) for group, names in groups.items() if names]
    else:
        handles = []
    if chance is not None:
        handles.append(ax.axvline(chance, color="gray", ls=":", lw=1, label=f"chance ({chance:.0%})"))
    if handles:
        ax.legend(handles=handles, fontsize=8, loc="lower right")
    ax.set_yticks(range(len(order)), order, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"{METRIC_LABELS.get(report, report)} at the tuned rate (bars: mean ± sd over seeds; dots: seeds)")
    ax.set_title(title or f"{report}, each arm at its own best rate")
    ax.grid(alpha=0.3, axis="x")
    return fig
