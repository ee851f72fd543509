"""minigrad: a small autograd library for learning how neural networks learn.

    import minigrad as mg
    from minigrad import Value, Tensor, no_grad
    import minigrad.functional as F
    from minigrad import nn, optim, data
"""
from .autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import cuda_available, cuda_status, get_rng_state, manual_seed, set_rng_state
from .tensor import ShapeError, Tensor, matmul
from .ops.elementwise import maximum, minimum, where
from .ops.shape import cat, concatenate, stack
from . import data, functional, nn, optim
from .creation import arange, full, full_like, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .serialization import load, save
from .gradcheck import GradcheckError, gradcheck
from .value import Value

__version__ = "0.1.0"

__all__ = [
    "Value", "Tensor", "Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "ShapeError",
    "tensor", "zeros", "ones", "full", "randn", "rand", "arange", "zeros_like", "ones_like", "full_like",
    "manual_seed", "get_rng_state", "set_rng_state", "matmul", "concatenate", "cat", "stack", "where", "maximum",
    "minimum", "gradcheck", "GradcheckError", "functional", "nn", "optim", "data", "save", "load",
    "cuda_available", "cuda_status",
]
