"""Business rules of guides, catalogs, training bases, imports and the base API."""
