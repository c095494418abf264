"""kubeward: finds what is unsafe in Kubernetes and AKS configuration, and says why and where."""

__version__ = "0.1.0"
