"""ml-product-metrics: nightly checks over the warehouse tables behind AI features."""

__version__ = "0.1.0"
