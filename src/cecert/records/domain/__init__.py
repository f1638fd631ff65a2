"""Business rules of records: crediting through ``cecert.crediting``, declaring, leave, years."""
