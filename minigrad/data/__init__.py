"""Data for the course: toy 2-D sets, the shipped digits, splitting and minibatches.

    X, y = make_moons(200, noise=0.1, seed=0)            # float32 (n, 2), int64 (n,)
    X, y = load_digits()                                 # float32 (1797, 64), int64 (1797,)
    names = load_surnames()                              # 32,000 US surnames, most common first
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    for xb, yb in DataLoader(X_train, y_train, batch_size=32, seed=0):
        ...                                              # xb, yb are Tensors
"""
from .datasets import make_circles, make_moons, make_spirals
from .digits import load_digits
from .surnames import load_surnames
from .loader import DataLoader, train_test_split

__all__ = [
    "make_moons", "make_circles", "make_spirals",
    "load_digits", "load_surnames",
    "train_test_split", "DataLoader",
]
