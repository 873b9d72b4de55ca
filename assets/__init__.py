"""Data files shipped with nnanim: themes, example configs, sample data."""
