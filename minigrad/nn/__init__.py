"""Neural-network building blocks, as `torch.nn`.

    from minigrad import nn
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    model = nn.MLP([2, 16, 16, 2], activation="relu")      # the same kind of model
    for name, p in model.named_parameters(): ...           # "0.weight", "0.bias", ...

Modules: `Module`, `Sequential`, `Residual`, `Identity`, `Lambda`; layers
`Linear`, `MLP`, `Dropout`, `Embedding`; activations `ReLU`, `LeakyReLU`, `Tanh`, `Sigmoid`,
`GELU`; normalization `LayerNorm`, `BatchNorm1d`; for images `Conv2d`,
`MaxPool2d`, `AvgPool2d`, `Flatten`. Submodules `nn.init`
(weight initialisation) and `nn.utils` (gradient clipping).
"""
from . import init, utils
from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .layers import GELU, MLP, Dropout, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from .embedding import Embedding
from .module import Identity, Lambda, Module, Residual, Sequential, StateDictError
from .normalization import BatchNorm1d, LayerNorm

__all__ = [
    "Module", "Sequential", "Residual", "Identity", "Lambda", "StateDictError",
    "Linear", "MLP", "Dropout", "Embedding", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "GELU",
    "LayerNorm", "BatchNorm1d", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "init", "utils",
]
