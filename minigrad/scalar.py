"""The classic scalar network, one `Value` per weight: Neuron, Layer, MLP.

A neuron computes act(w . x + b). Its weighted sum is recorded as a single
graph node whose local derivatives are d/dw_i = x_i, d/dx_i = w_i, d/db = 1,
instead of 2n separate `*` and `+` nodes: the same gradients, a smaller graph.
"""
from __future__ import annotations

import random
from typing import Sequence

from .value import Value

__all__ = ["Value", "Module", "Neuron", "Layer", "MLP", "dot"]

ACTIVATIONS = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None}


def dot(weights: Sequence[Value], inputs: Sequence[Value | float], bias: Value) -> Value:
    """bias + sum_i w_i x_i as one node (inputs may be Values or plain numbers)."""
    total, children, local = bias.data, [bias], [1.0]
    for w, x in zip(weights, inputs):
        if x.__class__ is Value:
            total += w.data * x.data
            children += (w, x)
            local += (x.data, w.data)
        else:
            total += w.data * x
            children.append(w)
            local.append(x)
    return Value(total, tuple(children), tuple(local), "dot")


class Module:
    """Something with parameters (Values) whose gradients can be zeroed."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """act(w . x + b), with w_i ~ U(-1, 1) and b = 0 (as micrograd)."""

    def __init__(self, nin: int, activation: str = "relu", rng: random.Random | None = None):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}: choose from {sorted(ACTIVATIONS)}")
        rng = rng or random.Random()
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation
        self._act = ACTIVATIONS[activation]

    def __call__(self, x: Sequence[Value | float]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"this neuron takes {len(self.w)} inputs, got {len(x)}")
        out = dot(self.w, x, self.b)
        return self._act(out) if self._act else out

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """`nout` neurons that all read the same inputs."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", rng: random.Random | None = None):
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer([{', '.join(map(repr, self.neurons))}])" if len(self.neurons) < 3 else \
            f"Layer({len(self.neurons[0].w)} -> {len(self.neurons)}, activation={self.neurons[0].activation!r})"


class MLP(Module):
    """Layers of sizes nin -> nouts[0] -> ... -> nouts[-1]; the last layer is linear.

    MLP(2, [16, 16, 1]) is micrograd's demo network. `seed` makes the
    initial weights reproducible.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu", seed: int | None = None):
        rng = random.Random(seed)
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else "linear", rng)
                       for i in range(len(nouts))]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
            x = [x] if isinstance(x, Value) and layer is not self.layers[-1] else x
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(repr, self.layers))}]"
