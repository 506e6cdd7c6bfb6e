"""The protocol through which decision logic (AI levers) acts inside the engine.

The engine knows nothing about AI: it asks a :class:`Policy` at its decision points. The base
class implements the plain factory (FIFO dispatching, the spec's inspection rates and standby
timer); ``twin.ai`` subclasses it and the experiment injects the subclass.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["Policy"]


class Policy:
    """Decisions the engine delegates. Override any subset.

    Every method must be deterministic given its arguments and the policy's own named
    random streams, so that runs stay reproducible.
    """

    #: Set to True in subclasses that override :meth:`choose_next`; the engine skips the call
    #: otherwise (FIFO is the hot path).
    dispatches: bool = False

    def choose_next(
        self, station: str, queue_products: Sequence[int], last_product: int | None
    ) -> int:
        """Index in the queue of the job a machine that has just become free takes next.

        Parameters
        ----------
        station
            The station's name.
        queue_products
            Product index of each waiting job, oldest first.
        last_product
            Product the machine ran last (``None`` if none).
        """
        return 0

    def inspect(
        self,
        station: str,
        defective: bool,
        detection_rate: float,
        false_reject_rate: float,
        u: float,
    ) -> bool:
        """Whether an inspection rejects a part (``u``: a U(0,1) draw of the station)."""
        return u < (detection_rate if defective else false_reject_rate)

    def start_run(self, seed: int, replication: int) -> None:
        """Called by the engine before each replication: forget per-run state.

        A policy reused across replications must not carry anything from one run into the
        next, or results would depend on the order runs are made in.
        """

    def on_sensor(self, station: str, machine: int, age_h: float, reading: float) -> bool:
        """Whether a degrading machine's condition reading raises a maintenance alarm.

        Called after every job on stations with ``degradation``; ``True`` schedules a planned
        repair before the machine's next job. The plain factory never raises one (run to
        failure).
        """
        return False

    def observe(
        self, station: str, machine: int, age_h: float, reading: float, remaining_h: float
    ) -> None:
        """Ground truth beside each reading (``remaining_h``: operating hours to breakdown).

        For collecting training data only: a deployed policy must decide from
        :meth:`on_sensor`'s arguments alone.
        """

    def standby_after_min(self, station: str, configured: float | None) -> float | None:
        """Idle minutes after which a machine drops to standby (``None``: never)."""
        return configured
