"""An event-driven SimPy model of a production system, built from a :class:`FactorySpec`.

The hot path uses plain callbacks on SimPy events instead of generator processes, and keeps
statistics as running sums of time in each state (no event logs):

- every machine is a small state machine (processing, setup, idle, standby, warm-up, blocked,
  failed, off); a change of state adds the time spent in the old state to its station's total
  and moves the factory's total power, which is integrated exactly into 15-minute bins;
- breakdowns count operating (processing) time; a failure preempts the job, which resumes
  with its remaining work after repair; shift ends pause work the same way;
- a part finishing at a station whose successor's input buffer is full stays on its machine,
  which is then *blocked* (blocking after service) until a place frees up.

Pending events are never removed from SimPy's queue: each machine holds a reference to its
one live event, dropped or replaced whenever that event becomes stale, and stale callbacks
return at once.

Speed (the projection runs the engine thousands of times): events are light :class:`_Call`
objects pushed straight onto SimPy's queue, the commonest steps are inlined (marked where they
are), random streams are created at their first draw, wear paths are summed with numpy, and
condition readings are only taken when the policy looks at them. None of this changes a
result: every stream yields the same numbers in the same order, and every sum is taken in the
same order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from heapq import heappush

import numpy as np
from simpy import Environment
from simpy.events import NORMAL

from twin.config.factory import SCRAP, FactorySpec
from twin.core.policy import Policy
from twin.core.streams import stream
from twin.des.calendar import on_intervals
from twin.des.results import STATES, RepResult, build_result
from twin.des.sampling import BATCH, batch_drawer, buffered, make_sampler, uniform_sampler

__all__ = ["simulate"]

PROC, SETUP, IDLE, STANDBY, WARMUP, BLOCKED, FAILED, OFF, MAINT = range(9)
assert STATES[PROC] == "processing" and STATES[OFF] == "off" and STATES[MAINT] == "maintenance"
BIN_MIN = 15.0


class _Call:
    """A timed callback on SimPy's event queue (see :meth:`_Model._after`).

    :meth:`simpy.Environment.step` pops it at its time and calls each function in
    ``callbacks`` with it; ``_value`` is their argument (a machine, or ``None``). It carries
    only the attributes ``step`` reads, which makes it much cheaper than a
    :class:`simpy.events.Event`.
    """

    __slots__ = ("_value", "callbacks")
    _ok = True  # a succeeded event, as far as SimPy is concerned


class _LazyStream:
    """A named random stream, created at its first draw.

    Stands in for the :class:`numpy.random.Generator` (every attribute is the generator's):
    creating one costs tens of microseconds, and many (a station's inspection stream, a
    machine's planned-repair stream ...) are never drawn from in a run. Streams are pure
    functions of their names, so when one is created changes nothing.
    """

    __slots__ = ("_gen", "_name")

    def __init__(self, *name: str | int) -> None:
        self._name = name
        self._gen: np.random.Generator | None = None

    def __getattr__(self, attr: str):  # only reached for the generator's attributes
        if self._gen is None:
            self._gen = stream(*self._name)
        return getattr(self._gen, attr)


def _overrides(policy: Policy, hook: str) -> bool:
    """Whether ``policy`` answers ``hook`` with anything but :class:`Policy`'s default."""
    return getattr(getattr(policy, hook), "__func__", None) is not getattr(Policy, hook)


class _Job:
    __slots__ = ("defective", "id", "product", "q_enter", "release_t")

    def __init__(self, jid: int, product: int, t: float) -> None:
        self.id = jid
        self.product = product
        self.release_t = t
        self.defective = False
        self.q_enter = t


class _Machine:
    __slots__ = (
        "dest",
        "ev",
        "index",
        "job",
        "last_product",
        "life",
        "maint_due",
        "paused",
        "planned_draw",
        "remaining",
        "seg_start",
        "sensor",
        "since",
        "state",
        "station",
        "ttf",
        "ttf_draw",
        "ttr_draw",
        "wear",
    )

    def __init__(self, station: _Station, index: int) -> None:
        self.station = station
        self.index = index
        self.state = IDLE
        self.since = 0.0
        self.ev: _Call | None = None  # the one scheduled event still meant for this machine
        self.job: _Job | None = None
        self.remaining = 0.0  # work (setup, warm-up or processing) left in the current step
        self.seg_start = 0.0
        self.ttf: float | None = None  # operating minutes to the next failure
        self.ttf_draw = None
        self.ttr_draw = None
        self.last_product: int | None = None
        self.paused = IDLE  # state to return to at the next shift start
        self.dest: _Station | None = None  # where a blocked machine's part is waiting to go
        # Degradation: the current life's length (operating minutes), its wear path (wear at
        # each whole operating hour), the sensor's noise sampler (None when the policy ignores
        # readings), a pending planned repair.
        self.life = 0.0
        self.wear: list[float] = []
        self.sensor = None
        self.maint_due = False
        self.planned_draw = None


class _Source:
    """The job release, as an 'upstream machine' that can be blocked by the first buffer."""

    __slots__ = ("job",)

    def __init__(self) -> None:
        self.job: _Job | None = None


class _Station:
    __slots__ = (
        "blocked",
        "cap",
        "defect_rate",
        "detect",
        "false_reject",
        "idle",
        "index",
        "inspects",
        "machines",
        "name",
        "next",
        "power",
        "pt",
        "q_area",
        "q_last",
        "queue",
        "reject_to",
        "rework",
        "route_cum",
        "route_to",
        "setup",
        "standby_after",
        "state_time",
        "u_defect",
        "u_inspect",
        "u_route",
        "visits_done",
        "wait_n",
        "wait_sum",
        "warmup",
    )

    def __init__(self, index: int, name: str) -> None:
        self.index = index
        self.name = name
        self.queue: deque[_Job] = deque()
        self.blocked: deque[_Machine | _Source] = deque()
        self.idle: list[_Machine] = []
        self.machines: list[_Machine] = []
        self.state_time = [0.0] * len(STATES)
        self.q_area = 0.0
        self.q_last = 0.0
        self.wait_sum = 0.0
        self.wait_n = 0
        self.visits_done = 0


def _life_sampler(m: _Machine, draw_wear: Callable[[int], np.ndarray], keep_path: bool):
    """A sampler of operating minutes to breakdown that also stores the wear path on ``m``.

    Wear grows by one draw of ``wear_per_h`` per operating hour, linearly within the hour;
    the machine breaks down where the path crosses 1. ``draw_wear(n)`` gives ``n`` hourly
    increments (drawn ``BATCH`` at a time, in order, each used once). The path (wear at each
    whole operating hour) is only kept when ``keep_path``, for the sensor.

    The path is a running sum, taken with :func:`numpy.cumsum` a batch at a time instead of
    hour by hour in Python (a life is about a thousand hours). ``cumsum`` adds left to right,
    as the hourly loop did: ``w = w + inc``, with non-positive increments counted as ``0.0``
    (``w + 0.0 == w``), so lives and paths are the same to the last bit.
    """
    buf = np.empty(0)  # increments drawn and not yet used: buf[pos:]
    pos = 0

    def draw() -> float:
        nonlocal buf, pos
        parts = []
        w = 0.0  # wear at the end of the previous batch
        hours_before = 0  # whole hours in earlier batches
        while True:
            if pos == len(buf):
                buf = draw_wear(BATCH)
                pos = 0
            inc = buf[pos:]
            path = np.cumsum(np.concatenate(([w], np.where(inc > 0, inc, 0.0))))
            k = int(np.searchsorted(path[1:], 1.0))  # first hour where wear reaches 1
            if k < len(inc):
                break
            parts.append(path[1:])
            hours_before += len(inc)
            w = float(path[-1])
            pos = len(buf)
        # Wear reaches 1 during hour k of this batch, from path[k] by inc[k].
        hours = hours_before + k + (1.0 - float(path[k])) / float(inc[k])
        pos += k + 1
        if keep_path:
            parts.append(path[1 : k + 2])
            m.wear = [0.0, *np.concatenate(parts).tolist()]
        m.life = hours * 60.0
        return m.life

    return draw


def _wear_at(path: list[float], age_h: float) -> float:
    """Wear of a degrading machine at operating age ``age_h`` on its wear ``path``."""
    i = int(age_h)
    if i + 1 >= len(path):
        return path[-1]
    return path[i] + (age_h - i) * (path[i + 1] - path[i])


class _Model:
    """One replication of one factory."""

    def __init__(
        self,
        spec: FactorySpec,
        seed: int,
        rep: int,
        warmup_min: float,
        horizon_min: float,
        policy: Policy | None,
    ) -> None:
        self.spec = spec
        self.env = env = Environment()
        self.warmup_min = warmup_min
        self.horizon_min = horizon_min
        self.policy = policy if policy is not None else Policy()
        self.policy.start_run(seed, rep)
        self.dispatch = self.policy if self.policy.dispatches else None
        # Hooks the policy leaves at their defaults are skipped or inlined (same result).
        self.reads_sensor = _overrides(self.policy, "observe") or _overrides(
            self.policy, "on_sensor"
        )
        self.inspect = self.policy.inspect if _overrides(self.policy, "inspect") else None
        self._queue = env._queue
        self._eid = env._eid
        # One callbacks list per handler, shared by all its events: SimPy only iterates it.
        self.cb_arrival = [self._on_arrival]
        self.cb_step = [self._on_step_done]
        self.cb_finish = [self._on_finish]
        self.cb_fail = [self._on_fail]
        self.cb_repaired = [self._on_repaired]
        self.cb_maintained = [self._on_maintained]
        self.cb_standby = [self._on_standby]

        def rng(*name: str | int) -> _LazyStream:
            return _LazyStream(seed, "rep", rep, *name)

        products = spec.source.product_names()
        self.n_products = len(products)
        self.stations: list[_Station] = []
        by_name: dict[str, _Station] = {}
        for i, s in enumerate(spec.stations):
            st = _Station(i, s.name)
            st.cap = float("inf") if s.buffer_capacity is None else s.buffer_capacity
            st.power = s.power_kw.by_state()
            st.power = [st.power[name] for name in STATES]
            prng = rng("station", s.name, "process")
            if isinstance(s.process_time_min, dict):
                st.pt = [make_sampler(s.process_time_min[p], prng) for p in products]
            else:
                one = make_sampler(s.process_time_min, prng)
                st.pt = [one] * len(products)
            st.setup = (
                make_sampler(s.setup_min, rng("station", s.name, "setup")) if s.setup_min else None
            )
            st.defect_rate = s.defect_rate
            st.rework = s.rework
            st.inspects = s.inspection is not None
            st.detect = s.inspection.detection_rate if s.inspection else 0.0
            st.false_reject = s.inspection.false_reject_rate if s.inspection else 0.0
            st.u_defect = uniform_sampler(rng("station", s.name, "defects"))
            st.u_inspect = uniform_sampler(rng("station", s.name, "inspection"))
            st.u_route = uniform_sampler(rng("station", s.name, "routing"))
            st.standby_after = self.policy.standby_after_min(s.name, s.standby_after_idle_min)
            st.warmup = s.warmup_min
            for k in range(s.machines):
                m = _Machine(st, k)
                if s.degradation is not None:
                    deg = s.degradation
                    mname = ("station", s.name, "machine", k)
                    m.ttf_draw = _life_sampler(
                        m, batch_drawer(deg.wear_per_h, rng(*mname, "wear")), self.reads_sensor
                    )
                    m.ttr_draw = make_sampler(deg.mttr_h, rng(*mname, "repairs"), 60.0)
                    m.planned_draw = make_sampler(deg.planned_h, rng(*mname, "planned"), 60.0)
                    sd = deg.sensor_sd
                    if not self.reads_sensor:
                        m.sensor = None
                    elif sd:
                        noise = rng(*mname, "sensor")
                        m.sensor = buffered(lambda n, g=noise, sd=sd: g.normal(0.0, sd, n))
                    else:
                        m.sensor = lambda: 0.0
                    m.ttf = m.ttf_draw()
                elif s.failure is not None:
                    m.ttf_draw = make_sampler(
                        s.failure.mtbf_h, rng("station", s.name, "machine", k, "failures"), 60.0
                    )
                    m.ttr_draw = make_sampler(
                        s.failure.mttr_h, rng("station", s.name, "machine", k, "repairs"), 60.0
                    )
                    m.ttf = m.ttf_draw()
                st.machines.append(m)
            st.idle = list(reversed(st.machines))  # pop() takes machine 0 first
            self.stations.append(st)
            by_name[s.name] = st
        for i, st in enumerate(self.stations):
            routes = spec.routes(i)
            st.route_to = [by_name.get(name, name) for name, _ in routes]
            cum, acc = [], 0.0
            for _, p in routes:
                acc += p
                cum.append(acc)
            cum[-1] = 1.0
            st.route_cum = cum
            st.next = st.route_to[0] if len(st.route_to) == 1 else None  # None: a routing draw
            rej = spec.stations[i].inspection.reject_to if spec.stations[i].inspection else SCRAP
            st.reject_to = by_name.get(rej, rej)
        self.entry = self.stations[0]

        self.arrivals = make_sampler(spec.source.interarrival_min, rng("source", "arrivals"))
        if spec.source.products and len(spec.source.products) > 1:
            cum = np.cumsum([p.share for p in spec.source.products])
            cum[-1] = 1.0
            pr = rng("source", "products")
            self.product_draw = uniform_sampler(pr)
            self.product_cum = cum.tolist()
        else:
            self.product_draw = None
            self.product_cum = [1.0]
        self.lot_size = spec.source.lot_size
        self.lot_left = 0
        self.lot_product = 0
        self.source = _Source()
        self.held = False  # an arrival came off-shift and waits for the next shift

        fac = spec.facility
        self.fac_on_kw = fac.base_kw if fac else 0.0
        self.fac_off_kw = (
            (fac.off_shift_kw if fac.off_shift_kw is not None else fac.base_kw) if fac else 0.0
        )
        self.fac_kwh_unit = fac.kwh_per_unit if fac else 0.0

        # Energy: total power now, integrated exactly into 15-minute bins (kW*min).
        self.n_bins = max(1, int(np.ceil((horizon_min - warmup_min) / BIN_MIN - 1e-9)))
        self.bins = [0.0] * self.n_bins
        self.p_last = 0.0  # time integrated up to
        # p_last in the measured window's time (0 before the window opens) and its bin: the
        # next integration starts there.
        self.p_rel = 0.0
        self.p_bin = 0
        self.on = True
        self.power = self.fac_on_kw + sum(st.power[IDLE] * len(st.machines) for st in self.stations)
        self.fac_unit_kwh = 0.0

        self.next_id = 0
        self.wip = 0
        self.wip_area = 0.0
        self.wip_last = 0.0
        self.wip_start = 0
        self.released = 0
        self.good = 0
        self.escaped = 0
        self.scrap = 0
        self.lead_sum = 0.0
        self.lead_n = 0
        self.sojourn_sum = 0.0
        self.sojourn_n = 0
        self.failures = 0
        self.planned_repairs = 0
        self.revenue = 0.0
        self.material = 0.0
        self.prices = [p.price_krw for p in spec.source.products] if spec.source.products else [0.0]
        self.costs = (
            [p.material_cost_krw for p in spec.source.products] if spec.source.products else [0.0]
        )
        self.measuring = warmup_min <= 0

        self.intervals = on_intervals(spec.calendar, horizon_min)
        if (self.intervals and self.intervals[0][0] > 0) or not self.intervals:
            self.on = True
            self._shift_off()  # the run starts off-shift
        for s, e in self.intervals:
            if s > 0:
                self._after(s, [self._on_shift_start])
            if e < horizon_min:
                self._after(e, [self._on_shift_end])
        if warmup_min > 0:
            self._after(warmup_min, [self._on_warmup_end])
        self._after(self.arrivals(), self.cb_arrival)
        for st in self.stations:
            if st.standby_after is not None:
                for m in st.machines:
                    self._arm_standby(m)

    # -- events --------------------------------------------------------------------------
    def _after(self, delay: float, callbacks: list, value: _Machine | None = None) -> _Call:
        """Schedule ``callbacks`` (a handler list) to run ``delay`` minutes from now.

        Pushes a :class:`_Call` onto SimPy's queue exactly as ``Environment.schedule`` would
        (same time, priority and sequence number, so the same order of events).
        """
        ev = _Call()
        ev.callbacks = callbacks
        ev._value = value
        heappush(self._queue, (self.env._now + delay, NORMAL, next(self._eid), ev))
        return ev

    # -- energy and state accounting -------------------------------------------------------
    def _integrate(self, now: float) -> None:
        """Add the energy drawn since the last call to the 15-minute bins of the measured window."""
        if now <= self.p_last:
            return
        self.p_last = now
        if now <= self.warmup_min:
            return
        t0 = self.p_rel  # max(previous p_last, warmup_min) - warmup_min
        b0 = self.p_bin
        t1 = now - self.warmup_min
        b1 = int(t1 // BIN_MIN)
        self.p_rel = t1
        self.p_bin = b1
        p = self.power
        bins = self.bins
        if b0 == b1:
            bins[b0] += p * (t1 - t0)
        else:
            bins[b0] += p * ((b0 + 1) * BIN_MIN - t0)
            for b in range(b0 + 1, min(b1, self.n_bins)):
                bins[b] += p * BIN_MIN
            if b1 < self.n_bins:
                bins[b1] += p * (t1 - b1 * BIN_MIN)

    def _set(self, m: _Machine, new: int) -> None:
        now = self.env._now
        st = m.station
        st.state_time[m.state] += now - m.since
        pw = st.power
        if pw[new] != pw[m.state]:
            if now > self.p_last:
                self._integrate(now)
            self.power += pw[new] - pw[m.state]
        m.state = new
        m.since = now

    def _queue_changed(self, st: _Station, now: float) -> None:
        st.q_area += len(st.queue) * (now - st.q_last)
        st.q_last = now

    # -- jobs entering and leaving ---------------------------------------------------------
    def _on_arrival(self, ev: _Call) -> None:
        if not self.on:
            self.held = True
            return
        self._release()

    def _release(self) -> None:
        now = self.env._now
        if self.product_draw is None:
            prod = 0
        elif self.lot_left:
            self.lot_left -= 1
            prod = self.lot_product
        else:
            u = self.product_draw()
            prod = 0
            for c in self.product_cum:
                if u < c:
                    break
                prod += 1
            self.lot_product = prod
            self.lot_left = self.lot_size - 1
        job = _Job(self.next_id, prod, now)
        self.next_id += 1
        self.wip_area += self.wip * (now - self.wip_last)
        self.wip_last = now
        self.wip += 1
        self.released += 1
        if self._offer(job, self.entry):
            self._after(self.arrivals(), self.cb_arrival)
        else:
            self.source.job = job
            self.entry.blocked.append(self.source)

    def _exit(self, job: _Job, scrapped: bool) -> None:
        now = self.env._now
        self.wip_area += self.wip * (now - self.wip_last)
        self.wip_last = now
        self.wip -= 1
        if not self.measuring:
            return
        soj = now - job.release_t
        self.sojourn_sum += soj
        self.sojourn_n += 1
        if scrapped:
            self.scrap += 1
            self.material += self.costs[job.product]
            return
        if job.defective:
            self.escaped += 1
        else:
            self.good += 1
        self.lead_sum += soj
        self.lead_n += 1
        self.revenue += self.prices[job.product]
        self.material += self.costs[job.product]
        if self.fac_kwh_unit:
            self.fac_unit_kwh += self.fac_kwh_unit
            b = min(int((now - self.warmup_min) // BIN_MIN), self.n_bins - 1)
            self.bins[b] += self.fac_kwh_unit * 60.0

    def _offer(self, job: _Job, st: _Station) -> bool:
        """Hand ``job`` to station ``st``: a free machine, else a buffer place, else refuse."""
        if st.idle and self.on:
            m = st.idle.pop()
            job.q_enter = self.env._now
            self._start(m, job)
            return True
        if len(st.queue) < st.cap:
            now = self.env._now
            self._queue_changed(st, now)
            job.q_enter = now
            st.queue.append(job)
            return True
        return False

    # -- machines --------------------------------------------------------------------------
    def _start(self, m: _Machine, job: _Job) -> None:
        """Machine ``m`` (idle, in standby or just freed) takes ``job``."""
        st = m.station
        if self.measuring:
            st.wait_sum += self.env._now - job.q_enter
            st.wait_n += 1
        m.job = job
        if m.state == STANDBY and st.warmup > 0:
            m.remaining = st.warmup
            self._set(m, WARMUP)
            self._schedule_step(m)
        else:
            self._begin_setup_or_process(m)

    def _begin_setup_or_process(self, m: _Machine) -> None:
        """Set up for the machine's job if the product changes, else start processing it."""
        st = m.station
        product = m.job.product
        last = m.last_product
        if st.setup is not None and last is not None and last != product:
            m.remaining = st.setup()
            self._set(m, SETUP)
            self._schedule_step(m)
            return
        m.remaining = work = st.pt[product]()
        if m.state != PROC:
            self._set(m, PROC)
        # self._run(m), inlined: this is the engine's hottest path.
        now = self.env._now
        m.seg_start = now
        ev = m.ev = _Call()
        ev._value = m
        ttf = m.ttf
        if ttf is not None and ttf < work:
            ev.callbacks = self.cb_fail
            heappush(self._queue, (now + ttf, NORMAL, next(self._eid), ev))
        else:
            ev.callbacks = self.cb_finish
            heappush(self._queue, (now + work, NORMAL, next(self._eid), ev))

    def _schedule_step(self, m: _Machine) -> None:
        m.seg_start = self.env._now
        m.ev = self._after(m.remaining, self.cb_step, m)

    def _on_step_done(self, ev: _Call) -> None:
        m = ev._value
        if ev is not m.ev:
            return
        self._begin_setup_or_process(m) if m.state == WARMUP else self._begin_process(m)

    def _begin_process(self, m: _Machine) -> None:
        m.remaining = m.station.pt[m.job.product]()
        self._set(m, PROC)
        self._run(m)

    def _run(self, m: _Machine) -> None:
        """Process (or resume) the job: schedule its end, or the breakdown that comes first."""
        m.seg_start = self.env._now
        if m.ttf is not None and m.ttf < m.remaining:
            m.ev = self._after(m.ttf, self.cb_fail, m)
        else:
            m.ev = self._after(m.remaining, self.cb_finish, m)

    def _on_fail(self, ev: _Call) -> None:
        m = ev._value
        if ev is not m.ev:
            return
        m.remaining -= m.ttf
        m.ttf = None
        if self.measuring:
            self.failures += 1
        self._set(m, FAILED)
        m.ev = self._after(m.ttr_draw(), self.cb_repaired, m)

    def _on_repaired(self, ev: _Call) -> None:
        m = ev._value
        if ev is not m.ev:
            return
        m.ttf = m.ttf_draw()
        if not self.on:
            m.paused = PROC
            self._set(m, OFF)
            return
        self._set(m, PROC)
        self._run(m)

    def _read_sensor(self, m: _Machine) -> None:
        """After a job: the condition reading, shown to the policy (and to an observer)."""
        name = m.station.name
        age_h = (m.life - m.ttf) / 60.0
        reading = _wear_at(m.wear, age_h) + m.sensor()
        self.policy.observe(name, m.index, age_h, reading, m.ttf / 60.0)
        if self.policy.on_sensor(name, m.index, age_h, reading):
            m.maint_due = True

    def _start_maintenance(self, m: _Machine) -> None:
        m.maint_due = False
        if self.measuring:
            self.planned_repairs += 1
        self._set(m, MAINT)
        m.ev = self._after(m.planned_draw(), self.cb_maintained, m)

    def _on_maintained(self, ev: _Call) -> None:
        m = ev._value
        if ev is not m.ev:
            return
        m.ttf = m.ttf_draw()  # as good as new
        self._free(m)

    def _on_finish(self, ev: _Call) -> None:
        m = ev._value
        if ev is not m.ev:
            return
        if m.ttf is not None:
            m.ttf -= m.remaining
        st = m.station
        if m.sensor is not None:
            self._read_sensor(m)
        job = m.job
        m.last_product = job.product
        if self.measuring:
            st.visits_done += 1
        if st.rework:
            job.defective = False
        elif st.defect_rate and st.u_defect() < st.defect_rate:
            job.defective = True
        if st.inspects and (
            st.u_inspect() < (st.detect if job.defective else st.false_reject)
            if self.inspect is None  # Policy.inspect, inlined
            else self.inspect(st.name, job.defective, st.detect, st.false_reject, st.u_inspect())
        ):
            dest = st.reject_to
        elif st.next is not None:
            dest = st.next
        else:
            u = st.u_route()
            i = 0
            for c in st.route_cum:
                if u < c:
                    break
                i += 1
            dest = st.route_to[i]
        if dest.__class__ is not _Station:  # SINK or SCRAP (the spec allows no other name)
            self._exit(job, dest == SCRAP)
            self._free(m)
        # self._offer(job, dest), inlined:
        elif dest.idle and self.on:
            job.q_enter = self.env._now
            self._start(dest.idle.pop(), job)
            self._free(m)
        elif len(dest.queue) < dest.cap:
            now = self.env._now
            dest.q_area += len(dest.queue) * (now - dest.q_last)  # _queue_changed
            dest.q_last = now
            job.q_enter = now
            dest.queue.append(job)
            self._free(m)
        else:
            m.dest = dest
            self._set(m, BLOCKED)
            dest.blocked.append(m)

    def _free(self, m: _Machine) -> None:
        """Machine ``m`` has handed its part on: take the next job, or go idle."""
        st = m.station
        m.job = None
        if m.maint_due:
            self._start_maintenance(m)
            return
        if not self.on:
            m.paused = IDLE
            self._set(m, OFF)
            return
        queue = st.queue
        if queue:
            now = self.env._now
            st.q_area += len(queue) * (now - st.q_last)  # _queue_changed
            st.q_last = now
            if self.dispatch is None:
                job = queue.popleft()
            else:
                k = self.dispatch.choose_next(st.name, [j.product for j in queue], m.last_product)
                job = queue[k]
                del queue[k]
            self._start(m, job)
            if st.blocked:
                self._unblock(st)
        elif st.blocked:
            up = st.blocked.popleft()
            job = up.job
            job.q_enter = self.env._now
            self._start(m, job)
            self._handed_on(up)
        else:
            self._set(m, IDLE)
            st.idle.append(m)
            if st.standby_after is not None:
                self._arm_standby(m)

    def _unblock(self, st: _Station) -> None:
        """A buffer place at ``st`` has freed: let the first blocked upstream part in."""
        if st.blocked and len(st.queue) < st.cap:
            up = st.blocked.popleft()
            job = up.job
            now = self.env._now
            self._queue_changed(st, now)
            job.q_enter = now
            st.queue.append(job)
            self._handed_on(up)

    def _handed_on(self, up: _Machine | _Source) -> None:
        if isinstance(up, _Source):
            up.job = None
            self._after(self.arrivals(), self.cb_arrival)
        else:
            up.dest = None
            self._free(up)

    def _arm_standby(self, m: _Machine) -> None:
        m.ev = self._after(m.station.standby_after, self.cb_standby, m)

    def _on_standby(self, ev: _Call) -> None:
        m = ev._value
        if ev is m.ev and m.state == IDLE:
            self._set(m, STANDBY)

    # -- calendar and warm-up --------------------------------------------------------------
    def _on_shift_end(self, ev: _Call) -> None:
        self._shift_off()

    def _shift_off(self) -> None:
        now = self.env._now
        self._integrate(now)
        self.power += self.fac_off_kw - self.fac_on_kw
        self.on = False
        for st in self.stations:
            for m in st.machines:
                s = m.state
                if s == FAILED or s == OFF or s == MAINT:
                    continue
                if s in (PROC, SETUP, WARMUP):
                    done = now - m.seg_start
                    m.remaining -= done
                    if s == PROC and m.ttf is not None:
                        m.ttf -= done
                m.paused = s
                m.ev = None  # its pending event is stale
                self._set(m, OFF)
            st.idle.clear()

    def _on_shift_start(self, ev: _Call) -> None:
        now = self.env._now
        self._integrate(now)
        self.power += self.fac_on_kw - self.fac_off_kw
        self.on = True
        for st in self.stations:
            for m in st.machines:
                if m.state != OFF:
                    continue
                p = m.paused
                if p == PROC:
                    self._set(m, PROC)
                    self._run(m)
                elif p in (SETUP, WARMUP):
                    self._set(m, p)
                    self._schedule_step(m)
                elif p == BLOCKED:
                    self._set(m, BLOCKED)
                else:
                    self._set(m, IDLE)
                    self._free(m)  # takes a waiting job, or goes idle
        if self.held:
            self.held = False
            self._release()

    def _on_warmup_end(self, ev: _Call) -> None:
        now = self.env._now
        self._integrate(now)
        for st in self.stations:
            for m in st.machines:
                m.since = now
            st.state_time = [0.0] * len(STATES)
            st.q_area = 0.0
            st.q_last = now
            st.wait_sum = 0.0
            st.wait_n = 0
            st.visits_done = 0
        self.wip_area = 0.0
        self.wip_last = now
        self.wip_start = self.wip
        self.released = 0
        self.measuring = True

    # -- run -------------------------------------------------------------------------------
    def run(self) -> RepResult:
        env = self.env
        env.run(until=self.horizon_min)
        now = self.horizon_min
        self._integrate(now)
        for st in self.stations:
            for m in st.machines:
                st.state_time[m.state] += now - m.since
                m.since = now
            self._queue_changed(st, now)
        self.wip_area += self.wip * (now - self.wip_last)
        self.wip_last = now
        return build_result(self)


def simulate(
    spec: FactorySpec,
    *,
    days: float,
    warmup_days: float = 0.0,
    seed: int = 0,
    replication: int = 0,
    policy: Policy | None = None,
) -> RepResult:
    """Simulate one replication of a factory.

    Parameters
    ----------
    spec
        The validated factory.
    days
        Measured days after the warm-up.
    warmup_days
        Days simulated first and left out of every statistic.
    seed
        Root seed; every random stream is derived from it and the replication number by name.
    replication
        Replication index (independent streams per index).
    policy
        Decision logic the engine consults (FIFO, spec inspection rates and standby timers if
        ``None``).

    Returns
    -------
    RepResult
        KPIs, per-station statistics, energy by state and the 15-minute load profile of the
        measured window.
    """
    if days <= 0:
        raise ValueError("days must be positive")
    if warmup_days < 0:
        raise ValueError("warmup_days must be non-negative")
    warm = warmup_days * 1440.0
    model = _Model(spec, seed, replication, warm, warm + days * 1440.0, policy)
    return model.run()
