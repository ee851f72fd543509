"""minigrad: a small autograd library for learning how neural networks learn.

    import minigrad as mg
    from minigrad import Value, Tensor, no_grad
    import minigrad.functional as F
    from minigrad import nn, optim, data
"""
from .autograd import is_grad_enabled, no_grad
from .backend import cuda_available, cuda_status, get_rng_state, manual_seed, set_rng_state
from . import data, functional, nn, optim
from .creation import arange, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .tensor import ShapeError, Tensor, concatenate, matmul, stack
from .serialization import load, save
from .gradcheck import GradcheckError, gradcheck
from .value import Value

__version__ = "0.1.0"

__all__ = [
    "Value", "Tensor", "no_grad", "is_grad_enabled", "ShapeError",
    "tensor", "zeros", "ones", "full", "randn", "rand", "arange", "zeros_like", "ones_like", "manual_seed", "get_rng_state", "set_rng_state",
    "matmul", "concatenate", "stack", "gradcheck", "GradcheckError", "functional", "nn", "optim", "data", "save", "load", "cuda_available", "cuda_status",
]
