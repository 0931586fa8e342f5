"""The checked-in gRPC/protobuf stubs are exactly what `make proto` produces."""

from omniroute.protogen import stale_files


def test_generated_stubs_are_fresh() -> None:
    stale = stale_files()
    assert not stale, f"run `make proto` and commit: stale stubs {stale}"
