"""Request intent of chat and social messages: does a message ask for credentials, MFA codes,
payment or sensitive data, and does it press? Transparent rules first, an optional model second.
"""

from lurewatch.enrich.intent.classifier import IntentClassifier
from lurewatch.enrich.intent.rules import CATEGORIES, REQUEST_CATEGORIES, Evidence, RuleSet
from lurewatch.enrich.intent.verdict import Verdict, parse_snippet

__all__ = [
    "CATEGORIES",
    "REQUEST_CATEGORIES",
    "Evidence",
    "IntentClassifier",
    "RuleSet",
    "Verdict",
    "parse_snippet",
]
