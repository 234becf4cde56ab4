"""Deployment tooling: `python -m deploy.generate` writes the bureau parts of the deployment files."""
