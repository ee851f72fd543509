"""Bad input gets a clear error: the type torch raises (or a clearer one) and words that say what to do."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import nn, optim
from parity import check, dtype_name

torch = pytest.importorskip("torch")


def float32_batch(rows=4, features=3):
    return np.random.default_rng(0).normal(size=(rows, features)).astype(np.float32)


@pytest.mark.parametrize("make", [lambda: float32_batch(), lambda: float32_batch().tolist()], ids=["ndarray", "list"])
def test_linear_called_on_raw_data_says_to_wrap_it_in_a_tensor(make):
    with pytest.raises(TypeError):
        torch.nn.Linear(3, 2)(make())
    with pytest.raises(TypeError, match="Tensor"):
        nn.Linear(3, 2)(make())


def test_float32_linear_fed_float64_data_raises_and_says_how_to_convert():
    with pytest.raises(RuntimeError, match="dtype"):
        torch.nn.Linear(3, 2)(torch.tensor(float32_batch().astype(np.float64)))
    with pytest.raises((TypeError, RuntimeError, ValueError), match=r"\.float\(\)|astype\(np\.float32\)"):
        nn.Linear(3, 2)(mg.tensor(float32_batch().astype(np.float64)))


def test_float64_linear_fed_float32_data_raises():
    model = nn.Linear(3, 2).double()
    with pytest.raises((TypeError, RuntimeError, ValueError), match=r"float32|float64|dtype"):
        model(mg.tensor(float32_batch()))


@pytest.mark.parametrize("step", ["manual", "SGD"])
def test_training_step_never_turns_float32_parameters_float64(step):
    mg.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = mg.tensor(float32_batch().astype(np.float64))
    try:
        model(x).sum().backward()
        if step == "SGD":
            opt.step()
        else:
            with mg.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
    except (TypeError, RuntimeError, ValueError):
        pass
    assert [dtype_name(p) for p in model.parameters()] == ["float32", "float32"]


def test_cross_entropy_with_a_bare_int_target_says_what_target_it_needs():
    logits = float32_batch(2, 3)
    with pytest.raises(TypeError):
        torch.nn.functional.cross_entropy(torch.tensor(logits), 1)
    with pytest.raises((TypeError, ValueError)) as info:
        F.cross_entropy(mg.tensor(logits), 1)
    message = str(info.value)
    assert "shape" in message and "(2,)" in message, message
    assert "float32" not in message, f"the target is an int, not float32: {message}"


def test_cross_entropy_with_float_class_targets_says_they_must_be_integers():
    logits = float32_batch(2, 3)
    with pytest.raises(RuntimeError):
        torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor([0.0, 2.0]))
    with pytest.raises((TypeError, ValueError), match="(?i)int"):
        F.cross_entropy(mg.tensor(logits), mg.tensor(np.array([0.0, 2.0], dtype=np.float32)))


def test_linear_with_a_bias_of_the_wrong_length_names_the_bias():
    x, w, b = float32_batch(4, 3), float32_batch(2, 3), np.zeros(3, dtype=np.float32)
    with pytest.raises(RuntimeError):
        torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b))
    with pytest.raises((ValueError, RuntimeError)) as info:
        F.linear(mg.tensor(x), mg.tensor(w), mg.tensor(b))
    assert "bias" in str(info.value) and "(3,)" in str(info.value), str(info.value)


def test_linear_with_a_1d_weight_matches_torch_or_names_the_weight():
    x, w = float32_batch(4, 3).astype(np.float64), float32_batch(1, 3)[0].astype(np.float64)
    try:
        F.linear(mg.tensor(x), mg.tensor(w))
    except (ValueError, RuntimeError, TypeError) as exc:
        assert "weight" in str(exc) and "(3,)" in str(exc), f"an unclear error: {exc!r}"
        return
    check(lambda L, a, b: L.F.linear(a, b), x, w)


@pytest.mark.parametrize("out_features", [1, 2])
def test_linear_with_a_bias_of_shape_1_has_a_bias_gradient_of_shape_1(out_features):
    x, w = float32_batch(4, 3).astype(np.float64), float32_batch(out_features, 3).astype(np.float64)
    check(lambda L, a, b, c: L.F.linear(a, b, c), x, w, np.array([0.5]))


def test_binary_cross_entropy_with_a_target_outside_0_1_says_so():
    p = np.array([0.2, 0.9], dtype=np.float32)
    y = np.array([0.0, 2.0], dtype=np.float32)
    with pytest.raises(RuntimeError):
        torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y))
    with pytest.raises((ValueError, RuntimeError), match=r"(?s)target.*(\[0, 1\]|0 and 1)"):
        F.binary_cross_entropy(mg.tensor(p), mg.tensor(y))


@pytest.mark.parametrize("bad", [None, 3, [1.0, 2.0]], ids=["None", "int", "list"])
def test_load_state_dict_of_a_non_mapping_says_it_needs_a_dict(bad):
    with pytest.raises(TypeError):
        torch.nn.Linear(2, 2).load_state_dict(bad)
    with pytest.raises(TypeError, match="(?i)dict"):
        nn.Linear(2, 2).load_state_dict(bad)
