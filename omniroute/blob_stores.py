"""Which blob store a service uses: an S3 bucket when one is configured,
else a local directory."""

from __future__ import annotations

from pathlib import Path

from omniroute.blob_s3 import S3BlobStore, S3Location
from omniroute.blobs import BlobStore, LocalBlobStore


def open_blob_store(directory: Path, s3: S3Location | None) -> BlobStore:
    """The store for ``s3`` when given, else one in ``directory``. Call its
    ``aclose()`` when the service stops."""
    if s3 is not None:
        return S3BlobStore(s3)
    return LocalBlobStore(directory)
