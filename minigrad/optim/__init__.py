"""Optimizers, as `torch.optim`: each `step()` moves every parameter using its gradient.

    opt = optim.Adam(model.parameters(), lr=1e-3)
    for xb, yb in loader:
        opt.zero_grad()                       # forget the last batch's gradients
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()                       # fill p.grad for every parameter p
        opt.step()                            # p <- p - (an update computed from p.grad)

The update rules and defaults are exactly those of `torch.optim` (written out
in each class's docstring, with g the gradient, t the step count from 1):
`SGD` (momentum, Nesterov), `Adagrad`, `RMSprop`, `Adam`, `AdamW`, one file each,
on the base class `Optimizer` (optimizer.py).

Parameter groups: `param_groups` is a list of dicts, each with "params" (a
list of Tensors) and its own hyperparameters, as in PyTorch:

    opt = optim.SGD([{"params": body.parameters()},
                     {"params": head.parameters(), "lr": 0.1}], lr=0.01, momentum=0.9)

Changing the learning rate between steps (a schedule): a scheduler from
`optim.lr_scheduler` (StepLR, CosineAnnealingLR, LinearLR warm-up, ...), or by
hand: set `group["lr"]` in each group, or `opt.lr = value`, which sets it in every group.

Checkpoints: `opt.state_dict()` and `opt.load_state_dict(saved)`, with torch's layout.

Parameters whose `.grad` is None (not used by the loss) are skipped. SGD
updates each parameter in place, as torch does (the others compute a new array);
either way `p.grad` is left as it was, and a graph built before the step refuses
to backpropagate afterwards (its parameters changed), as in torch.
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
