"""AI vision inspection: a classifier on part images' defect features decides at inspection.

The lever acts on the loss pool **escapes and false rejects** at every station with an
``inspection``, through the engine's inspection hook (:meth:`Policy.inspect`).

1. **Parts.** Each inspected part carries ``N_FEATURES`` image features (a synthetic stand-in
   for what a vision model extracts): good parts are standard normal with a shared lighting
   factor; a defective part has one of four defect types, each moving a few features by
   ``separability`` (solder excess, missing or insufficient material, misalignment of either
   sign, contamination that widens the spread of four features). Low separability makes good
   and defective parts overlap: a weaker model at the ``low`` level. All draws come from the
   lever's named streams (:func:`part_features`).

2. **Model.** A scikit-learn ``HistGradientBoostingClassifier`` (the misalignment and
   contamination types are not linearly separable) is fitted on a training set enriched in
   defects (a labelled defect library). The decision threshold is the validation good parts'
   ``1 - target_false_reject_rate`` quantile: the line sets the over-rejection it accepts,
   the model's separability sets the detection it gets. Detection rate, false-reject rate and
   AUC are measured on held-out test parts (``TABLE_SIZE`` good and as many defective ones)
   and reported beside the human baseline (``human_detection_rate``,
   ``human_false_reject_rate``, a classic visual-inspection study).

3. **In the loop** (:class:`VisionPolicy`). The model's decisions on the test parts, which
   neither the fit nor the threshold has seen, are kept as two tables (good and defective
   parts). At an inspection, the part's decision is the table entry picked by the station's
   U(0,1) draw ``u`` (its low-order bits, independent of the high-order bits the human check
   ``u < rate`` uses): a fresh part per inspection, with no state carried between calls, so a
   run's result does not depend on which runs came before, and the realised rates in the run
   are the model's measured ones. Mode (lever parameter ``assist``):

   - *assist* (1, typical): the station's existing inspection stays and the AI is a second
     gate: reject if either flags, detection ``1 - (1 - d_ai)(1 - d_station)``, false
     rejects ``1 - (1 - f_ai)(1 - f_station)``;
   - *replace* (0): the AI decides alone.

   ``assist`` is the typical preset because deployed AI vision usually keeps a human or
   rule-based gate (AI second gate behind AOI; a human-review gate is kept) and because a
   second gate can only lower escapes; ``high`` replaces the human check, cutting false
   rejects and inspection labour with the best model.

The spec is returned unchanged (inspection cycle times are not touched: the shipped
archetypes' inspection stations are automated test and AOI steps).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from twin.ai.lever import AppliedLever
from twin.ai.threads import single_thread
from twin.config.factory import SCRAP, FactorySpec, Station
from twin.config.lever import Level, LeverSpec
from twin.core.policy import Policy
from twin.core.streams import stream

__all__ = [
    "DEFECT_TYPES",
    "N_FEATURES",
    "TABLE_SIZE",
    "VisionModel",
    "VisionPolicy",
    "apply",
    "part_features",
    "train",
]

NAME = "vision_qc"
N_FEATURES = 12
TABLE_SIZE = 1 << 15
"""Test parts of each class, whose decisions the in-loop policy holds."""
_INDEX_SCALE = float(1 << 20)
"""``u * 2**20 mod 1`` keeps the draw's low-order bits: the table index."""
DEFECT_TYPES: tuple[tuple[str, float], ...] = (
    ("excess", 0.35),
    ("missing", 0.25),
    ("misalignment", 0.25),
    ("contamination", 0.15),
)
"""Defect types and their shares among defective parts."""
LIGHTING = 0.5
"""Weight of the lighting factor shared by all features of a part (a nuisance)."""
TRAIN_GOOD, TRAIN_DEFECT = 8000, 4000
VALIDATION_GOOD, VALIDATION_DEFECT = 20000, 2000


def part_features(
    rng: np.random.Generator, defective: np.ndarray, separability: float
) -> np.ndarray:
    """Image features of parts: one row per part.

    Parameters
    ----------
    rng
        The stream to draw from.
    defective
        Boolean per part.
    separability
        How far defects move their features (in standard deviations of a good part).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, N_FEATURES)``.
    """
    defective = np.asarray(defective, dtype=bool)
    n = defective.size
    x = rng.standard_normal((n, N_FEATURES)) + LIGHTING * rng.standard_normal((n, 1))
    shares = np.array([s for _, s in DEFECT_TYPES])
    kind = rng.choice(len(DEFECT_TYPES), size=n, p=shares / shares.sum())
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    d = separability
    for k in range(len(DEFECT_TYPES)):
        rows = np.flatnonzero(defective & (kind == k))
        if k == 0:  # excess material: two features up
            x[rows, 0] += d
            x[rows, 1] += 0.6 * d
        elif k == 1:  # missing or insufficient: two features down
            x[rows, 2] -= d
            x[rows, 3] -= 0.6 * d
        elif k == 2:  # misalignment, either direction
            x[rows, 4] += sign[rows] * d
            x[rows, 5] += sign[rows] * 0.6 * d
        else:  # contamination: wider spread of four features
            x[np.ix_(rows, [6, 7, 8, 9])] *= 1.0 + 0.5 * d
    return x


def _sample(seed: int, split: str, n_good: int, n_bad: int, sep: float):
    y = np.concatenate([np.zeros(n_good, bool), np.ones(n_bad, bool)])
    return part_features(stream(seed, "lever", NAME, split), y, sep), y


@dataclass(frozen=True)
class VisionModel:
    """The trained classifier's decisions and measured quality."""

    good_flags: tuple[bool, ...]
    """Decision (reject) on each of ``TABLE_SIZE`` good test parts."""
    defect_flags: tuple[bool, ...]
    """Decision on each of ``TABLE_SIZE`` defective test parts."""
    detection_rate: float
    false_reject_rate: float
    auc: float
    threshold: float


def train(separability: float, target_false_reject_rate: float, seed: int) -> VisionModel:
    """Fit the defect classifier, set its threshold, test it (the test decisions are the
    in-loop tables).

    Parameters
    ----------
    separability
        Defect feature shift (see :func:`part_features`).
    target_false_reject_rate
        Share of good parts the threshold rejects on validation data.
    seed
        The lever's seed: training, validation and test parts and the model's
        ``random_state`` come from its named streams.

    Returns
    -------
    VisionModel
        Test detection and false-reject rates, AUC, and the decision tables.
    """
    if not 0 < target_false_reject_rate < 1:
        raise ValueError("target_false_reject_rate must lie in (0, 1)")
    x, y = _sample(seed, "train", TRAIN_GOOD, TRAIN_DEFECT, separability)
    rs = int(stream(seed, "lever", NAME, "model").integers(0, 2**31 - 1))
    clf = HistGradientBoostingClassifier(max_iter=150, early_stopping=False, random_state=rs)
    with single_thread():
        clf.fit(x, y)
        xv, yv = _sample(seed, "validation", VALIDATION_GOOD, VALIDATION_DEFECT, separability)
        sv = clf.decision_function(xv[~yv])  # the threshold is set on good parts
        xt, yt = _sample(seed, "test", TABLE_SIZE, TABLE_SIZE, separability)
        st = clf.decision_function(xt)
    threshold = float(np.quantile(sv, 1.0 - target_false_reject_rate))
    flag = st > threshold
    return VisionModel(
        good_flags=tuple(flag[~yt].tolist()),
        defect_flags=tuple(flag[yt].tolist()),
        detection_rate=float(flag[yt].mean()),
        false_reject_rate=float(flag[~yt].mean()),
        auc=float(roc_auc_score(yt, st)),
        threshold=threshold,
    )


class VisionPolicy(Policy):
    """AI inspection decisions at the named stations (other stations keep their rates).

    Parameters
    ----------
    model
        The trained model (its decision tables).
    stations
        Stations whose inspection the AI joins or replaces.
    assist
        ``True``: reject if the AI or the station's own inspection flags; ``False``: the AI
        decides alone.
    """

    def __init__(self, model: VisionModel, stations: Iterable[str], assist: bool) -> None:
        self.model = model
        self.stations = frozenset(stations)
        self.assist = bool(assist)
        self._good = list(model.good_flags)
        self._bad = list(model.defect_flags)
        self._n = len(self._good)

    def inspect(
        self,
        station: str,
        defective: bool,
        detection_rate: float,
        false_reject_rate: float,
        u: float,
    ) -> bool:
        """Reject or pass the part: the AI's decision on a fresh part (and the station's)."""
        human = u < (detection_rate if defective else false_reject_rate)
        if station not in self.stations:
            return human
        i = int((u * _INDEX_SCALE) % 1.0 * self._n)
        ai = self._bad[i] if defective else self._good[i]
        return (ai or human) if self.assist else ai

    def __repr__(self) -> str:
        mode = "assist" if self.assist else "replace"
        return f"VisionPolicy({sorted(self.stations)}, {mode})"


@functools.lru_cache(maxsize=16)
def _trained(separability: float, target_frr: float, seed: int) -> VisionModel:
    return train(separability, target_frr, seed)


def _either(a: float, b: float) -> float:
    """Probability that at least one of two independent checks fires."""
    return 1.0 - (1.0 - a) * (1.0 - b)


def apply(spec: FactorySpec, lever: LeverSpec, level: Level, seed: int) -> AppliedLever:
    """Apply AI vision inspection at ``level`` to every station with an ``inspection``.

    Parameters
    ----------
    spec
        The factory (returned unchanged).
    lever
        ``data/levers/vision_qc.yaml``: ``separability``, ``target_false_reject_rate``,
        ``assist``, ``human_detection_rate``, ``human_false_reject_rate``.
    level
        Effect level.
    seed
        The lever's seed.

    Returns
    -------
    AppliedLever
        The spec, a :class:`VisionPolicy` (``None`` if nothing is inspected) and the quality
        on test parts: ``ai_detection_rate``, ``ai_false_reject_rate``, ``auc``; the human
        baseline ``human_detection_rate``, ``human_false_reject_rate``; and
        ``detection_rate``, ``false_reject_rate`` of the deployed decision against that
        baseline (the AI alone, or AI or human in assist mode), ``assist`` (1 or 0);
        ``cost_per_part_change[station]`` (:func:`inspection_cost` with the AI minus without,
        in units of the part's price), ``inspection_stations`` and ``deployed_stations``.

    The AI is deployed only at the inspection stations where it lowers the expected cost per
    part: the escapes it catches (each costing ``escape_cost_factor`` times the price) against
    the good parts it rejects as well. A firm would not keep a system that scraps more value
    than it saves; where no station gains, the policy is ``None`` (the line runs as before).
    """
    model = _trained(
        lever.value("separability", level), lever.value("target_false_reject_rate", level), seed
    )
    assist = lever.value("assist", level) >= 0.5
    d_h = lever.value("human_detection_rate", level)
    f_h = lever.value("human_false_reject_rate", level)
    quality = {
        "ai_detection_rate": model.detection_rate,
        "ai_false_reject_rate": model.false_reject_rate,
        "auc": model.auc,
        "human_detection_rate": d_h,
        "human_false_reject_rate": f_h,
        "detection_rate": _either(model.detection_rate, d_h) if assist else model.detection_rate,
        "false_reject_rate": (
            _either(model.false_reject_rate, f_h) if assist else model.false_reject_rate
        ),
        "assist": 1.0 if assist else 0.0,
    }
    if not math.isfinite(model.threshold):
        raise ValueError("vision model threshold is not finite")
    escape_cost = lever.value("escape_cost_factor", level)
    stations = []
    for st, prevalence in _prevalence_at_inspections(spec):
        ins = st.inspection
        d_ai = _either(model.detection_rate, ins.detection_rate) if assist else model.detection_rate
        f_ai = (
            _either(model.false_reject_rate, ins.false_reject_rate)
            if assist
            else model.false_reject_rate
        )
        reject_cost = 1.0 if ins.reject_to == SCRAP else REWORK_COST
        before = inspection_cost(
            prevalence, ins.detection_rate, ins.false_reject_rate, escape_cost, reject_cost
        )
        after = inspection_cost(prevalence, d_ai, f_ai, escape_cost, reject_cost)
        quality[f"cost_per_part_change[{st.name}]"] = after - before
        if after < before:
            stations.append(st.name)
    quality["inspection_stations"] = float(sum(1 for s in spec.stations if s.inspection))
    quality["deployed_stations"] = float(len(stations))
    policy = VisionPolicy(model, stations, assist) if stations else None
    return AppliedLever(name=NAME, spec=spec, policy=policy, quality=quality)


#: Cost of sending a good part to rework, as a share of its price (an estimate: a rework
#: pass costs labour and machine time, not the part).
REWORK_COST = 0.25


def inspection_cost(
    prevalence: float,
    detection: float,
    false_reject: float,
    escape_cost: float,
    reject_cost: float,
) -> float:
    """Expected cost per inspected part, in units of the part's price.

    ``prevalence x (1 - detection) x escape_cost`` for defects that escape plus
    ``(1 - prevalence) x false_reject x reject_cost`` for good parts rejected (scrapped:
    1, sent to rework: :data:`REWORK_COST`). Caught defects cost the same with or without
    the AI and are left out.
    """
    return (
        prevalence * (1.0 - detection) * escape_cost
        + (1.0 - prevalence) * false_reject * reject_cost
    )


def _prevalence_at_inspections(spec: FactorySpec) -> list[tuple[Station, float]]:
    """Each inspection station with the defect share of the parts reaching it.

    Walks the stations in file order (the shipped specs list them along the flow): defects
    accumulate by each station's ``defect_rate`` and an inspection removes the share it
    catches. An approximation for branching routes.
    """
    out = []
    p = 0.0
    for st in spec.stations:
        p = 1.0 - (1.0 - p) * (1.0 - st.defect_rate)
        if st.inspection is not None:
            out.append((st, p))
            d = st.inspection.detection_rate
            p = p * (1.0 - d) / max(1.0 - p * d, 1e-12)
    return out
