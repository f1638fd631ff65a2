"""Crediting core: Article 7 hours, Article 5/8 requirements and yearly compliance.

Pure Python (no Django). Entry points: ``cecert.crediting.service`` (JSON faces),
``evaluation.evaluate``, ``compliance.assess_compliance``, ``policies.select_policy``.
"""
