"""The briefing's words in English and Korean: slide titles, phrases, lever and firm names.

KPI labels come from :data:`twin.viz.KPIS` (shared with the explorer); everything else a slide
says is here, so that a deck in either language has the same structure.
"""

from __future__ import annotations

from twin.viz import KPIS

__all__ = ["FIRM_NAMES_KO", "LANGS", "LEVER_NAMES", "TEXT", "kpi_label", "lever_label", "t"]

LANGS = ("en", "ko")

#: Slide titles and phrases: key -> (English, Korean).
TEXT: dict[str, tuple[str, str]] = {
    "deck_title": ("Gumi Twin: AX scenario briefing", "구미 트윈: AX 시나리오 브리핑"),
    "deck_sub": (
        "Manufacturing AX Alliance · Gumi National Industrial Complex",
        "제조 AX 얼라이언스 · 구미국가산업단지",
    ),
    "scenarios": ("Scenarios", "시나리오"),
    "generated": ("Generated", "작성"),
    "version": ("Gumi Twin version", "구미 트윈 버전"),
    "map_title": ("Where the change happens: {kpi}, {year}", "변화가 일어나는 곳: {kpi}, {year}년"),
    "map_caption": (
        "Change against {ref} by complex, {unit}; red rings: top supply bottlenecks",
        "{ref} 대비 단지별 변화, {unit}; 빨간 원: 주요 공급 병목",
    ),
    "headline_title": ("Headline changes in {year}", "{year}년 주요 변화"),
    "headline_vs": (
        "against {ref}, 95 % interval of the paired difference",
        "{ref} 대비, 대응 차이의 95 % 구간",
    ),
    "kpi": ("KPI", "지표"),
    "change": ("Change", "변화"),
    "interval": ("95 % interval", "95 % 구간"),
    "level": ("Level {year}", "{year}년 수준"),
    "traj_sub": ("Means over replications; {ref} dashed where shown", "반복 평균; {ref}은 점선"),
    "total": ("Total", "합계"),
    "traj_title": ("Trajectories {start}-{end}", "{start}-{end}년 추이"),
    "peak_title": (
        "Peak demand against substation capacity, {year}",
        "변전소 용량 대비 최대 수요전력, {year}년",
    ),
    "peak_load": ("Peak load (sum of sites' peaks)", "최대 부하 (사업장 최대치 합)"),
    "capacity": ("Capacity", "용량"),
    "direct": ("154 kV direct (no capacity given)", "154 kV 직접 수전 (용량 미상)"),
    "waterfall_title": (
        "What each lever adds: {scenario}, {year}",
        "레버별 기여: {scenario}, {year}년",
    ),
    "waterfall_note": (
        "Levers switched on one by one against the zero-adoption baseline; steps add up to "
        "the whole change",
        "무도입 기준 대비 레버를 하나씩 적용; 단계의 합이 전체 변화",
    ),
    "bottleneck_title": ("Supply bottlenecks, {year}", "공급 병목, {year}년"),
    "bottleneck_none": (
        "No supplier held back its customers' AI-driven growth in {year}: demand, not "
        "supplier capacity, limits output.",
        "{year}년 AI로 인한 성장을 제한한 공급사는 없음: 생산을 제한하는 것은 공급 역량이 "
        "아니라 수요.",
    ),
    "firm": ("Firm", "기업"),
    "sector": ("Sector", "업종"),
    "lost": ("Customers' output lost (bn KRW)", "고객 생산 손실 (십억 원)"),
    "complex": ("Complex", "단지"),
    "at_risk": ("Output at risk (bn KRW)", "위험 생산액 (십억 원)"),
    "customers": ("Direct customers", "직접 고객"),
    "network_title": (
        "Supply bottlenecks: who holds the complex together",
        "공급 병목: 단지를 지탱하는 기업",
    ),
    "network_sub": (
        "Output the rest of the complex loses if the firm stops (supply network, estimates)",
        "해당 기업이 멈출 때 단지 내 다른 기업이 잃는 생산액 (공급망, 추정)",
    ),
    "spare": ("Spare capacity", "여유 역량"),
    "roi_title": ("Company ROI by lever: {n}-year NPV", "레버별 기업 ROI: {n}년 NPV"),
    "roi_note": (
        "{reps} replications per line, effects sampled low-high, one-week runs; "
        "whiskers P10-P90, dot P50; % = chance of payback within 3 years",
        "라인당 {reps}회 반복, 효과는 하한-상한 표본, 1주 시뮬레이션; 선 P10-P90, 점 P50; "
        "% = 3년 내 회수 확률",
    ),
    "roi_skipped": ("ROI skipped (--no-roi)", "ROI 생략 (--no-roi)"),
    "tornado_title": ("Sensitivity: {kpi}, {year}", "민감도: {kpi}, {year}년"),
    "tornado_note": (
        "One input at a time at its low and high end, the others at the centre "
        "(change against the zero-adoption baseline)",
        "입력 하나씩 하한·상한, 나머지는 중앙값 (무도입 기준 대비 변화)",
    ),
    "tornado_flat": ("No effect on this KPI: ", "이 지표에 영향 없음: "),
    "tornado_light": (
        "Light variant: lever effect sizes left out (they need extra low/high runs; "
        "use --sensitivity full)",
        "간이 분석: 레버 효과 크기 제외 (추가 하한/상한 시뮬레이션 필요; --sensitivity full)",
    ),
    "assumptions_title": ("Assumptions that differ", "시나리오별 다른 가정"),
    "assumptions_own": ("Assumptions of {scenario}", "{scenario}의 가정"),
    "setting": ("Setting", "설정"),
    "statement": ("Assumption", "가정"),
    "status": ("Status", "상태"),
    "more_rows": ("... and {n} more", "... 외 {n}개"),
    "sources_title": ("Sources and data status", "출처와 데이터 상태"),
    "sources_note": (
        "Every number in data/ has a source row. Published: stated by the source. "
        "Estimate: assumption or derived from published ranges. Synthetic: invented for "
        "illustration (the firm base).",
        "data/의 모든 수치는 출처가 있음. 공표: 출처에 명시. 추정: 가정 또는 공표 범위에서 "
        "도출. 합성: 예시용으로 생성 (기업 데이터).",
    ),
    "sources_sub": (
        "Every number in data/ has a source row and a status",
        "data/의 모든 수치에 출처와 상태가 있음",
    ),
    "status_published": (
        "Published: stated by the cited source (complex totals, "
        "electricity 2020, plan targets, grid factor)",
        "공표: 인용 출처에 명시 (단지 총계, 2020년 전력, 계획 목표, 배출계수)",
    ),
    "status_estimate": (
        "Estimate: an assumption or derived from published ranges (factory "
        "parameters, lever effects, adoption)",
        "추정: 가정 또는 공표 범위에서 도출 (공장 변수, 레버 효과, 도입)",
    ),
    "status_synthetic": (
        "Synthetic: invented for illustration (the firm base, product prices)",
        "합성: 예시용 생성 (기업 데이터, 제품 가격)",
    ),
    "status_map": (
        "Complex outlines approximate; substation sites and capacities estimated",
        "단지 경계는 근사; 변전소 위치·용량은 추정",
    ),
    "anchors": ("Anchor firms (named)", "앵커 기업 수"),
    "cluster": ("AI data cluster GPUs, {year}", "AI 데이터 클러스터 GPU, {year}년"),
    "growth": ("Demand growth: {sector}", "수요 성장률: {sector}"),
    "grid": ("Grid factor (t CO2/MWh)", "전력 배출계수 (tCO2/MWh)"),
    "carbon": ("Carbon price (KRW/t)", "탄소 가격 (원/t)"),
    "effects": ("Lever effects taken as", "레버 효과 적용 방식"),
    "no_differences": ("The scenarios' settings are the same", "시나리오 설정이 같음"),
    "repro_title": ("Reproducibility", "재현성"),
    "repro_cmd": ("Regenerate this deck", "이 자료 다시 만들기"),
    "hash": ("Scenario hash", "시나리오 해시"),
    "seed": ("Seed", "시드"),
    "replications": ("Replications", "반복 수"),
    "days": ("Days per run", "시뮬레이션 일수"),
    "commit": ("Git commit", "Git 커밋"),
    "footer": (
        "Gumi Twin {version} · model results, not forecasts · data: {published} published, "
        "{estimate} estimated, {synthetic} synthetic figures · firms synthetic",
        "구미 트윈 {version} · 모델 결과이며 예측이 아님 · 데이터: 공표 {published}, "
        "추정 {estimate}, 합성 {synthetic} · 기업 데이터는 합성",
    ),
    "source_model": (
        "Source: Gumi Twin projection ({reps} replications, seed {seed})",
        "출처: 구미 트윈 전망 ({reps}회 반복, 시드 {seed})",
    ),
    "source_roi": (
        "Source: Gumi Twin company ROI (twin roi)",
        "출처: 구미 트윈 기업 ROI (twin roi)",
    ),
    "source_data": (
        "Source: data/sources.csv, data/archetypes/sources.csv",
        "출처: data/sources.csv, data/archetypes/sources.csv",
    ),
    "baseline_own": ("its zero-adoption baseline", "무도입 기준"),
    "year": ("Year", "연도"),
    "agenda": ("Contents", "목차"),
    "payback": ("payback ≤3 y", "3년 내 회수"),
    "npv_axis": ("NPV (bn KRW)", "NPV (십억 원)"),
    "no_levers": ("No scenario adopts levers: no waterfall", "레버를 도입한 시나리오 없음"),
}

#: Lever names: (English, Korean).
LEVER_NAMES: dict[str, tuple[str, str]] = {
    "predictive_maintenance": ("Predictive maintenance", "예지 보전"),
    "vision_qc": ("Vision inspection", "비전 검사"),
    "energy_optimisation": ("Energy optimisation", "에너지 최적화"),
    "scheduling": ("AI scheduling", "AI 스케줄링"),
    "yield_optimisation": ("Yield optimisation", "수율 최적화"),
    "bundle": ("All together", "전체 묶음"),
    "non-lever changes": ("Data cluster and other", "데이터 클러스터 등"),
}

#: The named anchor firms of the firm layer in Korean (their public names; sites approximate).
FIRM_NAMES_KO: dict[str, str] = {
    "Samsung Electronics Gumi Plant 2": "삼성전자 구미2사업장",
    "Samsung Electronics Gumi Plant 1": "삼성전자 구미1사업장",
    "LG Display Gumi": "LG디스플레이 구미",
    "SK Siltron": "SK실트론",
    "LG Innotek Gumi": "LG이노텍 구미",
    "LIG Nex1 Gumi House": "LIG넥스원 구미하우스",
    "Hanwha Systems Gumi": "한화시스템 구미",
    "Toray Advanced Materials Korea Gumi": "도레이첨단소재 구미",
    "Kolon Industries Gumi": "코오롱인더스트리 구미",
    "LG Chem Gumi Cathode Plant (LG-HY BCM)": "LG화학 구미 양극재 공장",
    "KEC": "KEC",
}

SECTOR_NAMES: dict[str, tuple[str, str]] = {
    "electronics": ("Electronics", "전자"),
    "machinery": ("Machinery", "기계"),
    "metals": ("Metals", "금속"),
    "chemicals": ("Chemicals", "화학"),
    "textiles": ("Textiles", "섬유"),
    "other": ("Other", "기타"),
}

ARCHETYPE_NAMES: dict[str, tuple[str, str]] = {
    "cathode-kiln": ("Cathode kiln", "양극재 소성"),
    "defence-electronics": ("Defence electronics", "방산 전자"),
    "display-fab": ("Display fab", "디스플레이 팹"),
    "fibre-line": ("Fibre line", "섬유 라인"),
    "machining-jobshop": ("Machining job shop", "기계가공"),
    "plastics-moulding": ("Plastics moulding", "플라스틱 사출"),
    "smt-assembly": ("SMT assembly", "SMT 조립"),
    "wafer-fab": ("Wafer fab", "웨이퍼 팹"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "ko" else pair[0]


def t(key: str, lang: str = "en", **fields: object) -> str:
    """The phrase ``key`` in ``lang`` with ``fields`` filled in."""
    return _pick(TEXT[key], lang).format(**fields)


def kpi_label(kpi: str, lang: str = "en", unit: bool = True) -> str:
    """A KPI's label (:data:`twin.viz.KPIS`) in ``lang``, with its unit by default."""
    k = KPIS[kpi]
    text = k.label_ko if lang == "ko" else k.label
    return f"{text} ({k.unit})" if unit else text


def lever_label(name: str, lang: str = "en") -> str:
    """A lever's (or waterfall step's) display name; ``+ name`` steps keep their plus."""
    plus = name.startswith("+ ")
    key = name[2:] if plus else name
    text = _pick(LEVER_NAMES[key], lang) if key in LEVER_NAMES else key
    return f"+ {text}" if plus else text


def sector_label(sector: str, lang: str = "en") -> str:
    """A sector's display name."""
    return _pick(SECTOR_NAMES.get(sector, (sector, sector)), lang)


def archetype_label(name: str, lang: str = "en") -> str:
    """An archetype's display name."""
    return _pick(ARCHETYPE_NAMES.get(name, (name, name)), lang)


def firm_label(name: str, lang: str = "en") -> str:
    """A firm's name in ``lang`` (Korean where known; synthetic firms keep their id name)."""
    return FIRM_NAMES_KO.get(name, name) if lang == "ko" else name
