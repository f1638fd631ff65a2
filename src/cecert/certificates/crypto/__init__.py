"""Signing keys and signed payloads for certificates (no Django imports)."""
