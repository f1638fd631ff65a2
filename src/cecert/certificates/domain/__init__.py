"""Business rules for certificates: keys, issuance, rendering, verification; ``sources`` reads records."""
