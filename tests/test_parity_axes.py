"""An axis out of range raises IndexError, naming the axis and the number of dimensions (as torch);
it never wraps around to another axis."""
import re

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

torch = pytest.importorskip("torch")


def two_d():
    return mg.tensor(np.arange(6.0).reshape(2, 3))


def pair_1d():
    return [mg.tensor(np.arange(3.0)), mg.tensor(np.arange(3.0))]


# label -> (action, the bad axis, the numbers of dimensions the message may name)
CASES = {
    "stack(dim=7) of 1-D tensors": (lambda: mg.stack(pair_1d(), dim=7), 7, (1, 2)),
    "stack(axis=-4) of 1-D tensors": (lambda: mg.stack(pair_1d(), axis=-4), -4, (1, 2)),
    "concatenate(dim=5) of 1-D tensors": (lambda: mg.concatenate(pair_1d(), dim=5), 5, (1,)),
    "concatenate(axis=5) of 1-D tensors": (lambda: mg.concatenate(pair_1d(), axis=5), 5, (1,)),
    "cat(dim=-2) of 1-D tensors": (lambda: mg.cat(pair_1d(), dim=-2), -2, (1,)),
    "transpose(1, 2) of 2-D": (lambda: two_d().transpose(1, 2), 2, (2,)),
    "transpose(0, -3) of 2-D": (lambda: two_d().transpose(0, -3), -3, (2,)),
    "sum(3) of 2-D": (lambda: two_d().sum(3), 3, (2,)),
    "sum(-3) of 2-D": (lambda: two_d().sum(-3), -3, (2,)),
    "sum(dim=(0, 2)) of 2-D": (lambda: two_d().sum(dim=(0, 2)), 2, (2,)),
    "mean(dim=2) of 2-D": (lambda: two_d().mean(dim=2), 2, (2,)),
    "max(dim=2) of 2-D": (lambda: two_d().max(dim=2), 2, (2,)),
    "min(dim=-3) of 2-D": (lambda: two_d().min(dim=-3), -3, (2,)),
    "var(dim=2) of 2-D": (lambda: two_d().var(dim=2), 2, (2,)),
    "std(dim=2) of 2-D": (lambda: two_d().std(dim=2), 2, (2,)),
    "argmax(dim=2) of 2-D": (lambda: two_d().argmax(dim=2), 2, (2,)),
    "cumsum(dim=2) of 2-D": (lambda: two_d().cumsum(dim=2), 2, (2,)),
    "logsumexp(dim=5) of 2-D": (lambda: two_d().logsumexp(dim=5), 5, (2,)),
    "softmax(dim=2) of 2-D": (lambda: F.softmax(two_d(), dim=2), 2, (2,)),
    "log_softmax(dim=-3) of 2-D": (lambda: F.log_softmax(two_d(), dim=-3), -3, (2,)),
    "unsqueeze(5) of 2-D": (lambda: two_d().unsqueeze(5), 5, (2, 3)),
    "unsqueeze(-4) of 2-D": (lambda: two_d().unsqueeze(-4), -4, (2, 3)),
    "squeeze(4) of 2-D": (lambda: two_d().squeeze(4), 4, (2,)),
    "flatten(0, 5) of 2-D": (lambda: two_d().flatten(0, 5), 5, (2,)),
    "gather(3, idx) of 2-D": (lambda: two_d().gather(3, mg.tensor(np.zeros((2, 3), dtype=np.int64))), 3, (2,)),
    "sum(1) of 0-d": (lambda: mg.tensor(2.0).sum(1), 1, (0,)),
}


def torch_version(label):
    """The same call in torch, to check that torch raises IndexError too."""
    x = torch.arange(6.0).reshape(2, 3)
    ts = [torch.arange(3.0), torch.arange(3.0)]
    return {
        "stack(dim=7) of 1-D tensors": lambda: torch.stack(ts, dim=7),
        "concatenate(dim=5) of 1-D tensors": lambda: torch.cat(ts, dim=5),
        "transpose(1, 2) of 2-D": lambda: x.transpose(1, 2),
        "sum(3) of 2-D": lambda: x.sum(3),
        "unsqueeze(5) of 2-D": lambda: x.unsqueeze(5),
        "softmax(dim=2) of 2-D": lambda: torch.softmax(x, dim=2),
        "sum(1) of 0-d": lambda: torch.tensor(2.0).sum(1),
    }.get(label)


@pytest.mark.parametrize("label", CASES)
def test_out_of_range_axis_raises_index_error_naming_axis_and_ndim(label):
    action, axis, ndims = CASES[label]
    reference = torch_version(label)
    if reference is not None:
        with pytest.raises(IndexError):
            reference()
    with pytest.raises(IndexError) as info:
        action()
    message = str(info.value)
    assert re.search(rf"(?<![\d-]){axis}(?!\d)", message), f"the message does not name axis {axis}: {message!r}"
    assert any(re.search(rf"(?<!\d){n}(?!\d)", message.replace(str(axis), "", 1)) for n in ndims), \
        f"the message does not name the number of dimensions {ndims}: {message!r}"


@pytest.mark.parametrize("axis", [-2, -1, 0, 1])
def test_in_range_negative_and_positive_axes_work(axis):
    x = two_d()
    np.testing.assert_array_equal(x.sum(axis).numpy(), torch.arange(6.0).reshape(2, 3).sum(axis).numpy())


def test_stack_at_the_last_new_position_works():
    for dim in (1, -1, -2):
        expected = torch.stack([torch.arange(3.0)] * 2, dim=dim).numpy()
        np.testing.assert_array_equal(mg.stack(pair_1d(), dim=dim).numpy(), expected)
