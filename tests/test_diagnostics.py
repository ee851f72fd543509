"""minigrad_course.diagnostics: the deep network of notebooks 10-11, its gradient norms per layer, recorded training runs."""
import math
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad_course import diagnostics as D# noqa: E402
from minigrad import nn  # noqa: E402

try:
    import torch
except ImportError:  # the cross-check skips itself
    torch = None


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    return D.digits_data(n_train=200)


def small_batch(data, n=64):
    X_train, _, y_train, _ = data
    return X_train[:n], y_train[:n]


# --- data ------------------------------------------------------------------------------------------


def test_digits_data_split_and_standardized(data):
    X_train, X_test, y_train, y_test = data
    assert X_train.shape == (200, 64) and X_test.shape == (1797 - 200, 64)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert D.digits_data(n_train=200, dtype="float32")[0].dtype == np.float32
    assert len(y_train) == 200 and len(y_test) == 1597
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-5)
    std = X_train.std(axis=0)
    assert np.all((np.abs(std - 1) < 1e-4) | (std < 1e-6)), "every pixel has std 1, or is constant in training"
    again = D.digits_data(n_train=200)
    for a, b in zip(data, again):
        np.testing.assert_array_equal(a, b)


def test_digits_splits_extend_digits_data_with_a_validation_set():
    splits = D.digits_splits(n_train=200, n_val=300)
    X_train, X_rest, y_train, y_rest = D.digits_data(n_train=200)
    np.testing.assert_array_equal(splits.X_train, X_train)
    np.testing.assert_array_equal(splits.y_train, y_train)
    np.testing.assert_array_equal(np.vstack([splits.X_val, splits.X_test]), X_rest)
    np.testing.assert_array_equal(np.concatenate([splits.y_val, splits.y_test]), y_rest)
    assert len(splits.y_val) == 300 and len(splits.y_test) == 1797 - 200 - 300
    with pytest.raises(ValueError, match="n_val"):
        D.digits_splits(n_train=200, n_val=1597)


# --- the deep network -------------------------------------------------------------------------------


def test_deep_mlp_structure():
    model = D.deep_mlp(depth=6, width=16, activation="tanh")
    linears = D.linear_layers(model)
    assert len(model) == 6 and len(linears) == 6
    assert [l.weight.shape for l in linears] == [(16, 64)] + [(16, 16)] * 4 + [(10, 16)]
    assert isinstance(model[0][1], nn.Tanh) and isinstance(model[-1], nn.Linear)
    assert model(mg.Tensor(np.zeros((3, 64)))).shape == (3, 10)  # float64, the model's dtype


def test_deep_mlp_residual_and_norm():
    model = D.deep_mlp(depth=5, width=8, residual=True, norm="batch")
    kinds = [type(block).__name__ for block in model]
    assert kinds == ["Sequential", "Residual", "Residual", "Residual", "Linear"], "the first block changes width"
    inner = model[1].module
    assert [type(m).__name__ for m in inner] == ["Linear", "BatchNorm1d", "Sigmoid"]
    x = mg.Tensor(np.random.default_rng(0).normal(size=(4, 64)))
    h1 = model[0](x)
    np.testing.assert_allclose(model[1](h1).numpy(), (h1 + inner(h1)).numpy(), rtol=1e-6)
    layer = D.deep_mlp(depth=3, width=8, norm="layer")
    assert isinstance(layer[1][1], nn.LayerNorm)


@pytest.mark.parametrize("init, expected_std", [
    ("normal", lambda n_in, n_out: 0.3),
    ("xavier", lambda n_in, n_out: math.sqrt(2 / (n_in + n_out))),
    ("he", lambda n_in, n_out: math.sqrt(2 / n_in)),
])
def test_deep_mlp_inits(init, expected_std):
    model = D.deep_mlp(depth=3, width=200, init=init, weight_scale=0.3 if init == "normal" else 1.0)
    for layer in D.linear_layers(model):
        n_out, n_in = layer.weight.shape
        w, std = layer.weight.numpy(), expected_std(n_in, n_out)
        assert abs(w.mean()) < 0.05 * std
        assert w.std() == pytest.approx(std, rel=0.08)
        assert np.all(layer.bias.numpy() == 0)


def test_deep_mlp_default_init_is_pytorch_uniform_and_scalable():
    plain = D.deep_mlp(depth=3, width=100, seed=3)
    scaled = D.deep_mlp(depth=3, width=100, seed=3, weight_scale=2.0)
    w = plain[1][0].weight.numpy()
    assert np.abs(w).max() <= 1 / math.sqrt(100) and w.std() == pytest.approx(1 / math.sqrt(300), rel=0.05)
    np.testing.assert_allclose(scaled[1][0].weight.numpy(), 2 * w, rtol=1e-6)


def test_deep_mlp_is_reproducible_by_seed():
    a, b, c = D.deep_mlp(depth=3, seed=1), D.deep_mlp(depth=3, seed=1), D.deep_mlp(depth=3, seed=2)
    np.testing.assert_array_equal(a[0][0].weight.numpy(), b[0][0].weight.numpy())
    assert not np.array_equal(a[0][0].weight.numpy(), c[0][0].weight.numpy())


@pytest.mark.parametrize("kwargs, match", [
    (dict(depth=1), "at least 2"), (dict(init="glorot"), "init must be"), (dict(norm="group"), "norm must be"),
])
def test_deep_mlp_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.deep_mlp(**kwargs)


# --- gradient norms and activations ------------------------------------------------------------------


def test_layer_gradient_norms_are_frobenius_norms_input_first(data):
    X, y = small_batch(data)
    model = D.deep_mlp(depth=4, width=16, activation="tanh")
    with pytest.raises(ValueError, match="backward"):
        D.layer_gradient_norms(model)
    loss, outputs = D.one_backward(model, X, y)
    norms = D.layer_gradient_norms(model)
    expected = [np.sqrt((np.asarray(l.weight.grad, dtype=np.float64) ** 2).sum()) for l in D.linear_layers(model)]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    assert D.linear_layers(model)[0].weight.shape[1] == 64, "the input layer comes first"
    assert loss == pytest.approx(F.cross_entropy(model(mg.Tensor(X)), y).item(), rel=1e-6)


def test_one_backward_starts_from_zero_gradients(data):
    X, y = small_batch(data)
    model = D.deep_mlp(depth=3, width=8)
    D.one_backward(model, X, y)
    first = D.layer_gradient_norms(model)
    D.one_backward(model, X, y)
    np.testing.assert_allclose(D.layer_gradient_norms(model), first, rtol=1e-6)


def test_record_activations_and_their_gradients(data):
    X, y = small_batch(data)
    model = D.deep_mlp(depth=5, width=12, activation="sigmoid")
    outputs = D.record_activations(model, X)
    assert len(outputs) == 5 and outputs[-1].shape == (64, 10)
    np.testing.assert_allclose(outputs[-1].numpy(), model(mg.Tensor(X)).numpy(), rtol=1e-6)
    assert all(0 < o.numpy().min() and o.numpy().max() < 1 for o in outputs[:-1]), "sigmoid outputs"
    F.cross_entropy(outputs[-1], y).backward()
    norms = D.output_gradient_norms(outputs)
    assert norms.shape == (4,)
    # dL/dh_4 = W_5^T dL/dlogits
    expected = outputs[-1].grad @ D.linear_layers(model)[-1].weight.numpy()
    np.testing.assert_allclose(outputs[3].grad, expected, rtol=1e-5, atol=1e-9)
    assert norms[-1] == pytest.approx(np.linalg.norm(expected), rel=1e-5)


def test_output_gradient_norms_need_a_backward(data):
    X, _ = small_batch(data)
    outputs = D.record_activations(D.deep_mlp(depth=3, width=8), X)
    with pytest.raises(ValueError, match="no gradient"):
        D.output_gradient_norms(outputs)


def test_hidden_gradient_norms_are_those_of_the_hidden_outputs(data):
    X, y = small_batch(data)
    model = D.deep_mlp(depth=5, width=8, activation="tanh", seed=4)
    norms = D.hidden_gradient_norms(model, X, y)
    _, outputs = D.one_backward(D.deep_mlp(depth=5, width=8, activation="tanh", seed=4), X, y)
    np.testing.assert_allclose(norms, D.output_gradient_norms(outputs), rtol=1e-12)
    assert norms.shape == (4,) and D.linear_layers(model)[0].weight.grad is not None


def test_relu_weight_gradient_ratio_ignores_the_weight_scale_but_hidden_gradients_do_not(data):
    """Scaling every weight of a bias-free ReLU net by c scales every dL/dW_l alike (by c^(L-1), up to the
    softmax's change), so their first-to-last ratio hardly shows an explosion; ||dL/dh_1|| / ||dL/dh_{L-1}||
    grows like c^(L-2)."""
    X, y = small_batch(data)
    weight_ratio, hidden_ratio = [], []
    for c in (1.0, 1.5):
        model = D.deep_mlp(depth=6, width=16, activation="relu", init="he", weight_scale=c, seed=3)
        hidden = D.hidden_gradient_norms(model, X, y)
        weights = D.layer_gradient_norms(model)
        hidden_ratio.append(hidden[0] / hidden[-1])
        weight_ratio.append(weights[0] / weights[-1])
    assert 1 / 1.5 < weight_ratio[1] / weight_ratio[0] < 1.5
    assert hidden_ratio[1] / hidden_ratio[0] == pytest.approx(1.5 ** 4, rel=0.3)


def test_deep_sigmoid_gradients_vanish_towards_the_input(data):
    X, y = small_batch(data)
    model = D.deep_mlp(depth=12, width=32, activation="sigmoid")
    D.one_backward(model, X, y)
    norms = D.layer_gradient_norms(model)
    assert norms[0] < 1e-6 * norms[-1]
    assert np.all(np.diff(np.log(norms)) > 0), "smaller at every step towards the input"


def test_backward_bound_holds_for_one_sample(data):
    X, y = small_batch(data, n=1)
    model = D.deep_mlp(depth=6, width=16, activation="sigmoid")
    model.zero_grad()
    F.cross_entropy(model(mg.Tensor(X)), y).backward()
    deltas = np.array([np.linalg.norm(l.bias.grad) for l in D.linear_layers(model)])  # one sample: dL/db = delta
    bound = D.backward_bound([l.weight.numpy() for l in D.linear_layers(model)], 0.25)
    assert bound.shape == (6,) and bound[-1] == 1.0
    assert np.all(deltas / deltas[-1] <= bound * (1 + 1e-6))
    W = [np.diag([2.0, 1.0]), np.diag([3.0, 0.5]), np.eye(2)]
    np.testing.assert_allclose(D.backward_bound(W, 0.5), [1.5 * 0.5, 0.5, 1.0])


def test_saturated_fraction():
    h = np.array([[0.001, 0.5], [0.999, 0.2]])
    assert D.saturated_fraction(h, "sigmoid") == 0.5
    assert D.saturated_fraction(mg.Tensor(np.array([0.999, -0.9999, 0.0, 0.5])), "tanh") == 0.5
    assert D.saturated_fraction(h, "sigmoid", threshold=0.2) == 0.75
    with pytest.raises(ValueError, match="sigmoid"):
        D.saturated_fraction(h, "relu")


def test_weight_scale_sweep_vanishes_small_explodes_large(data):
    X, y = small_batch(data)
    ratios = D.weight_scale_sweep([0.05, 1 / math.sqrt(16), 1.0], "tanh", X, y, depth=6, width=16, seeds=(0, 1))
    assert ratios[0] < 0.01 and 0.1 < ratios[1] < 3 and ratios[2] > 3


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_gradient_norms_match_pytorch(data):
    X, y = small_batch(data)
    model = D.deep_mlp(depth=5, width=16, activation="sigmoid", norm="batch")
    D.one_backward(model, X, y)
    layers = []
    for block in model:
        linear = block if isinstance(block, nn.Linear) else block[0]
        t = torch.nn.Linear(linear.in_features, linear.out_features)
        t.weight.data, t.bias.data = torch.tensor(linear.weight.numpy()), torch.tensor(linear.bias.numpy())
        layers += [t] if isinstance(block, nn.Linear) else [t, torch.nn.BatchNorm1d(16), torch.nn.Sigmoid()]
    reference = torch.nn.Sequential(*layers).double()   # deep_mlp works in float64
    torch.nn.functional.cross_entropy(reference(torch.tensor(X)), torch.tensor(y)).backward()
    expected = [t.weight.grad.norm().item() for t in reference if isinstance(t, torch.nn.Linear)]
    np.testing.assert_allclose(D.layer_gradient_norms(model), expected, rtol=1e-8)


# --- training -------------------------------------------------------------------------------------------


def test_train_and_record_shapes_and_learning(data):
    model = D.deep_mlp(depth=3, width=16, activation="tanh", init="xavier")
    run = D.train_and_record(model, data, steps=40, lr=0.1, momentum=0.9)
    assert run.loss.shape == (40,) and run.grad_norms.shape == (40, 3) and run.total_norm.shape == (40,)
    assert run.diverged_at is None and np.all(np.isfinite(run.loss))
    assert run.loss[-1] < 0.5 * run.loss[0] and run.final_loss == run.loss[-1]
    assert run.train_accuracy > 0.8 and 0.5 < run.test_accuracy <= 1 and np.isfinite(run.test_loss)
    # the total norm is the norm of every parameter's gradient together (weights and biases)
    assert np.all(run.total_norm >= run.grad_norms.max(axis=1) - 1e-6)


def test_train_and_record_first_step_matches_one_backward(data):
    X_train, _, y_train, _ = data
    fresh = D.deep_mlp(depth=4, width=8, seed=5)
    D.one_backward(fresh, X_train, y_train)
    run = D.train_and_record(D.deep_mlp(depth=4, width=8, seed=5), (X_train, y_train), steps=2, lr=0.1)
    np.testing.assert_allclose(run.grad_norms[0], D.layer_gradient_norms(fresh), rtol=1e-5)
    assert math.isnan(run.test_accuracy), "no test set given"


def test_train_and_record_is_deterministic(data):
    runs = [D.train_and_record(D.deep_mlp(depth=3, width=8), data, steps=10, lr=0.1, batch_size=32, seed=1)
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0].loss, runs[1].loss)


def test_clipping_bounds_the_update(data):
    clip = 0.01
    model = D.deep_mlp(depth=3, width=8, activation="relu", init="normal", weight_scale=1.0)
    before = [p.numpy().copy() for p in model.parameters()]
    run = D.train_and_record(model, data, steps=1, lr=1.0, clip=clip)
    assert run.total_norm[0] > 100 * clip, "the norm is recorded before clipping"
    moved = math.sqrt(sum(((p.numpy() - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert moved == pytest.approx(clip, rel=1e-3), "plain SGD moves by lr * (clipped norm)"


def test_a_diverging_run_stops_with_nan(data):
    model = D.deep_mlp(depth=8, width=16, activation="relu", init="normal", weight_scale=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # train_and_record silences the overflow it detects itself
        run = D.train_and_record(model, data, steps=20, lr=1.0)
    assert run.diverged_at is not None and run.diverged_at < 20
    assert np.all(np.isnan(run.loss[run.diverged_at:])) and math.isnan(run.final_loss)
    assert math.isnan(run.test_accuracy)


def test_train_and_record_rejects_bad_arguments(data):
    model = D.deep_mlp(depth=2, width=4)
    with pytest.raises(ValueError, match="optimizer"):
        D.train_and_record(model, data, steps=1, optimizer="lbfgs")
    with pytest.raises(ValueError, match="data must be"):
        D.train_and_record(model, (data[0],), steps=1)


def test_train_and_record_scores_validation_and_test_of_splits():
    splits = D.digits_splits(n_train=200, n_val=300)
    run = D.train_and_record(D.deep_mlp(depth=3, width=16, activation="tanh", init="xavier"), splits, steps=30,
                             lr=0.1, momentum=0.9)
    metrics = run.metrics()
    assert set(metrics) == {"train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc", "diverged"}
    assert 0.5 < metrics["val_acc"] <= 1 and 0.5 < metrics["test_acc"] <= 1 and metrics["diverged"] == 0.0
    model = D.deep_mlp(depth=3, width=16, activation="tanh", init="xavier")
    D.train_and_record(model, splits, steps=30, lr=0.1, momentum=0.9)
    assert metrics["val_acc"] == D.evaluate(model, splits.X_val, splits.y_val)[1]
    assert metrics["test_acc"] == D.evaluate(model, splits.X_test, splits.y_test)[1]


def test_a_diverged_run_scores_nan_everywhere(data):
    splits = D.digits_splits(n_train=200, n_val=300)
    model = D.deep_mlp(depth=8, width=16, activation="relu", init="normal", weight_scale=3.0)
    metrics = D.train_and_record(model, splits, steps=20, lr=1.0).metrics()
    assert metrics["diverged"] == 1.0
    assert all(math.isnan(v) for k, v in metrics.items() if k != "diverged")


def test_tuning_run_trains_the_arm_it_describes():
    splits = D.digits_splits(n_train=200, n_val=300)
    run = D.tuning_run(splits, depth=3, width=16, steps=20, activation="relu", init="he", clip=1.0)
    first, again, other_seed = run(lr=0.1, seed=1), run(lr=0.1, seed=1), run(lr=0.1, seed=2)
    assert first == again and first != other_seed, "the seed draws the initial weights, and only it"
    model = D.deep_mlp(depth=3, width=16, activation="relu", init="he", seed=1)
    record = D.train_and_record(model, splits, steps=20, lr=0.1, momentum=0.9, clip=1.0)
    assert record.metrics() == first


def test_sweeps_round_trip_through_json(tmp_path):
    from minigrad_course.tuning import tune

    def run(lr, seed):
        return {"val_acc": math.nan if lr > 1 else 0.5 + lr / 10 + seed / 100, "test_acc": 0.4 + lr / 10}
    results = {"arm": tune(run, lrs=[0.1, 1.0, 3.0], seeds=[0, 1], name="arm")}
    path = D.save_sweep("sweep", results, "python experiments/sweep.py", {"budget": "tiny"},
                        path=tmp_path / "sweep.json")
    loaded, meta = D.load_sweep("sweep", path=path)
    assert meta["command"] == "python experiments/sweep.py" and meta["setup"] == {"budget": "tiny"}
    assert meta["date"] and meta["machine"]["numpy"] == np.__version__
    arm, original = loaded["arm"], results["arm"]
    assert arm.best_lr == original.best_lr == 1.0 and arm.scores == original.scores
    assert arm.grid == original.grid and arm.grid[3.0] == [-math.inf, -math.inf], "a diverged run is the worst"
    assert math.isnan(arm.runs[3.0][0]["val_acc"]) and arm.runs[1.0][1]["test_acc"] == pytest.approx(0.5)
    assert arm.describe() == original.describe()
    with pytest.raises(FileNotFoundError, match="python experiments/missing.py"):
        D.load_sweep("missing", path=tmp_path / "missing.json")
    assert D.sweep_path("10_depth_sweep").parts[-3:] == ("experiments", "results", "10_depth_sweep.json")


def test_evaluate_restores_training_mode(data):
    X_train, _, y_train, _ = data
    model = D.deep_mlp(depth=3, width=8, norm="batch")
    model.train()
    loss, accuracy = D.evaluate(model, X_train, y_train)
    assert model.training and loss > 0 and 0 <= accuracy <= 1


# --- figures ---------------------------------------------------------------------------------------------


def test_plot_gradient_norms_one_or_many():
    fig = D.plot_gradient_norms([1e-3, 1e-2, 1e-1])
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_title()
    assert ax.get_legend() is None
    fig = D.plot_gradient_norms({"a": [1, 2], "b": [3, 4]})
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]


def test_plot_layer_histograms_panels_and_log_scale():
    values = [np.linspace(-1, 1, 50) * k for k in range(1, 8)]
    fig = D.plot_layer_histograms(values, layers=[1, 4, 7], xlabel="h")
    assert [ax.get_title() for ax in fig.axes] == ["layer 1", "layer 4", "layer 7"]
    assert fig.axes[0].get_xlim() == fig.axes[2].get_xlim(), "one x range for every panel"
    fig = D.plot_layer_histograms([np.array([0.0, 1e-3, 1e-1]), np.array([1e-5, 1e-4])], log_abs=True)
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel() == "fraction of values"


def test_plot_loss_curves_and_comparison(data):
    runs = {"ok": D.TrainingRecord(np.array([2.3, 1.0, 0.5]), np.ones((3, 2)), np.ones(3)),
            "diverged": D.TrainingRecord(np.array([2.3, 5.0, np.nan]), np.ones((3, 2)), np.ones(3), diverged_at=2)}
    fig = D.plot_loss_curves(runs)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:2] == ["ok", "diverged"]
    fig = D.plot_comparison(runs, title="two runs")
    assert len(fig.axes) == 2 and fig.axes[0].get_yscale() == "log" and fig.axes[1].get_yscale() == "linear"
    fig = D.plot_loss_curves(runs, colors={"ok": "tab:red"}, styles={"diverged": "--"}, log=True)
    ok_line, diverged_line = fig.axes[0].lines[0], fig.axes[0].lines[1]
    assert ok_line.get_color() == "tab:red" and diverged_line.get_linestyle() == "--"
    assert fig.axes[0].get_yscale() == "log" and "log" in fig.axes[0].get_ylabel()
    fig = D.plot_loss_curves({"huge": D.TrainingRecord(np.array([2.3, 1e9, np.nan]), np.ones((3, 2)), np.ones(3),
                                                       diverged_at=2)}, log=True, ylim=(1e-3, 1e2))
    ax = fig.axes[0]
    assert ax.get_ylim() == pytest.approx((1e-3, 1e2))
    marker = [l for l in ax.lines if l.get_marker() == "^"]
    assert marker and marker[0].get_ydata()[0] == 1e2, "a divergence above the range is marked at the top edge"


# --- stored sweeps: tables and figures --------------------------------------------------------------------


def fake_sweep():
    """Two arms: one that learns best at lr 0.1 (one seed diverges at lr 1), one stuck at every rate."""
    from minigrad_course.tuning import tune

    def learns(lr, seed):
        if lr == 1.0 and seed == 1:
            return {"val_acc": math.nan, "test_acc": math.nan, "diverged": 1.0}
        return {"val_acc": 0.9 - abs(math.log10(lr) + 1) * 0.2 + 0.02 * seed, "test_acc": 0.85 + 0.01 * seed,
                "diverged": 0.0}

    def stuck(lr, seed):
        return {"val_acc": 0.09 + 0.001 * seed, "test_acc": 0.1, "diverged": 0.0}
    lrs = [0.01, 0.1, 1.0]
    return {"learns": tune(learns, lrs, [0, 1], name="learns"), "stuck": tune(stuck, lrs, [0, 1], name="stuck")}


def test_sweep_table_reports_the_tuned_rate_and_the_other_metric():
    results = fake_sweep()
    assert not D.never_learns(results["learns"]) and D.never_learns(results["stuck"])
    lines = D.sweep_table(results).splitlines()
    assert lines[0].split()[:3] == ["arm", "tuned", "lr"] and "test_acc" in lines[0]
    assert lines[1].split()[:2] == ["learns", "0.1"] and "0.910 ± 0.014" in lines[1] and "0.855 ± 0.007" in lines[1]
    assert lines[2].split()[:2] == ["stuck", "none"]
    assert lines[3].startswith("none: stuck at every rate")


def test_sweep_grid_marks_diverged_seeds():
    lines = D.sweep_grid(fake_sweep()).splitlines()
    assert lines[0].split()[-3:] == ["0.01", "0.1", "1"]
    assert lines[1].split()[1:] == ["0.71", "0.91", "0.70", "/1"], "the mean of the seed that did not diverge, /1"
    assert lines[2].split()[1:] == ["0.09", "0.09", "0.09"]


def test_plot_sweep_scores_in_groups_and_plot_sweep_curves():
    results = fake_sweep()
    fig = D.plot_sweep_scores(results, groups={"first": ["stuck"], "second": ["learns"]})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["stuck", "learns"]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["first", "second"]
    assert ax.patches[0].get_width() == pytest.approx(0.1) and ax.patches[1].get_width() == pytest.approx(0.855)
    with pytest.raises(KeyError, match="missing"):
        D.plot_sweep_scores(results, groups={"first": ["missing"]})
    fig = D.plot_sweep_curves(results, metric="val_acc")
    ax = fig.axes[0]
    labels = [l.get_label() for l in ax.get_lines() if not l.get_label().startswith("_")]
    assert ax.get_xscale() == "log" and labels[:2] == ["learns", "stuck"]
    assert any(l.get_marker() == "x" for l in ax.get_lines()), "the rate where a seed diverged is marked"


def test_plot_comparison_of_hidden_gradient_norms():
    run = D.TrainingRecord(np.array([2.3, 1.0]), np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="hidden_norms"):
        D.plot_comparison({"a": run}, norms="hidden")
    run.extra["hidden_norms"] = np.array([1e-3, 1e-2])
    fig = D.plot_comparison({"a": run}, norms="hidden")
    assert list(fig.axes[0].get_lines()[0].get_ydata()) == [1e-3, 1e-2] and "h_l" in fig.axes[0].get_ylabel()
    with pytest.raises(ValueError, match="norms must be"):
        D.plot_comparison({"a": run}, norms="biases")
