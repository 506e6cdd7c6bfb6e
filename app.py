"""Gumi Twin explorer: ``streamlit run app.py``.

Thin entry point: page config, then the pages in twin/ui (one page for now).
"""

import streamlit as st

from twin.ui.factory_page import render as factory_page

st.set_page_config(page_title="Gumi Twin", layout="wide")
st.navigation([st.Page(factory_page, title="Factory", icon="🏭", default=True)]).run()
