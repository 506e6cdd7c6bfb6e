"""Grouping the firm base into representative factories (archetypes) by clustering.

Firms are described by sector, process type, size, energy intensity and digital maturity; an
employment-weighted k-means (scikit-learn), seeded at the process groups of the archetype
library, groups them, and each cluster is labelled with the archetype spec whose process
dominates its employment. Firms then run as that archetype, scaled. The report's purity says
how far the clusters agree with the process types (1.0: fully).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.core.streams import stream

__all__ = ["ClusterReport", "cluster_firms"]

CATEGORICAL = ["sector", "process"]
NUMERIC = ["log_employees", "log_kwh_per_mkrw", "digital_maturity"]


@dataclass(frozen=True)
class ClusterReport:
    """How the clustering went.

    Attributes
    ----------
    labels
        Archetype name per firm (same order as the input).
    clusters
        One row per cluster: size, dominant process, archetype, purity (share of the cluster's
        firms whose own process is the archetype's), mean employees.
    silhouette
        Mean silhouette of the clustering on the feature matrix (-1 to 1).
    """

    labels: pd.Series
    clusters: pd.DataFrame
    silhouette: float


def _features(firms: pd.DataFrame, process_weight: float) -> np.ndarray:
    num = pd.DataFrame(
        {
            "log_employees": np.log1p(firms["employees"].astype(float)),
            "log_kwh_per_mkrw": np.log1p(
                firms["electricity_mwh"].astype(float)
                * 1000.0
                / np.maximum(firms["production_krw"].astype(float) / 1e6, 1e-9)
            ),
            "digital_maturity": firms["digital_maturity"].astype(float),
        }
    )
    from sklearn.preprocessing import OneHotEncoder, StandardScaler  # only when clustering

    x_num = StandardScaler().fit_transform(num.to_numpy())
    x_sec = OneHotEncoder(sparse_output=False).fit_transform(firms[["sector"]].astype(str))
    x_proc = OneHotEncoder(sparse_output=False).fit_transform(firms[["process"]].astype(str))
    return np.hstack([x_num, x_sec, x_proc * process_weight])


def cluster_firms(
    firms: pd.DataFrame,
    archetypes: Sequence[str],
    seed: int,
    k: int | None = None,
    process_weight: float = 10.0,
) -> ClusterReport:
    """Cluster firms and label each cluster with an archetype.

    Parameters
    ----------
    firms
        The firm base (columns ``sector``, ``process``, ``employees``, ``production_krw``,
        ``electricity_mwh``, ``digital_maturity``).
    archetypes
        Names of the archetype specs; a firm's ``process`` names the archetype it resembles.
    seed
        Root seed (k-means initialisation comes from the named stream ``"archetype-clusters"``).
    k
        Number of clusters (default: one per archetype present among the firms' processes).
    process_weight
        Weight of the one-hot process feature against the standardised numeric features and
        the one-hot sector; firms are weighted by employment.

    Returns
    -------
    ClusterReport
        Labels per firm, a table of clusters, and the silhouette score.
    """
    known = set(archetypes)
    present = sorted(set(firms["process"]) & known)
    if not present:
        raise ValueError("no firm's process matches an archetype")
    if k is None:
        k = len(present)
    x = _features(firms, process_weight)
    weight = firms["employees"].astype(float).to_numpy()
    # Seed the centroids at the employment-weighted mean of each process group (the archetype
    # library), plus the heaviest remaining firms if k is larger; k-means then moves firms
    # between groups only where size, intensity and maturity outweigh the process feature.
    groups = [firms["process"].to_numpy() == p for p in present]
    init = [np.average(x[g], axis=0, weights=weight[g]) for g in groups[:k]]
    order = np.argsort(-weight, kind="stable")
    for i in order[: max(0, k - len(init))]:
        init.append(x[i])
    rs = int(stream(seed, "archetype-clusters").integers(0, 2**31 - 1))
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    km = KMeans(n_clusters=k, init=np.vstack(init), n_init=1, random_state=rs)
    km.fit(x, sample_weight=weight)
    cluster = km.labels_
    rows = []
    label_of: dict[int, str] = {}
    for c in range(k):
        members = firms.loc[cluster == c]
        if members.empty:
            continue
        # Label by the dominant known process, weighted by employment so large plants count.
        weights = members.groupby("process")["employees"].sum()
        weights = weights[weights.index.isin(known)]
        arche = str(weights.idxmax()) if len(weights) else present[0]
        label_of[c] = arche
        rows.append(
            {
                "cluster": c,
                "firms": len(members),
                "archetype": arche,
                "purity": float((members["process"] == arche).mean()),
                "employees": int(members["employees"].sum()),
                "median_employees": float(members["employees"].median()),
                "sectors": ", ".join(sorted(set(members["sector"]))),
            }
        )
    labels = pd.Series([label_of[c] for c in cluster], index=firms.index, name="archetype")
    sample = min(len(x), 2000)
    sil = float(silhouette_score(x, cluster, sample_size=sample, random_state=rs)) if k > 1 else 0.0
    return ClusterReport(labels, pd.DataFrame(rows), sil)
