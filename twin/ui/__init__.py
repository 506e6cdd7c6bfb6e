"""The Streamlit explorer (the only package that imports streamlit).

Modules
-------
factory_view
    Presentation helpers without streamlit: upload parsing, KPI labels and number formats,
    the tables and plotly figures shown on the Factory page. Testable without a browser.
factory_page
    The Factory page's layout (``render``), the placeholder main page of the explorer.
"""
