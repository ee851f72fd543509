"""minigrad_course.plots: digit grids, confusion matrices and decision boundaries, drawn on Agg."""
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad import nn# noqa: E402
from minigrad_course import plots# noqa: E402
from minigrad.data import load_digits, make_spirals  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


class Halves(nn.Module):
    """Class 1 right of x = 0.25, class 0 left of it (logits (N, 2)); remembers how it was called."""

    def __init__(self):
        super().__init__()
        self.w = mg.Tensor(np.array([[-1.0, 0.0], [1.0, 0.0]], dtype=np.float32), requires_grad=True)
        self.seen = []

    def forward(self, x):
        self.seen.append((self.training, mg.is_grad_enabled(), x.shape))
        return x @ self.w.T + mg.Tensor(np.array([0.25, -0.25], dtype=np.float32))


# --- show_digits ----------------------------------------------------------------


def test_show_digits_grid_and_captions():
    X, y = load_digits()
    fig = plots.show_digits(X[:12], y[:12], ncols=5, title="digits")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(fig.axes) == 1 and len(ax.images) == 12
    assert [t.get_text() for t in ax.texts] == [str(v) for v in y[:12]]
    assert ax.images[0].get_array().shape == (8, 8)
    assert fig._suptitle.get_text() == "digits"
    # image 5 starts the second row: same x as image 0, further down (the y axis points down)
    x0, _, y0, _ = ax.images[0].get_extent()
    x5, _, y5, _ = ax.images[5].get_extent()
    assert x5 == x0 and y5 > y0


def test_show_digits_marks_mistakes_in_red():
    X, y = load_digits()
    pred = y[:4].copy()
    pred[2] = (pred[2] + 1) % 10
    fig = plots.show_digits(X[:4].reshape(4, 8, 8), y[:4], predictions=pred)
    texts = fig.axes[0].texts
    assert texts[2].get_text() == f"true {y[2]}\npred {pred[2]}"
    assert matplotlib.colors.same_color(texts[2].get_color(), "tab:red")
    assert matplotlib.colors.same_color(texts[0].get_color(), "black")


def test_show_digits_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        plots.show_digits(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="labels"):
        plots.show_digits(np.zeros((3, 64)), labels=[1, 2])


# --- confusion matrix -------------------------------------------------------------


def test_confusion_matrix_counts():
    cm = plots.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2])
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert np.trace(cm) / cm.sum() == pytest.approx(4 / 6)


def test_confusion_matrix_n_classes_and_tensors():
    cm = plots.confusion_matrix(mg.Tensor(np.array([1, 1])), np.array([1, 0]), n_classes=4)
    assert cm.shape == (4, 4) and cm.sum() == 2 and cm[1, 1] == 1 and cm[1, 0] == 1
    with pytest.raises(ValueError, match="lie in"):
        plots.confusion_matrix([0, 5], [0, 1], n_classes=3)
    with pytest.raises(ValueError, match="predictions"):
        plots.confusion_matrix([0, 1], [0])


def test_plot_confusion_matrix_writes_counts():
    cm = np.array([[5, 1], [0, 3]])
    fig, ax = plt.subplots()
    assert plots.plot_confusion_matrix(cm, class_names=["a", "b"], ax=ax) is fig
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["1", "3", "5"]                       # zeros are left blank
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    with pytest.raises(ValueError, match="square"):
        plots.plot_confusion_matrix(np.zeros((2, 3)))


# --- decision boundaries ----------------------------------------------------------


def test_decision_grid_layout_mode_and_no_grad():
    model = Halves()
    model.train()
    xs, ys, classes = plots.decision_grid(model, (-1.0, 1.0), (-2.0, 0.0), n=5)
    np.testing.assert_allclose(xs, np.linspace(-1, 1, 5))
    np.testing.assert_allclose(ys, np.linspace(-2, 0, 5))
    assert classes.shape == (5, 5) and classes.dtype == np.int64
    np.testing.assert_array_equal(classes, np.tile([0, 0, 0, 1, 1], (5, 1)))   # classes[i, j] at (xs[j], ys[i])
    assert model.seen == [(False, False, (25, 2))]         # one batch, eval mode, no graph
    assert model.training is True                          # the mode is restored


def test_decision_grid_single_logit_and_plain_functions():
    def one_logit(x):
        return x[:, 1:2]                                   # class 1 where y > 0
    xs, ys, classes = plots.decision_grid(one_logit, (0, 1), (-1, 1), n=3)
    np.testing.assert_array_equal(classes[:, 0], [0, 0, 1])
    with pytest.raises(ValueError, match="n >= 2"):
        plots.decision_grid(one_logit, (0, 1), (0, 1), n=1)


def test_plot_decision_boundary_draws_regions_and_points():
    X, y = make_spirals(90, n_classes=3, seed=0)
    mg.manual_seed(0)
    model = nn.MLP([2, 8, 3])
    fig = plots.plot_decision_boundary(model, X, y, n=30, title="spirals")
    ax = fig.axes[0]
    assert ax.get_title() == "spirals" and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.collections) >= 3                        # regions, boundary lines and one scatter per class
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1", "class 2"]
    lo, hi = X.min(axis=0), X.max(axis=0)
    assert ax.get_xlim()[0] < lo[0] and ax.get_xlim()[1] > hi[0]
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plots.plot_decision_boundary(model, np.zeros((4, 3)), np.zeros(4))
