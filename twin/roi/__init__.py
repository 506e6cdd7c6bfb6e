"""Company ROI of AI levers on one line (``twin roi``): simulated, priced, with uncertainty.

A company names its line (an archetype of the complex or its own factory spec) and the levers
it considers. Orchestration, in three steps:

1. **Runs.** The line is simulated without levers, with each lever alone and with all of them
   together (the *bundle*, :func:`twin.ai.registry.apply_levers`), at the line's demand and at
   saturating demand (its capacity), like the projection (:mod:`twin.projection`), but with a
   demand multiplier that does saturate the line (:func:`saturating_factor`). The runs of a
   replication share their random numbers (common random numbers): every run uses the
   wear-driven form of the line (:func:`twin.projection.common_form`), predictive maintenance
   is applied to the plain line (it makes that form itself), so runs with and without it
   share failure histories.
2. **Effect uncertainty.** Each replication places each lever's effect between its ``low``,
   ``typical`` and ``high`` presets by a symmetric triangular draw ``t`` in [-1, 1] from the
   named stream ``("uncertainty", lever)`` (the same draws as a sampled scenario): the lever
   runs at ``typical`` and at the preset on the side of ``t`` (``high`` for ``t > 0``, ``low``
   for ``t < 0``), and every simulated quantity (KPIs and the 15-minute load profile) is
   placed linearly between them, as :meth:`twin.projection.ArchetypeRuns.delta` does. The
   bundle runs at ``typical``; each replication shifts it by the sum of its levers' own
   shifts from ``typical`` to their draws (an additive shift, chosen over scaling by the
   ratio of summed single-lever changes, which is unstable where that sum is near zero, e.g.
   output at fixed demand). Capex, opex, ramp-up months and edge compute power are placed
   with the same ``t``: a Lighthouse-grade deployment costs more and pays more.
3. **A year's noise.** One run is a week; scaled to a year as it is, its luck (a week
   without breakdowns, two escapes instead of one) would be taken to repeat all year. By
   default (``noise="year"``) each replication's deviation from the mean across the ``R``
   replications is scaled by ``sqrt(days / 365 + 1 / R)``, for the plain line and, pair by
   pair, for each lever set's change against it (:func:`_year_noise`): the variance of a
   future year's outcome around the estimated mean is that of a year of independent runs
   (``days / 365`` of one run's) plus the estimate's own (``1 / R`` of it). The NPV range
   then reflects the levers' effect ranges, a year's variation and how well ``R`` runs pin
   down the mean, not one week's luck; ``noise="run"`` keeps the runs as they are.
4. **Money.** Per replication, the line runs at its operating point: output is the demand
   (``1 + headroom`` times the no-lever output: the market takes that much more) capped by
   capacity, every other quantity follows output along the line between the base and the
   saturated run (:func:`twin.projection.firm_year_kpis`' rule). The lever's steady annual
   benefit against the no-lever line, by kind:

   - ``energy``: the KEPCO time-of-use bill (:func:`twin.economics.annual_bill_krw`: energy
     charge by period, climate-environment and fuel-adjustment charges, and the demand
     charge on the peak 15-minute kW) of the no-lever profile minus the lever's;
   - ``scrap``: materials of scrapped units avoided (scrapped units at the product mix's
     mean material cost; the change of all materials bought would add the noise of which
     lots happen to finish inside the measured week);
   - ``escapes``: escaped defects avoided at ``escape_cost_factor`` x the mix's mean price
     (``data/value_added.yaml``);
   - ``repairs``: breakdown and planned repair machine-hours avoided at a cost per repair
     hour (no repair-cost data exist: :data:`REPAIR_KRW_PER_H`, an estimate, a parameter);
   - ``margin``: contribution of added output, ``(1 - rho) dRevenue`` (``rho``: the mix's
     material share of the price); zero at the default headroom of 0 (the market takes no
     more than the line makes now);
   - ``carbon``: avoided tCO2 (electricity saved minus the lever's edge compute) at the grid
     factor, valued at a carbon price (defaults: ``scenarios/defaults.yaml``).

   Costs: capex at t = 0, opex from year 1 (licences, staff, upkeep from the lever file, plus
   the edge devices' electricity: a constant load priced by the tariff, demand charge
   included). Benefits ramp up over the lever's ``ramp_up_months``
   (:func:`twin.economics.ramped_benefit`); in the bundle each lever's own benefit ramps at
   its pace and the interaction (bundle minus the sum of single levers) at the slowest.
   NPV, IRR, discounted payback and benefit-cost ratio come from :mod:`twin.economics`.
   Amounts are per line times ``scale`` (lines, or the company's employees over the spec's).

**Simulations and effect draws.** By default every replication is one effect draw on its
own simulation (``R`` of each). ``simulations=S`` (a divisor of ``R``) simulates ``S``
replications and places draw ``i`` on simulated replication ``i mod S`` (its lever sets at
the presets the draw needs, common random numbers within it), so each simulation carries
``R / S`` draws: effect uncertainty is still sampled ``R`` times, simulation noise ``S``
times (with ``noise="year"`` shrunk by ``sqrt(days / 365 + 1 / S)``: the fewer the runs, the
less certain their mean and the wider the range). Intervals of means (NPV, KPI changes) are
then those of the ``S`` simulations' means (:attr:`SetResult.simulation_of`), never of the
``R`` draws as if they were independent runs. The result says how many of each it used.

**Store.** ``store=True`` serves a repeat with the same inputs (spec, levers and their files,
tariff, settings, seed, data and code digest) from ``.cache/roi`` (:mod:`twin.roi.store`).

Modules: :mod:`~twin.roi.factory` (the line), :mod:`~twin.roi.runs` (training and
simulations), :mod:`~twin.roi.quantities` (per replication, a year's noise, effect placement,
operating point), :mod:`~twin.roi.pricing` (money), :mod:`~twin.roi.results` (result
classes), :mod:`~twin.roi.company` (:func:`company_roi`), :mod:`~twin.roi.store`.

Results do not depend on the number of worker processes: every run's random numbers are
named by seed and replication, every lever's training by its seed.
"""

from twin.roi.company import company_roi
from twin.roi.factory import MIN_SATURATION, OVERLOAD, Factory, load_factory, saturating_factor
from twin.roi.pricing import HOURS_PER_YEAR, REFERENCE_MONDAY, REPAIR_KRW_PER_H
from twin.roi.quantities import year_noise as _year_noise
from twin.roi.results import BENEFITS, BUNDLE, KPIS, PAYBACK_YEARS, RoiResult, SetResult
from twin.roi.runs import simulations_count

__all__ = [
    "BENEFITS",
    "BUNDLE",
    "HOURS_PER_YEAR",
    "KPIS",
    "MIN_SATURATION",
    "OVERLOAD",
    "PAYBACK_YEARS",
    "REFERENCE_MONDAY",
    "REPAIR_KRW_PER_H",
    "Factory",
    "RoiResult",
    "SetResult",
    "_year_noise",
    "company_roi",
    "load_factory",
    "saturating_factor",
    "simulations_count",
]
