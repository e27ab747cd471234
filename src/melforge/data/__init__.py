"""Training-time loading for PyTorch: a dataset, a padding collate, a bucketing sampler.

:class:`AudioDataset` decodes, resamples and featurizes each item where it is read
(in ``DataLoader`` workers); :class:`BucketBatchSampler` groups items of similar
duration so that batches carry little padding; :class:`PadCollate` (also
``dataset.collate_fn()``, and :meth:`melforge.pipeline.FeatureDataset.collate_fn` for
featurized Parquet) pads a batch and returns features, masks and lengths as tensors.

None of this imports torch: the collate function imports it on the first batch that
asks for tensors, so ``import melforge.data`` works without it.

>>> from torch.utils.data import DataLoader  # doctest: +SKIP
>>> from melforge.data import AudioDataset, BucketBatchSampler
>>> ds = AudioDataset("clips/", preset="kaldi-fbank-80")  # doctest: +SKIP
>>> sampler = BucketBatchSampler(ds, max_duration=120.0)  # doctest: +SKIP
>>> loader = DataLoader(ds, batch_sampler=sampler, collate_fn=ds.collate_fn(),
...                     num_workers=4)  # doctest: +SKIP
"""

from melforge.data.dataset import AudioDataset, item_seed
from melforge.data.sampler import BucketBatchSampler
from melforge.pipeline.collate import PadCollate, padding_fraction

__all__ = ["AudioDataset", "BucketBatchSampler", "PadCollate", "item_seed", "padding_fraction"]
