"""minigrad.data: toy data sets, the shipped digits, train_test_split, DataLoader."""
import numpy as np
import pytest

from minigrad.data import (DataLoader, load_digits, make_circles, make_moons, make_spirals,
                           train_test_split)

TOY = [make_moons, make_circles, make_spirals]


# --- toy 2-D data sets -------------------------------------------------------

@pytest.mark.parametrize("make", TOY)
@pytest.mark.parametrize("n", [3, 7, 100, 301])
def test_toy_shapes_dtypes_and_every_point_counted(make, n):
    X, y = make(n_samples=n)
    assert X.shape == (n, 2) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.isfinite(X).all()


@pytest.mark.parametrize("n, k", [(300, 3), (301, 3), (302, 3), (10, 4), (5, 5), (7, 1), (1000, 7)])
def test_spirals_classes_split_as_evenly_as_possible(n, k):
    X, y = make_spirals(n_samples=n, n_classes=k)
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.sum() == n
    assert counts.max() - counts.min() <= 1
    assert sorted(counts, reverse=True) == list(counts)  # extras go to the first classes


@pytest.mark.parametrize("make", [make_moons, make_circles])
@pytest.mark.parametrize("n", [2, 9, 200, 201])
def test_two_class_sets_are_balanced(make, n):
    _, y = make(n_samples=n)
    counts = np.bincount(y)
    assert list(counts) == [n - n // 2, n // 2]


@pytest.mark.parametrize("make", TOY)
def test_toy_sets_are_shuffled(make):
    _, y = make(n_samples=200)
    assert not (np.diff(y) >= 0).all()  # not sorted by class


@pytest.mark.parametrize("make", TOY)
def test_toy_same_seed_same_data_other_seed_other_data(make):
    X1, y1 = make(seed=3)
    X2, y2 = make(seed=3)
    X3, _ = make(seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_moons_geometry_without_noise():
    X, y = make_moons(n_samples=100, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (upper[:, 1] >= -1e-6).all() and (lower[:, 1] <= 0.5 + 1e-6).all()


def test_circles_radii_without_noise():
    X, y = make_circles(n_samples=100, noise=0.0, factor=0.3)
    r = np.hypot(*X.T)
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.3, atol=1e-6)
    assert len(np.unique(X.round(5), axis=0)) == 100  # endpoint left out: no repeated point


def test_spirals_radius_within_unit_disc_and_arms_start_apart():
    X, y = make_spirals(n_samples=400, n_classes=4, noise=0.0)
    assert (np.hypot(*X.T) <= 1 + 1e-6).all()
    # The outermost point of arm k sits at angle 2 pi k / 4 + 4 radians.
    for k in range(4):
        arm = X[y == k]
        tip = arm[np.argmax(np.hypot(*arm.T))]
        angle = 2 * np.pi * k / 4 + 4
        np.testing.assert_allclose(tip, [np.cos(angle), np.sin(angle)], atol=1e-6)


def test_noise_scales_the_spread():
    X0, y0 = make_moons(n_samples=400, noise=0.0, seed=1)
    X1, _ = make_moons(n_samples=400, noise=0.1, seed=1)
    spread = (X1 - X0).std()
    assert 0.07 < spread < 0.13


@pytest.mark.parametrize("make, kwargs, error, match", [
    (make_moons, dict(n_samples=1), ValueError, r"n_samples must be at least the number of classes \(2\)"),
    (make_circles, dict(n_samples=1), ValueError, r"number of classes \(2\).*n_samples=1"),
    (make_spirals, dict(n_samples=2, n_classes=3), ValueError, r"number of classes \(3\).*n_samples=2"),
    (make_spirals, dict(n_samples=0), ValueError, r"n_samples must be >= 1, got 0"),
    (make_moons, dict(n_samples=10.0), TypeError, r"n_samples must be an int, got float"),
    (make_moons, dict(n_samples=True), TypeError, r"n_samples must be an int, got bool"),
    (make_spirals, dict(n_classes=0), ValueError, r"n_classes must be >= 1, got 0"),
    (make_spirals, dict(n_classes=2.5), TypeError, r"n_classes must be an int"),
    (make_moons, dict(noise=-0.1), ValueError, r"noise must be a finite number >= 0, got -0.1"),
    (make_spirals, dict(noise=float("nan")), ValueError, r"noise must be a finite number >= 0"),
    (make_moons, dict(noise="0.1"), TypeError, r"noise must be a number, got str"),
    (make_circles, dict(factor=1.0), ValueError, r"factor must be in \[0, 1\)"),
    (make_circles, dict(factor=-0.5), ValueError, r"factor must be a finite number >= 0"),
    (make_moons, dict(n_sample=10), TypeError, r"unexpected keyword argument 'n_sample'"),
    (make_spirals, dict(classes=2), TypeError, r"unexpected keyword argument 'classes'"),
])
def test_toy_bad_input(make, kwargs, error, match):
    with pytest.raises(error, match=match):
        make(**kwargs)


def test_numpy_integers_are_accepted():
    X, y = make_spirals(n_samples=np.int64(30), n_classes=np.int32(3))
    assert X.shape == (30, 2) and np.bincount(y).tolist() == [10, 10, 10]


# --- digits ------------------------------------------------------------------

def test_digits_shape_dtype_values():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    np.testing.assert_array_equal(X, np.round(X))  # integer pixel counts 0..16
    assert set(np.unique(y)) == set(range(10))


def test_digits_about_180_per_class():
    _, y = load_digits()
    counts = np.bincount(y)
    assert counts.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_first_image_is_a_zero():
    X, y = load_digits()
    assert y[0] == 0 and y[:10].tolist() == list(range(10))
    image = X[0].reshape(8, 8)
    assert image[0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
    assert image[3, 3:5].tolist() == [0, 0]  # the hole in the middle of the 0


def test_digits_returns_fresh_arrays():
    X1, y1 = load_digits()
    X1[0, 0] = 99
    y1[0] = 9
    X2, y2 = load_digits()
    assert X2[0, 0] == 0 and y2[0] == 0


def test_digits_match_scikit_learn_when_available():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = load_digits()
    d = datasets.load_digits()
    np.testing.assert_array_equal(X, d.data)
    np.testing.assert_array_equal(y, d.target)


def test_digits_licence_is_shipped():
    from minigrad.data import digits

    text = digits.DIGITS_PATH.with_name("DIGITS_LICENSE.txt").read_text()
    assert "CC BY 4.0" in text and "Alpaydin" in text and "10.24432/C50P49" in text


# --- train_test_split --------------------------------------------------------

def _data(n=50):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)  # y[i] == i names the sample
    return X, y


@pytest.mark.parametrize("test_size, n_test", [(0.2, 10), (0.25, 13), (0.5, 25), (0.01, 1),
                                               (0.98, 49), (1, 1), (20, 20), (49, 49),
                                               (np.float64(0.3), 15), (np.int64(7), 7)])
def test_split_sizes(test_size, n_test):
    X, y = _data(50)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size)
    assert len(X_test) == len(y_test) == n_test
    assert len(X_train) == len(y_train) == 50 - n_test


def test_split_fraction_is_ceil_without_round_off():
    X, y = _data(100)
    for fraction, n_test in [(0.07, 7), (0.29, 29), (0.57, 57), (0.001, 1), (0.015, 2), (0.985, 99)]:
        assert len(train_test_split(X, y, test_size=fraction)[1]) == n_test


def test_split_is_a_partition_with_rows_kept_together():
    X, y = _data(50)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, seed=1)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(50))
    np.testing.assert_array_equal(X_train, X[y_train])
    np.testing.assert_array_equal(X_test, X[y_test])
    assert X_train.dtype == np.float32 and y_test.dtype == np.int64


def test_split_is_shuffled_and_seeded():
    X, y = _data(50)
    a = train_test_split(X, y, seed=0)
    b = train_test_split(X, y, seed=0)
    c = train_test_split(X, y, seed=1)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])
    assert not (np.diff(a[2]) > 0).all()  # the training set is not in the original order


def test_split_accepts_lists():
    X_train, X_test, y_train, y_test = train_test_split([[0], [1], [2], [3]], [0, 1, 0, 1], test_size=2)
    assert X_train.shape == (2, 1) and y_test.shape == (2,)


@pytest.mark.parametrize("test_size, error, match", [
    (0.0, ValueError, r"test_size must be a fraction in \(0, 1\) or an int count, got 0.0"),
    (1.0, ValueError, r"fraction in \(0, 1\).*got 1.0"),
    (-0.2, ValueError, r"fraction in \(0, 1\)"),
    (1.5, ValueError, r"fraction in \(0, 1\)"),
    (0, ValueError, r"test_size=0 gives 0 test samples out of 10"),
    (10, ValueError, r"test_size=10 gives 10 test samples out of 10.*1 <= test count <= 9"),
    (-3, ValueError, r"gives -3 test samples"),
    (0.95, ValueError, r"test_size=0.95 gives 10 test samples out of 10"),
    ("0.2", TypeError, r"test_size must be a fraction or an int, got str"),
    (True, TypeError, r"test_size must be a fraction or an int, got bool"),
])
def test_split_bad_test_size(test_size, error, match):
    X, y = _data(10)
    with pytest.raises(error, match=match):
        train_test_split(X, y, test_size=test_size)


def test_split_mismatched_lengths():
    with pytest.raises(ValueError, match=r"same length: len\(X\) = 5, len\(y\) = 4"):
        train_test_split(np.zeros((5, 2)), np.zeros(4))


def test_split_unknown_keyword():
    X, y = _data(10)
    with pytest.raises(TypeError, match="unexpected keyword argument 'stratify'"):
        train_test_split(X, y, stratify=y)


# --- DataLoader --------------------------------------------------------------

def _epoch(loader):
    return [(xb.numpy(), yb.numpy()) for xb, yb in loader]


@pytest.mark.parametrize("n, batch_size, drop_last, n_batches, last", [
    (10, 3, False, 4, 1), (10, 3, True, 3, 3), (10, 5, False, 2, 5), (10, 5, True, 2, 5),
    (10, 1, False, 10, 1), (10, 10, False, 1, 10), (10, 32, False, 1, 10), (10, 32, True, 0, None),
])
def test_loader_batch_counts(n, batch_size, drop_last, n_batches, last):
    X, y = _data(n)
    loader = DataLoader(X, y, batch_size, drop_last=drop_last, seed=0)
    batches = _epoch(loader)
    assert len(loader) == len(batches) == n_batches
    assert all(len(xb) == len(yb) for xb, yb in batches)
    assert all(len(xb) == batch_size for xb, _ in batches[:-1])
    if last is not None:
        assert len(batches[-1][0]) == last


def test_loader_yields_tensors_keeping_dtypes():
    from minigrad.tensor import Tensor

    X, y = _data(8)
    xb, yb = next(iter(DataLoader(X, y, batch_size=4)))
    assert isinstance(xb, Tensor) and isinstance(yb, Tensor)
    assert xb.shape == (4, 3) and yb.shape == (4,)
    assert xb.numpy().dtype == np.float32 and yb.numpy().dtype == np.int64
    assert xb.device == "cpu" and not xb.requires_grad


@pytest.mark.parametrize("drop_last", [False, True])
def test_loader_every_sample_once_per_epoch_with_rows_kept_together(drop_last):
    X, y = _data(23)
    loader = DataLoader(X, y, batch_size=5, seed=0, drop_last=drop_last)
    for _ in range(3):
        batches = _epoch(loader)
        seen = np.concatenate([yb for _, yb in batches])
        assert len(seen) == (20 if drop_last else 23)
        assert len(set(seen.tolist())) == len(seen)  # no sample twice
        for xb, yb in batches:
            np.testing.assert_array_equal(xb, X[yb])


def test_loader_reshuffles_each_epoch_and_is_reproducible():
    X, y = _data(40)
    orders = [np.concatenate([yb for _, yb in _epoch(DataLoader(X, y, 8, seed=7))])]
    loader = DataLoader(X, y, 8, seed=7)
    epochs = [np.concatenate([yb for _, yb in _epoch(loader)]) for _ in range(3)]
    again = DataLoader(X, y, 8, seed=7)
    repeat = [np.concatenate([yb for _, yb in _epoch(again)]) for _ in range(3)]
    other = np.concatenate([yb for _, yb in _epoch(DataLoader(X, y, 8, seed=8))])
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    assert not np.array_equal(epochs[0], np.arange(40))
    for a, b in zip(epochs, repeat):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(orders[0], epochs[0])
    assert not np.array_equal(epochs[0], other)


def test_loader_each_iter_call_is_one_epoch():
    X, y = _data(12)
    a, b = DataLoader(X, y, 4, seed=0), DataLoader(X, y, 4, seed=0)
    first, second = iter(a), iter(a)  # orders drawn at iter(), not at first next()
    list(second)
    np.testing.assert_array_equal(next(first)[1].numpy(), next(iter(b))[1].numpy())


def test_loader_shuffle_false_keeps_order():
    X, y = _data(10)
    loader = DataLoader(X, y, batch_size=4, shuffle=False)
    for _ in range(2):
        batches = _epoch(loader)
        np.testing.assert_array_equal(np.concatenate([xb for xb, _ in batches]), X)
        np.testing.assert_array_equal(np.concatenate([yb for _, yb in batches]), y)


def test_loader_batches_do_not_alias_the_data():
    X, y = _data(6)
    xb, _ = next(iter(DataLoader(X, y, 3, shuffle=False)))
    xb.data[...] = -1
    assert X.min() >= 0


def test_loader_accepts_lists_and_tensors():
    from minigrad.tensor import Tensor

    loader = DataLoader([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0, 1, 0], batch_size=2, shuffle=False)
    xb, yb = next(iter(loader))
    np.testing.assert_array_equal(xb.numpy(), [[1, 2], [3, 4]])
    X, y = _data(4)
    loader = DataLoader(Tensor(X), Tensor(y), batch_size=4, shuffle=False)
    np.testing.assert_array_equal(next(iter(loader))[0].numpy(), X)


def test_loader_repr_and_len():
    X, y = _data(10)
    loader = DataLoader(X, y, 3)
    assert len(loader) == 4
    assert "batch_size=3" in repr(loader) and "batches=4" in repr(loader)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(batch_size=0), ValueError, r"batch_size must be >= 1, got 0"),
    (dict(batch_size=-2), ValueError, r"batch_size must be >= 1, got -2"),
    (dict(batch_size=2.0), TypeError, r"batch_size must be an int, got float 2.0"),
    (dict(batch_size="8"), TypeError, r"batch_size must be an int, got str"),
    (dict(batch_size=4, batchsize=4), TypeError, r"unexpected keyword argument 'batchsize'"),
])
def test_loader_bad_arguments(kwargs, error, match):
    X, y = _data(10)
    with pytest.raises(error, match=match):
        DataLoader(X, y, **kwargs)


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((10, 2)), np.zeros(9), r"same length: len\(X\) = 10, len\(y\) = 9"),
    (np.zeros((0, 2)), np.zeros(0), r"X and y are empty"),
    (np.float32(1.0), np.zeros(1), r"X must have at least one axis"),
    (np.zeros((3, 2)), 1, r"y must have at least one axis"),
])
def test_loader_bad_data(X, y, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(X, y, batch_size=2)


def test_loader_missing_batch_size():
    X, y = _data(4)
    with pytest.raises(TypeError, match="batch_size"):
        DataLoader(X, y)
