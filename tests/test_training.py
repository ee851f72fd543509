"""End to end: nn + optim + data + functional learn real tasks, quickly and reproducibly."""
import time

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import data, nn, optim


def _accuracy(model, X, y):
    model.eval()
    with mg.no_grad():
        predictions = model(mg.Tensor(X)).argmax(axis=1).numpy()
    model.train()
    return float((predictions == y).mean())


def _train(model, opt, X, y, epochs, batch_size, seed):
    loader = data.DataLoader(X, y, batch_size=batch_size, seed=seed)
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()


def test_mlp_with_adam_learns_the_moons():
    mg.manual_seed(0)
    X, y = data.make_moons(500, noise=0.1, seed=0)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=0)
    model = nn.MLP([2, 32, 32, 2], activation="relu")
    _train(model, optim.Adam(model.parameters(), lr=0.01), X_train, y_train, epochs=60, batch_size=32, seed=0)
    assert _accuracy(model, X_train, y_train) >= 0.97
    assert _accuracy(model, X_test, y_test) >= 0.97


def test_mlp_with_adam_learns_digits_in_seconds():
    start = time.perf_counter()
    mg.manual_seed(0)
    X, y = data.load_digits()
    X = X / 16.0
    X_train, X_val, y_train, y_val = data.train_test_split(X, y, test_size=0.2, seed=0)
    model = nn.MLP([64, 128, 10], activation="relu")
    _train(model, optim.Adam(model.parameters(), lr=1e-3), X_train, y_train, epochs=20, batch_size=32, seed=0)
    assert X.dtype == np.float32
    assert _accuracy(model, X_val, y_val) >= 0.95
    assert time.perf_counter() - start < 30
