"""Command groups of the `kubeward` CLI beyond `scan`, `pss` and `rules`, one module each.

Each module defines a click command or group; `kubeward.cli` registers them explicitly.
Like `cli.py`, they parse options, call the library and render: no analysis here.
"""
