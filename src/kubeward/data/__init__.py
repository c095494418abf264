"""Data files shipped with kubeward (tables kept as data, not code)."""
