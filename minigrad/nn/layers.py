"""Layers with parameters (`Linear`, `MLP`) and without (activations, `Dropout`)."""
from __future__ import annotations

import copy
import math
from typing import Any, Callable, Sequence

from .. import functional as F
from ..creation import zeros
from ..tensor import Tensor
from . import init
from .module import Lambda, Module, Sequential

__all__ = ["Linear", "MLP", "Dropout", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "GELU"]


class Linear(Module):
    """y = x W^T + b, with `weight` W of shape (out_features, in_features) and `bias` b of shape (out_features,).

    Initialised as PyTorch does: W and b from U(-1/sqrt(in), 1/sqrt(in))
    (that is `kaiming_uniform_(W, a=sqrt(5))`). Gradients, for G = dL/dy:
    dL/dW = G^T x, dL/db = sum of G over the batch, dL/dx = G W.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = "float32", device: str = "cpu") -> None:
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = zeros(out_features, in_features, dtype=dtype, requires_grad=True, device=device)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = None
        if bias:
            bound = 1 / math.sqrt(in_features) if in_features > 0 else 0.0
            self.bias = init.uniform_(zeros(out_features, dtype=dtype, requires_grad=True, device=device),
                                      -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF (`approximate="tanh"` for the tanh formula)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Dropout(Module):
    """Inverted dropout: in training, zero each entry with probability p and scale the rest by 1/(1-p).

    E[output] = x, so in evaluation mode (`model.eval()`) it is the identity.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


ACTIVATIONS: dict[str, type] = {
    "relu": ReLU, "leaky_relu": LeakyReLU, "leakyrelu": LeakyReLU,
    "tanh": Tanh, "sigmoid": Sigmoid, "gelu": GELU,
}


def make_activation(activation: Any) -> Module | None:
    """A fresh activation module from a name ("relu"), a Module class (ReLU), an instance, or a function."""
    if activation is None or activation in ("identity", "linear", "none"):
        return None
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation.lower()]()
        except KeyError:
            raise ValueError(f"unknown activation {activation!r}: use one of {sorted(ACTIVATIONS)}") from None
    if isinstance(activation, type) and issubclass(activation, Module):
        return activation()
    if isinstance(activation, Module):
        return copy.deepcopy(activation)  # one instance per position, never shared
    if callable(activation):
        return Lambda(activation)
    raise TypeError(f"activation must be a name, a Module class or instance, or a function, "
                    f"got {type(activation).__name__}")


class MLP(Sequential):
    """A multilayer perceptron: Linear layers between consecutive `sizes`, `activation` between them.

        MLP([2, 16, 16, 1], activation="relu")
        = Sequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 1))

    No activation after the last layer: the output is the logits (or the
    regression value); the loss applies softmax or sigmoid itself.
    """

    def __init__(self, sizes: Sequence[int], activation: str | type | Module | Callable | None = "relu",
                 bias: bool = True, dtype: Any = "float32", device: str = "cpu") -> None:
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got sizes={sizes}")
        layers: list = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out, bias=bias, dtype=dtype, device=device))
            act = make_activation(activation) if i < len(sizes) - 2 else None
            if act is not None:
                layers.append(act)
        super().__init__(*layers)
        self.sizes = sizes

    @property
    def linears(self) -> list[Linear]:
        """The Linear layers, first to last (handy to look at each layer's weights or gradients)."""
        return [m for m in self if isinstance(m, Linear)]
