"""The shop's models live in submodules; everything is re-exported here."""

from .base import TimeStamped
from .catalog import Category, DigitalProduct, Product
from .inventory import StockLevel, Warehouse

__all__ = ["Category", "DigitalProduct", "Product", "StockLevel", "TimeStamped", "Warehouse"]
