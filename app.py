"""Gumi Twin explorer: ``streamlit run app.py``.

Thin entry point: page config, then the pages in twin/ui (each module's ``render`` draws one
page; layout only).
"""

import streamlit as st

from twin.ui.compare_page import render as compare_page
from twin.ui.editor_page import render as editor_page
from twin.ui.factory_page import render as factory_page
from twin.ui.map_page import render as map_page
from twin.ui.overview_page import render as overview_page
from twin.ui.roi_page import render as roi_page
from twin.ui.sources_page import render as sources_page
from twin.ui.whatif_page import render as whatif_page

st.set_page_config(page_title="Gumi Twin", page_icon="🏭", layout="wide")

# One line per page, in menu order (the first is the landing page).
PAGES = [
    st.Page(overview_page, title="Overview", icon="📊", url_path="overview", default=True),
    st.Page(map_page, title="Map", icon="🗺️", url_path="map"),
    st.Page(compare_page, title="Compare", icon="⚖️", url_path="compare"),
    st.Page(whatif_page, title="What-if", icon="🎚️", url_path="whatif"),
    st.Page(factory_page, title="Factory", icon="🏭", url_path="factory"),
    st.Page(roi_page, title="Company ROI", icon="💰", url_path="roi"),
    st.Page(editor_page, title="Scenario editor", icon="📝", url_path="editor"),
    st.Page(sources_page, title="Sources", icon="📚", url_path="sources"),
]
st.navigation(PAGES).run()
