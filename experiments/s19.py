"""S19: training deep MLPs with each activation on several datasets, all seeds of a cell at once.

One cell = (dataset, activation): the seeds' parameters carry a leading seed axis and train
together through batched matrix products (torch.matmul broadcasting), which gives each seed the numbers it
would get alone: the seeds never mix (loss is a sum of per-seed losses, Adam is elementwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tomllib
import torch

from experiments.allocator import retain_freed_memory
from registry import get
from theory.gaussian import moment

PROTOCOL_PATH = Path(__file__).resolve().parent / "s19_protocol.toml"


def protocol() -> dict:
    return tomllib.loads(PROTOCOL_PATH.read_text(encoding="utf-8"))


def cells(spec: dict) -> list[tuple[str, str]]:
    """Every (dataset, activation) cell of the protocol, dataset by dataset."""
    return [(ds, act) for ds in spec["data"]["datasets"] for act in spec["model"]["activations"]]


def spirals(points: int, turns: float, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals in the plane, Gaussian noise added."""
    rng = np.random.default_rng(seed)
    n = points // 2
    t = np.sqrt(rng.uniform(0, 1, n)) * turns * 2 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (turns * 2 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise / (turns * 2 * np.pi) * 2, (2 * n, 2))
    return x, np.concatenate([np.zeros(n, dtype=int), np.ones(n, dtype=int)])


def load(name: str, spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels, read from scikit-learn's installed files (no download) or made here."""
    if name == "spirals":
        return spirals(**spec["data"]["spirals"])
    from sklearn import datasets

    bunch = {"digits": datasets.load_digits, "breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine}[
        name
    ]()
    return bunch.data.astype(np.float64), bunch.target.astype(int)


@dataclass(frozen=True)
class Split:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: int


def split(name: str, spec: dict) -> Split:
    """One stratified split (seed 0), features standardized with the training statistics."""
    from sklearn.model_selection import train_test_split

    x, y = load(name, spec)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=spec["data"]["test_fraction"], stratify=y, random_state=0)
    mean, std = xtr.mean(axis=0), xtr.std(axis=0)
    std[std == 0] = 1.0
    as_t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    return Split(
        as_t((xtr - mean) / std), torch.as_tensor(ytr), as_t((xte - mean) / std), torch.as_tensor(yte), int(y.max()) + 1
    )


def layer_sizes(data: Split, spec: dict) -> list[int]:
    """[features, width, ..., width, classes]: the protocol's hidden layers between input and output."""
    m = spec["model"]
    return [data.x_train.shape[1]] + [m["width"]] * m["hidden_layers"] + [data.classes]


def gain(activation: str) -> float:
    """sigma_w = 1 / sqrt(E[f(z)^2]): the pre-activation variance stays 1 from layer to layer."""
    return float(1 / math.sqrt(moment(activation, "second", 1.0).value))


def initial_parameters(seeds: list[int], sizes: list[int], activation: str) -> list[torch.Tensor]:
    """Per layer W (S, fan_out, fan_in) and b (S, fan_out, 1): standard-normal draws from each seed,
    identical for every activation (common random numbers), scaled by gain / sqrt(fan_in)."""
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        draws = []
        for seed in seeds:
            g = torch.Generator().manual_seed(seed * 1000 + fan_in * 7 + fan_out)
            draws.append(torch.randn(fan_in, fan_out, generator=g, dtype=torch.float64).T)
        scale = (gain(activation) if fan_out != sizes[-1] else 1.0) / math.sqrt(fan_in)
        params += [torch.stack(draws) * scale, torch.zeros(len(seeds), fan_out, 1, dtype=torch.float64)]
    return [p.requires_grad_(True) for p in params]


def forward(params: list[torch.Tensor], x: torch.Tensor, activation: str) -> torch.Tensor:
    """Logits (S, classes, n) of x (n, features), which the seeds share.

    Units run along rows and samples along columns, h (S, units, n): each layer is W h + b, a
    batched product whose long side is the sample axis, which MKL runs about twice as fast as
    h W with the short side last. The bias is added to the product in place (no new tensor of the
    layer's size, the same sums bit for bit), and the activation is torch's in-place op where there
    is one: its backward takes f' from the output instead of recomputing it (elu: f + alpha, no
    second exp, within alpha eps of alpha e^x; tests/test_routes_agree.py). Overwriting W h and
    W h + b is safe, as neither the product's nor the sum's backward needs that tensor.
    """
    spec = get(activation)
    bound = spec.bind()
    act = spec.torch_inplace or spec.torch_f
    h = x.T  # (features, n): the first product folds the seeds into one matrix product
    for i in range(0, len(params), 2):
        h = torch.matmul(params[i], h).add_(params[i + 1])
        if i + 2 < len(params):
            h = act(h, **bound)
    return h


def per_seed_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean over samples of -log softmax(logits)[y], per seed: shape (S,) from logits (S, classes, n)."""
    logp = torch.log_softmax(logits, dim=1)
    return -logp.gather(1, y.expand(logits.shape[0], 1, -1)).squeeze(1).mean(dim=-1)


@dataclass
class CellResult:
    dataset: str
    activation: str
    seeds: list[int]
    losses: np.ndarray  # (steps + 1, S): training loss before each step and after the last
    steps_to_threshold: list[int | None]
    test_accuracy: list[float]


def train_cell(dataset: str, activation: str, seeds: list[int], spec: dict | None = None) -> CellResult:
    """Train all seeds of one cell together; full batch, Adam, the protocol's budget."""
    retain_freed_memory()  # each step's tensors reuse the last step's memory instead of faulting in new pages
    spec = spec or protocol()
    data = split(dataset, spec)
    t = spec["training"]
    params = initial_parameters(seeds, layer_sizes(data, spec), activation)
    # fused: one elementwise kernel per tensor instead of a dozen ops; the same update per element.
    opt = torch.optim.Adam(params, lr=t["learning_rate"], fused=True)
    history = []
    for _ in range(t["budget_steps"]):
        opt.zero_grad()
        losses = per_seed_loss(forward(params, data.x_train, activation), data.y_train)
        history.append(losses.detach().numpy().copy())
        losses.sum().backward()  # a sum of per-seed losses: each seed's gradient is its own
        opt.step()
    with torch.no_grad():
        history.append(per_seed_loss(forward(params, data.x_train, activation), data.y_train).numpy().copy())
        accuracy = (forward(params, data.x_test, activation).argmax(1) == data.y_test).double().mean(-1).numpy()
    losses = np.array(history)
    threshold = spec["metrics"]["threshold"]
    reached = [
        int(np.argmax(losses[:, s] <= threshold)) if (losses[:, s] <= threshold).any() else None
        for s in range(len(seeds))
    ]
    return CellResult(dataset, activation, list(seeds), losses, reached, accuracy.tolist())
