"""Machine learning in Gumi Twin (the only package that imports scikit-learn)."""
