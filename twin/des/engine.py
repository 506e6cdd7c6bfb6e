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

Pending events are never removed from SimPy's queue: each machine carries a token that is
advanced whenever its scheduled event becomes stale, and stale callbacks return at once.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from simpy import Environment
from simpy.events import NORMAL, Event

from twin.config.factory import SCRAP, SINK, FactorySpec
from twin.core.policy import Policy
from twin.core.streams import stream
from twin.des.calendar import on_intervals
from twin.des.results import STATES, RepResult, build_result
from twin.des.sampling import make_sampler, uniform_sampler

__all__ = ["simulate"]

PROC, SETUP, IDLE, STANDBY, WARMUP, BLOCKED, FAILED, OFF, MAINT = range(9)
assert STATES[PROC] == "processing" and STATES[OFF] == "off" and STATES[MAINT] == "maintenance"
BIN_MIN = 15.0


class _Call(Event):
    """A timed callback: ``fn(event)`` at ``now + delay``, with ``arg`` as the event's value."""

    def __init__(self, env: Environment, delay: float, fn, arg) -> None:
        self.env = env
        self.callbacks = [fn]
        self._value = arg
        self._ok = True
        env.schedule(self, NORMAL, delay)


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
        "tok",
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
        self.tok = 0
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
        # each whole operating hour), the sensor's noise sampler, a pending planned repair.
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


def _life_sampler(m: _Machine, wear_per_h):
    """A sampler of operating minutes to breakdown that also stores the wear path on ``m``.

    Wear grows by one draw of ``wear_per_h`` per operating hour, linearly within the hour;
    the machine breaks down where the path crosses 1.
    """

    def draw() -> float:
        path = [0.0]
        while True:
            inc = wear_per_h()
            if inc <= 0:
                path.append(path[-1])
                continue
            if path[-1] + inc >= 1.0:
                hours = len(path) - 1 + (1.0 - path[-1]) / inc
                path.append(path[-1] + inc)
                break
            path.append(path[-1] + inc)
        m.wear = path
        m.life = hours * 60.0
        return m.life

    return draw


def _wear_at(m: _Machine) -> float:
    """Wear of a degrading machine at its current operating age."""
    age_h = (m.life - (m.ttf or 0.0)) / 60.0
    i = int(age_h)
    path = m.wear
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

        def rng(*name: str | int) -> np.random.Generator:
            return stream(seed, "rep", rep, *name)

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
                    m.ttf_draw = _life_sampler(m, make_sampler(deg.wear_per_h, rng(*mname, "wear")))
                    m.ttr_draw = make_sampler(deg.mttr_h, rng(*mname, "repairs"), 60.0)
                    m.planned_draw = make_sampler(deg.planned_h, rng(*mname, "planned"), 60.0)
                    noise = rng(*mname, "sensor")
                    sd = deg.sensor_sd
                    m.sensor = (
                        (lambda g=noise, sd=sd: float(g.normal(0.0, sd))) if sd else (lambda: 0.0)
                    )
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
        self.p_last = 0.0
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
                _Call(env, s, self._on_shift_start, None)
            if e < horizon_min:
                _Call(env, e, self._on_shift_end, None)
        if warmup_min > 0:
            _Call(env, warmup_min, self._on_warmup_end, None)
        _Call(env, self.arrivals(), self._on_arrival, None)
        for st in self.stations:
            if st.standby_after is not None:
                for m in st.machines:
                    self._arm_standby(m)

    # -- energy and state accounting -------------------------------------------------------
    def _integrate(self, now: float) -> None:
        """Add the energy drawn since the last call to the 15-minute bins of the measured window."""
        t0 = self.p_last
        if now <= t0:
            return
        self.p_last = now
        origin = self.warmup_min
        if now <= origin:
            return
        t0 = max(t0, origin) - origin
        t1 = now - origin
        p = self.power
        b0 = int(t0 // BIN_MIN)
        b1 = int(t1 // BIN_MIN)
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
            self._integrate(now)
            self.power += pw[new] - pw[m.state]
        m.state = new
        m.since = now

    def _queue_changed(self, st: _Station, now: float) -> None:
        st.q_area += len(st.queue) * (now - st.q_last)
        st.q_last = now

    # -- jobs entering and leaving ---------------------------------------------------------
    def _on_arrival(self, ev: Event) -> None:
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
            _Call(self.env, self.arrivals(), self._on_arrival, None)
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
        st = m.station
        now = self.env._now
        if self.measuring:
            st.wait_sum += now - job.q_enter
            st.wait_n += 1
        m.job = job
        if m.state == STANDBY and st.warmup > 0:
            m.remaining = st.warmup
            self._set(m, WARMUP)
            self._schedule_step(m)
        else:
            self._begin_setup_or_process(m)

    def _begin_setup_or_process(self, m: _Machine) -> None:
        st = m.station
        job = m.job
        if st.setup is not None and m.last_product is not None and m.last_product != job.product:
            m.remaining = st.setup()
            self._set(m, SETUP)
            self._schedule_step(m)
            return
        m.remaining = st.pt[job.product]()
        if m.state != PROC:
            self._set(m, PROC)
        self._run(m)

    def _schedule_step(self, m: _Machine) -> None:
        m.seg_start = self.env._now
        m.tok += 1
        _Call(self.env, m.remaining, self._on_step_done, (m, m.tok))

    def _on_step_done(self, ev: Event) -> None:
        m, tok = ev._value
        if tok != m.tok:
            return
        self._begin_setup_or_process(m) if m.state == WARMUP else self._begin_process(m)

    def _begin_process(self, m: _Machine) -> None:
        m.remaining = m.station.pt[m.job.product]()
        self._set(m, PROC)
        self._run(m)

    def _run(self, m: _Machine) -> None:
        m.seg_start = self.env._now
        m.tok += 1
        if m.ttf is not None and m.ttf < m.remaining:
            _Call(self.env, m.ttf, self._on_fail, (m, m.tok))
        else:
            _Call(self.env, m.remaining, self._on_finish, (m, m.tok))

    def _on_fail(self, ev: Event) -> None:
        m, tok = ev._value
        if tok != m.tok:
            return
        m.remaining -= m.ttf
        m.ttf = None
        if self.measuring:
            self.failures += 1
        self._set(m, FAILED)
        m.tok += 1
        _Call(self.env, m.ttr_draw(), self._on_repaired, (m, m.tok))

    def _on_repaired(self, ev: Event) -> None:
        m, tok = ev._value
        if tok != m.tok:
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
        st = m.station
        age_h = (m.life - m.ttf) / 60.0
        reading = _wear_at(m) + m.sensor()
        self.policy.observe(st.name, m.index, age_h, reading, m.ttf / 60.0)
        if self.policy.on_sensor(st.name, m.index, age_h, reading):
            m.maint_due = True

    def _start_maintenance(self, m: _Machine) -> None:
        m.maint_due = False
        if self.measuring:
            self.planned_repairs += 1
        self._set(m, MAINT)
        m.tok += 1
        _Call(self.env, m.planned_draw(), self._on_maintained, (m, m.tok))

    def _on_maintained(self, ev: Event) -> None:
        m, tok = ev._value
        if tok != m.tok:
            return
        m.ttf = m.ttf_draw()  # as good as new
        self._free(m)

    def _on_finish(self, ev: Event) -> None:
        m, tok = ev._value
        if tok != m.tok:
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
        if st.inspects and self.policy.inspect(
            st.name, job.defective, st.detect, st.false_reject, st.u_inspect()
        ):
            dest = st.reject_to
        elif len(st.route_to) == 1:
            dest = st.route_to[0]
        else:
            u = st.u_route()
            i = 0
            for c in st.route_cum:
                if u < c:
                    break
                i += 1
            dest = st.route_to[i]
        if dest == SINK or dest == SCRAP:
            self._exit(job, dest == SCRAP)
            self._free(m)
        elif self._offer(job, dest):
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
        if st.queue:
            now = self.env._now
            self._queue_changed(st, now)
            if self.dispatch is None:
                job = st.queue.popleft()
            else:
                k = self.dispatch.choose_next(
                    st.name, [j.product for j in st.queue], m.last_product
                )
                job = st.queue[k]
                del st.queue[k]
            self._start(m, job)
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
            _Call(self.env, self.arrivals(), self._on_arrival, None)
        else:
            up.dest = None
            self._free(up)

    def _arm_standby(self, m: _Machine) -> None:
        m.tok += 1
        _Call(self.env, m.station.standby_after, self._on_standby, (m, m.tok))

    def _on_standby(self, ev: Event) -> None:
        m, tok = ev._value
        if tok == m.tok and m.state == IDLE:
            self._set(m, STANDBY)

    # -- calendar and warm-up --------------------------------------------------------------
    def _on_shift_end(self, ev: Event) -> None:
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
                m.tok += 1
                self._set(m, OFF)
            st.idle.clear()

    def _on_shift_start(self, ev: Event) -> None:
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

    def _on_warmup_end(self, ev: Event) -> None:
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
