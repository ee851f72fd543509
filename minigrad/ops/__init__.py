"""The tensor operations beyond arithmetic, each with its gradient next to its forward.

    elementwise   exp log sqrt tanh sigmoid relu abs sin cos clamp, maximum minimum where masked_fill
    reduce        sum mean max min amax amin var std logsumexp cumsum argmax argmin any all
    shape         reshape transpose permute squeeze unsqueeze flatten expand, indexing,
                  gather tril triu, cat (concatenate) stack
    conv          conv2d max_pool2d avg_pool2d (exported by minigrad.functional, not as methods)

Each module attaches its functions to `Tensor` as methods, so `x.exp()` is
`elementwise.exp(x)`.
"""
from . import conv, elementwise, reduce, shape  # noqa: F401
