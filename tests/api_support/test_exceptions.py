"""The exception classes of the reference API: names, bases, constructors, messages."""

from __future__ import annotations

import builtins
import pickle

import pytest

import deeplake_core
import deeplake_core.exceptions as exc
import deeplake_core.util.exceptions as util_exc

# name -> (documented base, positional constructor args); base None = only Exception.
DOCUMENTED: dict[str, tuple[str | None, tuple]] = {
    "ExternalCommandError": (None, ("kaggle datasets download", 1)),
    "KaggleError": (None, ()),
    "KaggleMissingCredentialsError": ("KaggleError", ("KAGGLE_KEY",)),
    "KaggleDatasetAlreadyDownloadedError": ("KaggleError", ("user/ds", "/tmp/x")),
    "InvalidPathException": (None, ("/no/such/dir",)),
    "AutoCompressionError": (None, ("/d",)),
    "InvalidFileExtension": (None, ("/d",)),
    "SamePathException": (None, ("/d",)),
    "TensorInvalidSampleShapeError": (None, ((2, 3), 3)),
    "TensorMetaMissingKey": (None, ("htype", {"dtype": "uint8"})),
    "TensorDoesNotExistError": ("KeyError", ("images",)),
    "TensorAlreadyExistsError": (None, ("images",)),
    "TensorGroupDoesNotExistError": ("KeyError", ("grp",)),
    "TensorGroupAlreadyExistsError": (None, ("grp",)),
    "InvalidTensorNameError": (None, ("tensors",)),
    "InvalidTensorGroupNameError": (None, ("tensors",)),
    "DynamicTensorNumpyError": (None, ("images", 3, "shape")),
    "InvalidShapeIntervalError": (None, ("bad bounds", (1, 2), (1,))),
    "InvalidKeyTypeError": ("TypeError", (1.5,)),
    "UnsupportedTensorTypeError": ("TypeError", (object(),)),
    "InvalidBytesRequestedError": (None, ()),
    "ProviderListEmptyError": (None, ()),
    "DirectoryAtPathException": (None, ()),
    "FileAtPathException": (None, ("/tmp/f",)),
    "ProviderSizeListMismatch": (None, ()),
    "ModuleNotInstalledException": (None, ("install torch",)),
    "LoginException": (None, ()),
    "UserNotLoggedInException": (None, ()),
    "InvalidHubPathException": (None, ("hub://x",)),
    "PathNotEmptyException": (None, ()),
    "AuthenticationException": (None, ()),
    "AuthorizationException": (None, ()),
    "InvalidPasswordException": ("AuthorizationException", ()),
    "CouldNotCreateNewDatasetException": ("AuthorizationException", ("hub://o/d",)),
    "ResourceNotFoundException": (None, ()),
    "BadRequestException": (None, ("missing field",)),
    "OverLimitException": (None, ()),
    "ServerException": (None, ()),
    "BadGatewayException": (None, ()),
    "GatewayTimeoutException": (None, ()),
    "WaitTimeoutException": (None, ()),
    "LockedException": (None, ()),
    "UnexpectedStatusCodeException": (None, ("status 418",)),
    "EmptyTokenException": (None, ()),
    "S3Error": (None, ()),
    "S3GetError": ("S3Error", ()),
    "S3SetError": ("S3Error", ()),
    "S3DeletionError": ("S3Error", ()),
    "S3ListError": ("S3Error", ()),
    "UnsupportedCompressionError": ("CompressionError", ("foo", "image")),
    "SampleCompressionError": ("CompressionError", ((2, 2), "png", "bad dtype")),
    "SampleDecompressionError": ("CompressionError", ()),
    "InvalidImageDimensions": (None, (4, 3)),
    "TensorUnsupportedSampleType": (None, ()),
    "MetaError": (None, ()),
    "MetaDoesNotExistError": ("MetaError", ("k",)),
    "MetaAlreadyExistsError": ("MetaError", ("k", {})),
    "MetaInvalidKey": ("MetaError", ("k", ["a", "b"])),
    "MetaInvalidRequiredMetaKey": ("MetaError", ("k", "TensorMeta")),
    "TensorMetaInvalidHtype": ("MetaError", ("nope", ["image", "text"])),
    "TensorMetaInvalidHtypeOverwriteValue": ("MetaError", ("dtype", "x")),
    "TensorMetaMissingRequiredValue": ("MetaError", ("image", "sample_compression")),
    "TensorMetaInvalidHtypeOverwriteKey": ("MetaError", ("image", "foo", ["dtype"])),
    "TensorDtypeMismatchError": ("MetaError", ("uint8", "float64", "image")),
    "InvalidTensorLinkError": ("MetaError", ()),
    "TensorMetaMutuallyExclusiveKeysError": ("MetaError", (["a", "b"],)),
    "ReadOnlyModeError": (None, ()),
    "TransformError": (None, ()),
    "FilterError": (None, ()),
    "InvalidInputDataError": ("TransformError", ("__getitem__",)),
    "UnsupportedSchedulerError": ("TransformError", ("ray",)),
    "TensorMismatchError": ("TransformError", (["a"], ["b"])),
    "InvalidOutputDatasetError": ("TransformError", ()),
    "InvalidTransformDataset": ("TransformError", ()),
    "HubComposeEmptyListError": ("TransformError", ()),
    "HubComposeIncompatibleFunction": ("TransformError", (2,)),
    "DatasetUnsupportedPytorch": (None, ("it is empty",)),
    "CorruptedMetaError": (None, ()),
    "ChunkEngineError": (None, ()),
    "FullChunkError": ("ChunkEngineError", ()),
    "ChunkIdEncoderError": ("ChunkEngineError", ()),
    "ChunkSizeTooSmallError": ("ChunkEngineError", ()),
    "DatasetHandlerError": (None, ("exists",)),
    "MemoryDatasetCanNotBePickledError": (None, ()),
    "CorruptedSampleError": (None, ("png",)),
    "VersionControlError": (None, ()),
    "MergeError": (None, ()),
    "MergeNotSupportedError": ("MergeError", ()),
    "MergeMismatchError": ("MergeError", ("t", "dtype", "uint8", "int32")),
    "MergeConflictError": ("MergeError", ()),
    "CheckoutError": ("VersionControlError", ()),
    "CommitError": ("VersionControlError", ()),
    "EmptyCommitError": ("CommitError", ()),
    "TensorModifiedError": (None, ()),
    "GCSDefaultCredsNotFound": (None, ()),
    "InvalidOperationError": (None, ("rechunk", "view")),
    "AgreementError": (None, ()),
    "AgreementNotAcceptedError": ("AgreementError", ()),
    "RenameError": (None, ()),
    "BufferError": (None, ()),
    "InfoError": (None, ()),
    "OutOfChunkCountError": (None, ()),
    "OutOfSampleCountError": (None, ()),
    "SampleHtypeMismatchError": (None, ("image", str)),
    "EmptyTensorError": (None, ("tensor is empty",)),
    "DatasetViewSavingError": (None, ()),
    "ManagedCredentialsNotFoundError": (None, ("org", "key")),
    "UnableToReadFromUrlError": (None, ("https://x", 404)),
    "InvalidTokenException": (None, ()),
    "TokenPermissionError": (None, ()),
    # referenced elsewhere in the docs
    "CompressionError": (None, ()),
    "DatasetCorruptError": (None, ()),
    "DatasetTooLargeToDelete": (None, ("/tmp/ds",)),
    "TensorTooLargeToDelete": (None, ("images",)),
    "SampleAppendingError": (None, ()),
    "SampleExtendError": (None, ()),
    "IngestionError": (None, ()),
    "InvalidSourcePathError": (None, ()),
    "InvalidDestinationPathError": (None, ()),
    "UnsupportedParameterException": (None, ()),
    "DeepMemoryAccessError": (None, ()),
    "S3GetAccessError": ("S3GetError", ()),
    "TagNotFoundError": ("KeyError", ("v1",)),
}

ALIASES = {
    "DatasetCorruptedError": "DatasetCorruptError",
    "GCSDefaultCredsNotFoundError": "GCSDefaultCredsNotFound",
    "LockException": "LockedException",
    "ReadOnlyError": "ReadOnlyModeError",
}


def test_count_matches_reference():
    assert len(DOCUMENTED) == 110 + 13


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_importable_from_both_paths_and_constructs(name):
    base, args = DOCUMENTED[name]
    cls = getattr(exc, name)
    assert getattr(util_exc, name) is cls
    assert name in exc.__all__
    assert issubclass(cls, exc.DeepLakeCoreError)
    if base is not None:
        expected = getattr(builtins, base, None) or getattr(exc, base)
        assert issubclass(cls, expected)
    err = cls(*args)
    assert str(err).strip()
    if issubclass(cls, KeyError):  # KeyError would quote the message
        assert str(err) == err.args[0]
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is cls and str(clone) == str(err)
    assert vars(clone) == vars(err) or name in {"UnsupportedTensorTypeError"}


@pytest.mark.parametrize("alias,name", sorted(ALIASES.items()))
def test_aliases_are_one_class(alias, name):
    assert getattr(exc, alias) is getattr(exc, name)
    assert getattr(util_exc, alias) is getattr(exc, name)
    assert alias in exc.__all__


def test_tensor_does_not_exist_is_key_and_attribute_error():
    err = exc.TensorDoesNotExistError("labels")
    assert isinstance(err, KeyError) and isinstance(err, AttributeError)
    assert "labels" in str(err)

    class Owner:
        def __getattr__(self, name):
            raise exc.TensorDoesNotExistError(name)

    assert getattr(Owner(), "missing", 7) == 7  # getattr's default applies
    assert not hasattr(Owner(), "missing")


def test_documented_defaults_and_optional_messages():
    assert "read_only=False" in str(exc.ReadOnlyModeError())
    assert str(exc.ReadOnlyModeError("custom")) == "custom"
    assert str(exc.S3GetError("boom")) == "boom"
    assert str(exc.InvalidBytesRequestedError("start byte -1 is negative")).startswith("start")
    assert "ignore_errors=True" in str(exc.TransformError(index=3, suggest=True))
    assert "3" in str(exc.TransformError(index=3))
    assert exc.MergeConflictError(["a"]).conflict_tensors == ["a"]
    assert str(exc.MergeConflictError(message="msg")) == "msg"
    assert "images" in str(exc.DynamicTensorNumpyError("images", 0, "shape"))
    assert "reset=True" in str(exc.DatasetCorruptError())
    cause = ValueError("bad json")
    assert exc.DatasetCorruptError("broken", cause=cause).__cause__ is cause
    assert "'a' and 'b'" in str(exc.TensorMetaMutuallyExclusiveKeysError(["a", "b"]))
    assert str(exc.TensorMetaMutuallyExclusiveKeysError(custom_message="x")) == "x"
    assert "large_ok=True" in str(exc.TensorTooLargeToDelete("t"))
    err = exc.InvalidShapeIntervalError("bad", (1, 2), (3,))
    assert err.lower == (1, 2) and "upper=(3,)" in str(err)
    # TransformError subclasses keep TransformError's attributes
    assert exc.UnsupportedSchedulerError("x").samples_processed == 0


def test_top_level_exceptions_module():
    assert deeplake_core.exceptions is exc
