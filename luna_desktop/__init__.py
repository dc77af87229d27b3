"""Luna Desktop: catalogue and curate media collections that live on external drives."""

__version__ = "0.1.0"
