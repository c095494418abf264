"""Typed views of Kubernetes objects: all Kubernetes semantics live here, once."""
