"""Static analyses over Kubernetes objects (Pod Security Standards, ...)."""
