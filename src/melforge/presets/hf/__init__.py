"""Recipe families that reproduce transformers' audio feature extractors.

One module per family; :func:`melforge.presets.from_pretrained` picks the family by the
config's ``feature_extractor_type`` (the table in :mod:`melforge.presets.pretrained`).
"""
