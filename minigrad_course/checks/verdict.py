"""Friendly verdicts for the course's exercises, and the helpers every checker shares.

A checker runs the learner's function on test inputs and prints what is right,
or what is wrong and where, instead of failing with a bare assertion. It
returns a `Verdict` (True or False) so a notebook (or a test) can also use the
result. An exercise not yet attempted (its stub raises NotImplementedError)
gets "not done yet", never a traceback.

    printing        passed, failed, not_done, hint
    calling         attempt, answer: run the learner's function, report a stub or a crash;
                    changed_in_place: did it change the arrays it was given?
    return values   one_number, tuple_of, numbers, one_array, arrays, number_dict: the
                    learner's answer in a known form, or None after saying what is wrong with it
    numbers         compare, compare_exactly, allclose, first_slip, named_slip,
                    hint_first_slip: against the reference, and against the known slips
    method          method_allowed: where an exercise forbids a shortcut (calling the
                    library, autograd, a finite difference), is it used?
    references      random_state_kept, float64_leaves, autograd_gradients
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import types
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from minigrad.backend import get_rng_state, set_rng_state
from minigrad.tensor import Tensor

PASS, FAIL, TODO = "✅", "❌", "⏳"

# Agreement that a formula reaches and a finite difference cannot: a central difference gets
# about 10 digits at its best step (1e-11 relative), Richardson extrapolation about 12.
EXACT_ATOL, EXACT_RTOL = 1e-14, 1e-13


class Verdict:
    """True or False, as a checker's answer; a notebook shows only the printed message, not this value."""

    __slots__ = ("ok",)

    def __init__(self, ok: bool):
        self.ok = bool(ok)

    def __bool__(self) -> bool:
        return self.ok

    def __eq__(self, other: object) -> bool:
        return self.ok == bool(other) if isinstance(other, (bool, Verdict)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.ok)

    def __repr__(self) -> str:
        return f"Verdict({self.ok})"

    def _ipython_display_(self) -> None:
        """The message was printed already: display nothing more."""


def returns_verdict(checker: Callable[..., Any]) -> Callable[..., Verdict]:
    """Make every answer of `checker` a Verdict, whatever truth value its code returns."""
    @functools.wraps(checker)
    def wrapper(*args: Any, **kwargs: Any) -> Verdict:
        return Verdict(bool(checker(*args, **kwargs)))
    return wrapper


# --- printing ---------------------------------------------------------------------------------


def passed(message: str) -> Verdict:
    print(f"{PASS} {message}")
    return Verdict(True)


def failed(message: str) -> Verdict:
    print(f"{FAIL} {message}")
    return Verdict(False)


def not_done(name: str) -> Verdict:
    print(f"{TODO} {name} is not done yet: replace `raise NotImplementedError` with your code, then run this check again.")
    return Verdict(False)


def hint(message: str) -> None:
    """A second line under a failure: the likely slip, and what to do."""
    print(f"   Hint: {message}")


# --- calling the learner's function -------------------------------------------------------------


def attempt(fn: Callable, *args: Any, name: str | None = None, where: str | None = None,
            **kwargs: Any) -> tuple[bool, Any]:
    """Call the learner's fn: (True, result), or (False, what stopped it) after saying why it could not run.

    What stopped it is the exception (NotImplementedError for a stub), or None when fn is not a
    function. `where` (a test's description) starts the message of a crash.
    """
    label = name or label_of(fn, "your function")
    if not callable(fn):
        failed(f"expected a function for {label}, got {type(fn).__name__}")
        return False, None
    try:
        return True, fn(*args, **kwargs)
    except NotImplementedError as exc:
        not_done(label)
        return False, exc
    except Exception as exc:  # the learner's code crashed: say where, keep the notebook running
        failed(f"{where + ': ' if where else ''}{label} raised {type(exc).__name__}: {exc}")
        return False, exc


def answer(read: Callable[[str, Any], Any], what: str, fn: Callable, *args: Any, name: str, **kwargs: Any) -> Any:
    """Call the learner's fn (as `attempt` does) and read its answer with `read` (one_number, one_array,
    ...): what `read` makes of it, or None after saying why there is none (a stub, a crash, a wrong answer
    type). `what` names the call in the messages."""
    ok, got = attempt(fn, *args, name=name, **kwargs)
    return read(what, got) if ok else None


def changed_in_place(originals: Sequence[np.ndarray], inputs: Sequence[np.ndarray]) -> bool:
    """Did the learner's function change any of the arrays it was given? `originals` are copies made before."""
    return any(not np.array_equal(original, now) for original, now in zip(originals, inputs))


# --- the learner's return value, in a known form ------------------------------------------------


def article(value: Any) -> str:
    """'a list', 'an ndarray': the type of `value` with its article."""
    name = type(value).__name__
    return f"{'an' if name[0].lower() in 'aeiou' or name == 'ndarray' else 'a'} {name}"


def as_array(value: Any) -> np.ndarray:
    """Numbers, lists, NumPy arrays, Values and Tensors as float64 NumPy arrays."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    elif hasattr(value, "data") and isinstance(getattr(value, "data"), (int, float)):
        value = value.data
    return np.asarray(value, dtype=np.float64)


def label_of(fn: Any, default: str) -> str:
    """The name to call the learner's function by: its own, or the exercise's for a lambda."""
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() else default


def returned_none(what: str, got: Any) -> bool:
    """True (after saying so) when the learner's function returned None."""
    if got is None:
        failed(f"{what} returned None: did you forget `return`?")
        return True
    return False


def _as_number(value: Any) -> tuple[float | None, str]:
    """(the number, "") for a single number, else (None, what `value` is instead)."""
    try:
        array = as_array(value)
    except (TypeError, ValueError):
        return None, article(value)
    if array.size != 1:
        return None, f"{array.size} numbers (shape {array.shape})"
    return float(array.reshape(())), ""


def one_number(what: str, got: Any) -> float | None:
    """The learner's single number as a float, or None after saying why it is not one."""
    if returned_none(what, got):
        return None
    number, instead = _as_number(got)
    if number is None:
        failed(f"{what}: expected one number, got {instead}")
    return number


def tuple_of(what: str, got: Any, names: Sequence[str], kind: str = "values") -> tuple | None:
    """`got` as a tuple of len(names) values, or None after saying what it is instead."""
    if returned_none(what, got):
        return None
    if isinstance(got, (tuple, list)) and len(got) == len(names):
        return tuple(got)
    have = f"{len(got)} value{'s' * (len(got) != 1)}" if isinstance(got, (tuple, list)) else article(got)
    failed(f"{what}: expected {len(names)} {kind} ({', '.join(names)}), got {have}")
    return None


def numbers(what: str, got: Any, names: Sequence[str]) -> list[float] | None:
    """The learner's tuple of single numbers as floats, or None after saying what is wrong with it."""
    if tuple_of(what, got, names, "numbers") is None:
        return None
    out = []
    for name, value in zip(names, got):
        number, instead = _as_number(value)
        if number is None:
            failed(f"{what}: {name} should be one number, got {instead}")
            return None
        out.append(number)
    return out


def one_array(what: str, got: Any) -> np.ndarray | None:
    """The learner's array (or list, Tensor, number) as float64, or None after saying why it is not one."""
    if returned_none(what, got):
        return None
    try:
        return as_array(got)
    except (TypeError, ValueError):
        failed(f"{what}: expected an array of numbers, got {article(got)}")
        return None


def arrays(what: str, got: Any, names: Sequence[str], shape: tuple | None = None) -> list[np.ndarray] | None:
    """The learner's tuple of arrays as float64 arrays (each of `shape`, if given), or None after saying
    what is wrong with it."""
    if tuple_of(what, got, names, "arrays") is None:
        return None
    out = []
    for name, value in zip(names, got):
        if value is None:
            failed(f"{what}: {name} is None (did you forget to compute or return it?)")
            return None
        array = one_array(f"{what}: {name}", value)
        if array is None:
            return None
        if shape is not None and array.shape != shape:
            failed(f"{what}: {name} has shape {array.shape}, expected {shape}")
            return None
        out.append(array)
    return out


def number_dict(what: str, got: Any, keys: Sequence[str]) -> dict[str, float] | None:
    """The learner's dict {key: number} as floats, or None after saying which key is missing or wrong."""
    if returned_none(what, got):
        return None
    if not isinstance(got, dict):
        failed(f"{what}: expected a dict like {{{', '.join(f'{k!r}: ...' for k in keys)}}}, got {article(got)}")
        return None
    missing = [k for k in keys if k not in got]
    if missing:
        failed(f"{what}: your dict has no key {', '.join(map(repr, missing))} (it needs {', '.join(map(repr, keys))})")
        return None
    out = {}
    for key in keys:
        try:
            out[key] = float(as_array(got[key]).reshape(()))
        except (TypeError, ValueError):
            failed(f"{what}: the value for {key!r} should be a number, got {article(got[key])}")
            return None
    return out


# --- numbers against the reference ----------------------------------------------------------------


def allclose(a: Any, b: Any, atol: float = 1e-8, rtol: float = 1e-5) -> bool:
    """Same shape and close everywhere (numbers, arrays, Tensors; never warns, False if not numeric)."""
    try:
        a, b = as_array(a), as_array(b)
    except (TypeError, ValueError):
        return False
    with np.errstate(all="ignore"):
        return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=rtol))


def compare(what: str, got: Any, expected: Any, atol: float = 1e-6, rtol: float = 1e-4,
            inputs: np.ndarray | None = None, name: str = "x") -> Verdict:
    """One verdict: is `got` close to `expected`? If not, say which element differs and by how much.

    For a function applied element-wise to `inputs` (of the shape of `expected`), the element
    is named by its input, `name` = value, instead of by its index.
    """
    try:
        mine, ref = as_array(got), as_array(expected)
    except (TypeError, ValueError):
        return failed(f"{what}: expected a number or an array, got {article(got)}")
    if mine.shape != ref.shape:
        return failed(f"{what}: shape {mine.shape}, expected {ref.shape}")
    close = np.isclose(mine, ref, atol=atol, rtol=rtol, equal_nan=True)
    if close.all():
        return Verdict(True)
    i = tuple(int(k) for k in np.argwhere(~close)[0])
    at = f" at {name} = {inputs[i]:.4g}" if inputs is not None else f" at index {i}" if i else ""
    how_many = f"; {int((~close).sum())} of {close.size} values differ" if close.size > 1 else ""
    return failed(f"{what}{at}: you have {mine[i]:.6g}, expected {ref[i]:.6g} (off by {mine[i] - ref[i]:.3g}{how_many})")


def compare_exactly(what: str, got: Any, expected: Any, asks: str) -> Verdict:
    """compare() at the agreement of a formula (EXACT_ATOL, EXACT_RTOL), which a finite difference
    cannot reach; when `got` is right only to a finite difference's accuracy, say that the exercise
    `asks` for something else."""
    if compare(what, got, expected, atol=EXACT_ATOL, rtol=EXACT_RTOL):
        return Verdict(True)
    hint_if_approximate(got, expected, asks)
    return Verdict(False)


def hint_if_approximate(got: Any, expected: Any, asks: str) -> bool:
    """When `got` is close to `expected` but not exact, as a finite difference is, say that the exercise
    `asks` for something else (True)."""
    if allclose(got, expected, atol=EXACT_ATOL, rtol=EXACT_RTOL) or not allclose(got, expected, atol=1e-8, rtol=1e-5):
        return False
    hint(f"close, but not exact: off by about as much as a finite difference is. This exercise asks {asks}")
    return True


def first_slip(mine: Any, slips: Iterable[tuple[Any, str]], atol: float = 1e-8, rtol: float = 1e-5) -> str | None:
    """The message of the first (wrong answer, message) pair whose wrong answer equals `mine`, or None."""
    for wrong, message in slips:
        if allclose(mine, wrong, atol=atol, rtol=rtol):
            return message
    return None


def named_slip(what: str, mine: float, expected: float, slips: Iterable[tuple[Any, str]],
               atol: float = 1e-9, rtol: float = 1e-6) -> bool:
    """True (after saying which) when the number `mine` is not `expected` but equals a known wrong answer."""
    if allclose(mine, expected, atol, rtol):
        return False
    message = first_slip(mine, slips, atol, rtol)
    if message is None:
        return False
    failed(f"{what}: you have {mine:.6g}, expected {expected:.6g}: {message}")
    return True


def hint_first_slip(mine: Any, slips: Iterable[tuple[Any, str]], fallback: str | None = None,
                    atol: float = 1e-8, rtol: float = 1e-5) -> None:
    """Print the hint of the first known slip that reproduces `mine`, else the fallback (if any)."""
    message = first_slip(mine, slips, atol, rtol) or fallback
    if message:
        hint(message)


# --- the method: where an exercise forbids a shortcut -----------------------------------------


def _code_names(code: types.CodeType) -> Iterator[str]:
    """The global and attribute names a code object (and the functions nested in it) refers to."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_names(const)


def _referred_objects(fn: types.FunctionType) -> Iterator[tuple[str, Any]]:
    """(name, object) for every name fn's code refers to, the object None when it is no global or closure."""
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    for name in _code_names(fn.__code__):
        yield name, fn.__globals__.get(name)
    for name, cell in cells.items():
        with contextlib.suppress(ValueError):  # an empty cell
            yield name, cell.cell_contents


def names_used(fn: Callable) -> set[str] | None:
    """Every global and attribute name fn refers to, also inside the functions it calls that were defined
    next to it (same module), plus the real names of functions and classes it uses under another name.

    Read from the compiled code, so it works for lambdas and functions defined by exec, and a local
    variable never counts. A decorated function, a functools.partial or a bound method is read through.
    None when fn is not a Python function (its code cannot be read).
    """
    wrapper, fn = fn, inspect.unwrap(fn) if callable(fn) else fn
    while isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__func__", fn)
    if not inspect.isfunction(fn):
        return None
    names: set[str] = set() if fn is wrapper else {fn.__name__}  # a wrapped function is used by its name
    todo, seen = [fn], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, obj in _referred_objects(current):
            names.add(name)
            real = getattr(obj, "__name__", None) if inspect.isroutine(obj) or inspect.isclass(obj) else None
            if isinstance(real, str):
                names.add(real)
            if inspect.isfunction(obj) and obj.__module__ == fn.__module__:
                todo.append(obj)
    return names


def method_allowed(fn: Callable, label: str, forbidden: Iterable[str], asks: str) -> bool:
    """Does fn avoid every name in `forbidden`? If not, say kindly what the exercise `asks` for (False).

    When fn's code cannot be read, say that only the numbers are checked (True).
    """
    used = names_used(fn)
    if used is None:
        if callable(fn):
            print(f"   (The method of {label} could not be checked, only its numbers: it is not a plain "
                  "Python function.)")
        return True
    own_name = getattr(fn, "__name__", "")
    shortcuts = sorted(n for n in set(forbidden) & used if n != own_name)
    if not shortcuts:
        return True
    failed(f"{label} uses {' and '.join(f'`{n}`' for n in shortcuts)}. It may well give the right answer, "
           f"but this exercise asks {asks}")
    return False


# --- references ------------------------------------------------------------------------------------


@contextlib.contextmanager
def random_state_kept() -> Iterator[None]:
    """Seed minigrad's generators freely inside; restore them afterwards.

    So running a check changes none of the random numbers the notebook draws next
    (a model initialised after the check is the same whether or not the exercise was done).
    """
    saved = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(saved)


def float64_leaves(values: Sequence[Any]) -> list[Tensor]:
    """Fresh float64 Tensors that require grad (copies: nobody can spoil the test data through them)."""
    return [Tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]


def autograd_gradients(fn: Callable[..., Tensor], inputs: Sequence[Any], upstream: Any = None
                       ) -> tuple[np.ndarray, list[np.ndarray]]:
    """y = fn(*inputs) on float64 leaves, and the gradient of each input for dL/dy = `upstream`
    (ones if None), by minigrad's autograd: a reference independent of the learner's formulas."""
    leaves = float64_leaves(inputs)
    out = fn(*leaves)
    out.backward(np.ones(out.shape) if upstream is None else np.asarray(upstream, dtype=np.float64))
    return out.numpy(), [np.array(leaf.grad) if leaf.grad is not None else np.zeros(leaf.shape) for leaf in leaves]
