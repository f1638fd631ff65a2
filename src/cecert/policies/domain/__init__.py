"""Filed crediting rules: the registry the platform decides by, the Article 16 filing workflow, 7(13) confirmations."""
