"""lurewatch: phishing-style and anomalous communications, tied to the evidence around them."""

__version__ = "0.1.0"
