"""Every exception deeplake-core raises.

All derive from :class:`DeepLakeCoreError`, and also from the builtin base the reference
API documents (``TensorDoesNotExistError`` is a ``KeyError`` and an ``AttributeError``,
``InvalidKeyTypeError`` a ``TypeError``, ...). Names and constructor arguments follow the
reference API (``deeplake.util.exceptions``, also importable as
``deeplake_core.util.exceptions``); where the reference spells a name two ways, both
names refer to one class. Messages say what went wrong and what to do about it.

Classes documented without arguments accept an optional message that replaces their
default one. Every exception pickles and unpickles unchanged (process schedulers send
them between processes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _rebuild(cls: type[BaseException], args: tuple, state: dict) -> BaseException:
    """Recreate an exception without calling ``__init__`` (used by pickling)."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class DeepLakeCoreError(Exception):
    """Base class of every deeplake-core error.

    ``DeepLakeCoreError()`` uses the class's ``default_message``;
    ``DeepLakeCoreError("text")`` uses ``text``.
    """

    default_message = "deeplake-core operation failed."

    def __init__(self, *args: Any) -> None:
        super().__init__(*(args or (self.default_message,)))

    def __str__(self) -> str:
        # KeyError would otherwise quote the message.
        if len(self.args) == 1:
            return str(self.args[0])
        return super().__str__()

    def __reduce__(self):
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _names(items: Sequence[Any] | None, limit: int = 20) -> str:
    if not items:
        return "(none)"
    shown = ", ".join(repr(i) for i in list(items)[:limit])
    return shown + (", ..." if len(items) > limit else "")


# --------------------------------------------------------------------------- generic I/O


class InvalidBytesRequestedError(DeepLakeCoreError):
    """A byte range with a negative bound or start after end."""

    default_message = (
        "Invalid byte range: start and end must be non-negative and start must not be after end."
    )


class ReadOnlyModeError(DeepLakeCoreError):
    """A write was attempted on a read-only dataset, view or storage."""

    def __init__(self, custom_message: str | None = None):
        super().__init__(
            custom_message
            or "Modification when in read-only mode is not supported; "
            "open the dataset with read_only=False."
        )


ReadOnlyError = ReadOnlyModeError


class ProviderListEmptyError(DeepLakeCoreError):
    """A cache chain was built from an empty list of storage providers."""

    default_message = "The list of storage providers is empty; pass at least one provider."


class ProviderSizeListMismatch(DeepLakeCoreError):
    """The provider list and the cache-size list have different lengths."""

    default_message = (
        "Got a different number of cache sizes than cache providers; pass one size per "
        "cache layer (all providers except the last)."
    )


class ModuleNotInstalledException(DeepLakeCoreError):
    """An optional dependency is missing."""

    def __init__(self, message: str):
        super().__init__(message)


class BufferError(DeepLakeCoreError):  # shadows the builtin, as in the reference API
    """A sample buffer could not be read or written."""

    default_message = "Invalid sample buffer; the data may be corrupted or truncated."


class UnableToReadFromUrlError(DeepLakeCoreError):
    """An http(s) URL could not be read."""

    def __init__(self, url: str, status_code: int):
        self.url = url
        self.status_code = status_code
        super().__init__(
            f"Reading {url!r} failed with HTTP status {status_code}; check that the URL "
            "is correct and reachable."
        )


# ------------------------------------------------------------------------------ S3 / GCS


class S3Error(DeepLakeCoreError):
    """Any error met while working with S3."""

    default_message = "An S3 request failed; check the path, credentials and network."


class S3GetError(S3Error):
    """Reading an object from S3 failed."""

    default_message = "Reading an object from S3 failed; check the path and credentials."


class S3GetAccessError(S3GetError):
    """The credentials do not allow reading the object."""

    default_message = (
        "Access denied reading from S3; pass creds that may read this path or set the "
        "AWS environment variables."
    )


class S3SetError(S3Error):
    """Writing an object to S3 failed."""

    default_message = (
        "Writing an object to S3 failed; check that the creds allow writing to the bucket."
    )


class S3DeletionError(S3Error):
    """Deleting an object from S3 failed."""

    default_message = "Deleting an object from S3 failed; check that the creds allow deleting."


class S3ListError(S3Error):
    """Listing objects in S3 failed."""

    default_message = (
        "Listing objects in S3 failed; check the bucket name and that the creds allow listing."
    )


class GCSDefaultCredsNotFound(DeepLakeCoreError):
    """``creds='google_default'`` but no default Google credentials were found."""

    default_message = (
        "No default Google Cloud credentials found; run `gcloud auth application-default "
        "login` or pass creds explicitly."
    )


GCSDefaultCredsNotFoundError = GCSDefaultCredsNotFound


# ------------------------------------------------------------------- hosted service, auth


class LoginException(DeepLakeCoreError):
    """Logging in failed."""

    def __init__(
        self,
        message: str = "Logging in failed: the auth token is not valid. Log in again "
        "with a fresh token.",
    ):
        super().__init__(message)


class UserNotLoggedInException(DeepLakeCoreError):
    """The operation requires authentication."""

    default_message = "This operation needs you to be logged in; pass a token or log in first."


class InvalidHubPathException(DeepLakeCoreError):
    """A malformed ``hub://`` path."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(
            f"{path!r} is not a valid hub path; use the form hub://<org_id>/<dataset_name>."
        )


class PathNotEmptyException(DeepLakeCoreError):
    """The target path is not empty."""

    def __init__(self, use_hub: bool = True):
        self.use_hub = use_hub
        if use_hub:
            msg = (
                "A dataset already exists at this hub path; load it, pass overwrite=True, "
                "or choose another name."
            )
        else:
            msg = (
                "The path is not empty and holds no dataset; choose an empty directory or "
                "pass overwrite=True to replace its contents."
            )
        super().__init__(msg)


class AuthenticationException(DeepLakeCoreError):
    """Authentication failed."""

    def __init__(self, message: str = "Authentication failed; log in again."):
        super().__init__(message)


class AuthorizationException(DeepLakeCoreError):
    """The user may not access the resource."""

    def __init__(
        self,
        message: str = "You are not allowed to access this resource; check the path and "
        "that your token has the needed permissions.",
        response: Any = None,
    ):
        self.response = response
        super().__init__(message)


class InvalidPasswordException(AuthorizationException):
    """The password is wrong."""

    def __init__(self, message: str = "The password is not valid; check it and retry."):
        super().__init__(message)


class CouldNotCreateNewDatasetException(AuthorizationException):
    """No permission to create a dataset at the path."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(
            f"You may not create a dataset at {path!r}; check the organisation name and "
            "your permissions, or pick a path you own."
        )


class ResourceNotFoundException(DeepLakeCoreError):
    """The requested resource does not exist."""

    def __init__(
        self,
        message: str = "The requested resource was not found; check the name or id.",
    ):
        super().__init__(message)


class BadRequestException(DeepLakeCoreError):
    """The server rejected the request as malformed (HTTP 400)."""

    def __init__(self, message: str):
        super().__init__(f"Invalid request: {message}")


class OverLimitException(DeepLakeCoreError):
    """The account is over its limits."""

    def __init__(
        self,
        message: str = "This operation exceeds the limits of your account; reduce the "
        "request or raise your limits.",
    ):
        super().__init__(message)


class ServerException(DeepLakeCoreError):
    """The server failed internally."""

    def __init__(self, message: str = "The server had an internal error; retry later."):
        super().__init__(message)


class BadGatewayException(DeepLakeCoreError):
    """The server answered with an invalid response."""

    def __init__(self, message: str = "The server sent an invalid response; retry later."):
        super().__init__(message)


class GatewayTimeoutException(DeepLakeCoreError):
    """The server took too long to answer."""

    def __init__(self, message: str = "The server took too long to respond; retry later."):
        super().__init__(message)


class WaitTimeoutException(DeepLakeCoreError):
    """Timed out waiting for a server-side state change."""

    def __init__(
        self,
        message: str = "Timed out waiting for the server to update its state; retry later.",
    ):
        super().__init__(message)


class UnexpectedStatusCodeException(DeepLakeCoreError):
    """The server returned an unexpected HTTP status."""

    def __init__(self, message: str):
        super().__init__(message)


class EmptyTokenException(DeepLakeCoreError):
    """The auth token is empty."""

    def __init__(self, message: str = "The auth token is empty; pass a non-empty token."):
        super().__init__(message)


class InvalidTokenException(DeepLakeCoreError):
    """The auth token is malformed or expired."""

    default_message = "The auth token is not valid or has expired; create a new one."


class TokenPermissionError(DeepLakeCoreError):
    """The token lacks the permission needed, or the path cannot be used with it."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "Your token does not allow this operation at this path; check the path "
            "and the token's permissions."
        )


class ManagedCredentialsNotFoundError(DeepLakeCoreError):
    """A managed credentials key is unknown to the organisation."""

    def __init__(self, org_id: str, creds_key: str):
        self.org_id = org_id
        self.creds_key = creds_key
        super().__init__(
            f"No managed credentials named {creds_key!r} in organisation {org_id!r}; check "
            "the key or add it to the organisation first."
        )


class AgreementError(DeepLakeCoreError):
    """A dataset's usage agreement was not accepted."""

    default_message = "The dataset's agreement was not accepted; accept it to continue."


class AgreementNotAcceptedError(AgreementError):
    """The user declined the dataset's agreements."""

    def __init__(self, agreements: Sequence[str] | None = None):
        self.agreements = agreements
        super().__init__(
            "You must accept the dataset's agreement before using it; load it again and "
            "accept when asked."
        )


class DeepMemoryAccessError(DeepLakeCoreError):
    """Deep Memory is not available for this dataset or user."""

    default_message = (
        "Deep Memory is not available for this dataset; use a dataset and account that "
        "have access to it."
    )


class UnsupportedParameterException(DeepLakeCoreError):
    """A parameter that is no longer supported was passed."""

    default_message = "A parameter that is no longer supported was passed; remove it."


# ------------------------------------------------------------------------ Kaggle / ingest


class ExternalCommandError(DeepLakeCoreError):
    """An external command exited with a non-zero status."""

    def __init__(self, command: str, status: int):
        self.command = command
        self.status = status
        super().__init__(
            f"Command {command!r} exited with status {status}; check its output and that "
            "it is installed and configured."
        )


class KaggleError(DeepLakeCoreError):
    """Base of Kaggle download errors."""

    default_message = "Downloading from Kaggle failed."


class KaggleMissingCredentialsError(KaggleError):
    """No Kaggle credentials were found."""

    def __init__(self, env_var_name: str):
        self.env_var_name = env_var_name
        super().__init__(
            f"No Kaggle credentials found: set {env_var_name!r} in the environment, pass "
            "kaggle_credentials, or put kaggle.json in ~/.kaggle."
        )


class KaggleDatasetAlreadyDownloadedError(KaggleError):
    """The Kaggle dataset is already downloaded at the path."""

    def __init__(self, tag: str, path: str):
        self.tag = tag
        self.path = path
        super().__init__(
            f"Kaggle dataset {tag!r} is already downloaded to {path!r}; pass "
            "exist_ok=True to use the existing copy."
        )


class InvalidPathException(DeepLakeCoreError):
    """The ingestion source directory does not exist."""

    def __init__(self, directory: str):
        self.directory = directory
        super().__init__(f"The directory {directory!r} does not exist; check the path.")


class AutoCompressionError(DeepLakeCoreError):
    """No compression could be inferred from the source files."""

    def __init__(self, directory: str):
        self.directory = directory
        super().__init__(
            f"Could not infer a compression from the files in {directory!r} (is it empty?); "
            "pass the compression explicitly."
        )


class InvalidFileExtension(DeepLakeCoreError):
    """The most frequent file extension in the source is not a known compression."""

    def __init__(self, directory: str):
        self.directory = directory
        super().__init__(
            f"The files in {directory!r} have no usable extension; pass the compression explicitly."
        )


class SamePathException(DeepLakeCoreError):
    """Source and destination paths are the same."""

    def __init__(self, directory: str):
        self.directory = directory
        super().__init__(
            f"Source and destination are the same path ({directory!r}); choose a different "
            "destination."
        )


class IngestionError(DeepLakeCoreError):
    """Ingesting external data failed."""

    default_message = "Ingestion failed; check the source data and the ingestion arguments."


class InvalidSourcePathError(DeepLakeCoreError):
    """The source path cannot be used (e.g. not an s3, gcs or azure path)."""

    default_message = "The source path is not valid; use an s3://, gcs:// or az:// path."


class InvalidDestinationPathError(DeepLakeCoreError):
    """The destination path does not form a valid dataset path."""

    default_message = "The destination path is not a valid dataset path; check it."


# --------------------------------------------------------------------- tensors and groups


class TensorInvalidSampleShapeError(DeepLakeCoreError):
    """A sample's number of dimensions differs from the tensor's."""

    def __init__(self, shape: Sequence[int], expected_dims: int):
        self.shape = tuple(shape) if shape is not None else None
        self.expected_dims = expected_dims
        super().__init__(
            f"Sample shape {self.shape} has {len(self.shape or ())} dimensions but the "
            f"tensor expects {expected_dims}; reshape the sample to match."
        )


class TensorMetaMissingKey(DeepLakeCoreError):
    """A required key is missing from a tensor's meta."""

    def __init__(self, key: str, meta: dict):
        self.key = key
        self.meta = meta
        super().__init__(
            f"Tensor meta lacks the required key {key!r} (keys present: "
            f"{_names(sorted(meta))}); the meta may be corrupted."
        )


class TensorDoesNotExistError(DeepLakeCoreError, KeyError, AttributeError):
    """No tensor of this name in the dataset."""

    def __init__(self, tensor_name: str):
        self.tensor_name = tensor_name
        super().__init__(
            f"Tensor {tensor_name!r} does not exist; create it with create_tensor or check "
            "ds.tensors for the available names."
        )


class TensorAlreadyExistsError(DeepLakeCoreError):
    """A tensor of this name already exists."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(
            f"Tensor {key!r} already exists; choose another name, or pass exist_ok=True to "
            "reuse it."
        )


class TensorGroupDoesNotExistError(DeepLakeCoreError, KeyError):
    """No group of this name in the dataset."""

    def __init__(self, group_name: str):
        self.group_name = group_name
        super().__init__(
            f"Group {group_name!r} does not exist; create it with create_group or check ds.groups."
        )


class TensorGroupAlreadyExistsError(DeepLakeCoreError):
    """A group of this name already exists."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(
            f"Group {key!r} already exists; choose another name or use the existing group."
        )


class InvalidTensorNameError(DeepLakeCoreError):
    """The tensor name is empty, malformed or clashes with a dataset attribute."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(
            f"{name!r} cannot be used as a tensor name (it is empty, contains invalid "
            "characters or clashes with a Dataset attribute); choose another name."
        )


class InvalidTensorGroupNameError(DeepLakeCoreError):
    """The group name is empty, malformed or clashes with a dataset attribute."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(
            f"{name!r} cannot be used as a group name (it is empty, contains invalid "
            "characters or clashes with a Dataset attribute); choose another name."
        )


class DynamicTensorNumpyError(DeepLakeCoreError):
    """``numpy()`` on samples of different shapes without ``aslist=True``."""

    def __init__(self, key: str, index: Any, property_key: str):
        self.key = key
        self.index = index
        self.property_key = property_key
        super().__init__(
            f"Tensor {key!r} has samples of different {property_key} at index {index}, so "
            "they do not fit one array; pass aslist=True to get a list of arrays."
        )


class InvalidShapeIntervalError(DeepLakeCoreError):
    """Shape bounds that cannot describe a shape."""

    def __init__(
        self,
        message: str,
        lower: Sequence[int] | None = None,
        upper: Sequence[int] | None = None,
    ):
        self.lower = lower
        self.upper = upper
        parts = [message]
        if lower is not None:
            parts.append(f"lower={tuple(lower)}")
        if upper is not None:
            parts.append(f"upper={tuple(upper)}")
        super().__init__(" ".join(parts))


class InvalidKeyTypeError(DeepLakeCoreError, TypeError):
    """A key of a type that cannot be used for lookup."""

    def __init__(self, item: Any):
        self.item = item
        super().__init__(
            f"Cannot look up with a key of type {type(item).__name__} ({item!r}); use a "
            "str for tensors and an int, slice or list of ints for samples."
        )


class UnsupportedTensorTypeError(DeepLakeCoreError, TypeError):
    """A value of a type that cannot be stored in a tensor."""

    def __init__(self, item: Any):
        self.item = item
        super().__init__(
            f"Values of type {type(item).__name__} cannot be stored in a tensor; convert "
            "them to numpy arrays, scalars, strings or deeplake samples."
        )


class InvalidImageDimensions(DeepLakeCoreError):
    """An image sample has the wrong number of dimensions."""

    def __init__(self, actual_dims: int, expected_dims: int):
        self.actual_dims = actual_dims
        self.expected_dims = expected_dims
        super().__init__(
            f"Image has {actual_dims} dimensions, expected {expected_dims}; reshape it "
            "(height, width[, channels])."
        )


class TensorUnsupportedSampleType(DeepLakeCoreError):
    """The tensor does not accept samples of this type."""

    default_message = (
        "This tensor does not accept samples of this type; convert the sample to a numpy "
        "array or a deeplake sample."
    )


class SampleHtypeMismatchError(DeepLakeCoreError):
    """A sample's type does not fit the tensor's htype."""

    def __init__(self, htype: str, sample_type: Any):
        self.htype = htype
        self.sample_type = sample_type
        name = getattr(sample_type, "__name__", str(sample_type))
        super().__init__(
            f"A sample of type {name} cannot be added to a tensor of htype {htype!r}; "
            "convert it or use a tensor with a matching htype."
        )


class SampleAppendingError(DeepLakeCoreError):
    """A value was appended to a dataset without naming tensors."""

    default_message = (
        "Cannot append a bare value to a dataset; append a dict mapping tensor names to "
        "values, or append to a tensor (ds.<tensor>.append(value))."
    )


class SampleExtendError(DeepLakeCoreError):
    """Extending a tensor failed; nothing was added."""

    default_message = "Extending the tensor failed; no samples were added."


class EmptyTensorError(DeepLakeCoreError):
    """An operation needs a non-empty tensor."""

    def __init__(self, message: str):
        super().__init__(message)


class TensorModifiedError(DeepLakeCoreError):
    """The target of ``modified_samples`` is not an ancestor of the current commit."""

    default_message = (
        "The given commit is not an ancestor of the current one; pass an ancestor commit."
    )


class TensorTooLargeToDelete(DeepLakeCoreError):
    """Deleting a tensor over 1 GB without ``large_ok=True``."""

    def __init__(self, tensor_name: str):
        self.tensor_name = tensor_name
        super().__init__(
            f"Tensor {tensor_name!r} is larger than 1 GB; pass large_ok=True to delete it."
        )


class InvalidOperationError(DeepLakeCoreError):
    """The method is not allowed on this kind of object."""

    def __init__(self, method: str, type: str):
        self.method = method
        self.type = type
        super().__init__(f"{method} cannot be used on a {type}; use it on a dataset instead.")


class InfoError(DeepLakeCoreError):
    """An invalid operation on an ``info`` object."""

    default_message = "Invalid info operation; info holds JSON-serialisable key-value pairs."


# ---------------------------------------------------------------------------- compression


class CompressionError(DeepLakeCoreError):
    """Base of compression errors."""

    default_message = "Compression failed."


class UnsupportedCompressionError(CompressionError):
    """The compression is unknown or not allowed for the htype."""

    def __init__(self, compression: str | None, htype: str | None = None):
        self.compression = compression
        self.htype = htype
        where = f" for htype {htype!r}" if htype else ""
        super().__init__(
            f"Compression {compression!r} is not supported{where}; pick one of the "
            "supported compressions (see deeplake.compressions)."
        )


class SampleCompressionError(CompressionError):
    """Compressing a sample failed."""

    def __init__(
        self,
        sample_shape: Sequence[int],
        compression_format: str | None,
        message: str,
    ):
        self.sample_shape = tuple(sample_shape) if sample_shape is not None else None
        self.compression_format = compression_format
        super().__init__(
            f"Could not compress a sample of shape {self.sample_shape} with "
            f"{compression_format!r}: {message}. Check the sample's shape and dtype suit "
            "this compression, or choose another."
        )


class SampleDecompressionError(CompressionError):
    """Decompressing a sample failed."""

    def __init__(self, path: str | None = None):
        self.path = path
        where = f" read from {path!r}" if path else ""
        super().__init__(
            f"Could not decompress the sample{where}; the data is corrupted or not in the "
            "declared compression."
        )


class DecompressionBombError(SampleDecompressionError):
    """A sample would decode to more pixels or bytes than the configured limit."""

    def __init__(
        self,
        size: int,
        limit: int,
        what: str = "pixels",
        path: str | None = None,
        *,
        how_to_raise: str | None = None,
    ):
        self.path = path
        self.size = size
        self.limit = limit
        where = f" read from {path!r}" if path else ""
        how = how_to_raise or (
            "deeplake_core_image.limits.set_max_pixels / set_max_bytes, or the "
            "DEEPLAKE_CORE_IMAGE_MAX_PIXELS / DEEPLAKE_CORE_IMAGE_MAX_BYTES variables"
        )
        CompressionError.__init__(
            self,
            f"The sample{where} would decode to {size} {what}, over the limit of {limit}; "
            "this protects against decompression bombs. If the file is trusted, raise the "
            f"limit ({how}).",
        )


class LinkedSampleError(DeepLakeCoreError, ValueError):
    """A linked sample cannot be fetched: missing credentials, bad path or refused access."""

    default_message = "The linked sample could not be read; check its path and creds_key."


class CredsKeyNotFoundError(DeepLakeCoreError, KeyError):
    """A creds key (``add_creds_key``) that the dataset does not have."""

    default_message = "No such creds key in this dataset; add it with ds.add_creds_key(key)."


class CorruptedSampleError(DeepLakeCoreError):
    """Sample data that cannot be decoded with its compression."""

    def __init__(self, compression: str | None, path: str | None = None):
        self.compression = compression
        self.path = path
        where = f" at {path!r}" if path else ""
        super().__init__(
            f"The sample{where} is corrupted or is not valid {compression!r} data; "
            "re-create it, or pass ignore_errors=True to skip bad samples."
        )


# ------------------------------------------------------------------------------ tensor meta


class MetaError(DeepLakeCoreError):
    """Base of meta errors."""

    default_message = "Invalid meta."


class MetaDoesNotExistError(MetaError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(f"No meta found at {key!r}; the dataset may be incomplete.")


class MetaAlreadyExistsError(MetaError):
    def __init__(self, key: str, required_meta: dict):
        self.key = key
        self.required_meta = required_meta
        super().__init__(f"Meta already exists at {key!r}; load it instead of creating it.")


class MetaInvalidKey(MetaError):
    def __init__(self, name: str, available_keys: list[str]):
        self.name = name
        self.available_keys = available_keys
        super().__init__(f"{name!r} is not a meta key; use one of {_names(available_keys)}.")


class MetaInvalidRequiredMetaKey(MetaError):
    def __init__(self, key: str, subclass_name: str):
        self.key = key
        self.subclass_name = subclass_name
        super().__init__(
            f"{key!r} cannot be part of the required meta of {subclass_name}; remove it."
        )


class TensorMetaInvalidHtype(MetaError):
    """Unknown htype."""

    def __init__(self, htype: str, available_htypes: Sequence[str]):
        self.htype = htype
        self.available_htypes = available_htypes
        super().__init__(
            f"Unknown htype {htype!r}; use one of {_names(sorted(available_htypes), 100)}."
        )


class TensorMetaInvalidHtypeOverwriteValue(MetaError):
    """An invalid value for an htype setting."""

    def __init__(self, key: str, value: Any, explanation: str = ""):
        self.key = key
        self.value = value
        self.explanation = explanation
        tail = f" {explanation}" if explanation else ""
        super().__init__(f"Invalid value {value!r} for {key!r}.{tail}".rstrip())


class TensorMetaMissingRequiredValue(MetaError):
    """The htype needs a value that was not given."""

    def __init__(self, htype: str, key: str | list[str]):
        self.htype = htype
        self.key = key
        keys = key if isinstance(key, list) else [key]
        super().__init__(
            f"Htype {htype!r} needs a value for {' or '.join(map(repr, keys))}; pass it "
            "to create_tensor."
        )


class TensorMetaInvalidHtypeOverwriteKey(MetaError):
    """An argument that the htype does not accept."""

    def __init__(self, htype: str, key: str, available_keys: Sequence[str]):
        self.htype = htype
        self.key = key
        self.available_keys = available_keys
        super().__init__(
            f"Htype {htype!r} does not accept {key!r}; accepted: {_names(sorted(available_keys), 100)}."
        )


class TensorDtypeMismatchError(MetaError):
    """A sample's dtype differs from the tensor's and cannot be cast safely."""

    def __init__(self, expected: Any, actual: str, htype: str):
        self.expected = expected
        self.actual = actual
        self.htype = htype
        super().__init__(
            f"Tensor of htype {htype!r} has dtype {str(expected)!r} but the sample has "
            f"{actual!r}, which cannot be cast safely; convert the sample with "
            f".astype({str(expected)!r})."
        )


class InvalidTensorLinkError(MetaError):
    def __init__(self, msg: str = "Invalid tensor link; check the linked tensor's name."):
        super().__init__(msg)


class TensorMetaMutuallyExclusiveKeysError(MetaError):
    """Settings that cannot be used together."""

    def __init__(self, keys: list[str] | None = None, custom_message: str | None = None):
        self.keys = keys
        if custom_message:
            msg = custom_message
        else:
            msg = (
                f"The settings {' and '.join(map(repr, keys or []))} cannot be used "
                "together; pass only one of them."
            )
        super().__init__(msg)


class CorruptedMetaError(DeepLakeCoreError):
    default_message = "Meta data is corrupted; restore the dataset from a valid version."


# ------------------------------------------------------------------------- chunk engine


class ChunkEngineError(DeepLakeCoreError):
    default_message = "Chunk engine error."


class FullChunkError(ChunkEngineError):
    default_message = "The chunk is full; start a new chunk."


class ChunkIdEncoderError(ChunkEngineError):
    default_message = "Chunk id encoder error; the tensor index may be corrupted."


class ChunkSizeTooSmallError(ChunkEngineError):
    def __init__(
        self,
        message: str = "The size of the last chunk must be smaller than the requested chunk size.",
    ):
        super().__init__(message)


class CorruptChunkError(ChunkEngineError):
    """A chunk is missing, truncated, empty, or fails its header or checksum checks."""

    default_message = (
        "A chunk is corrupted (truncated or failed its checksum); restore it from a copy "
        "or go back to an earlier version of the dataset."
    )


class CorruptIndexError(ChunkEngineError):
    """A tensor index file is truncated, malformed, or fails its checksum."""

    default_message = (
        "A tensor index file is corrupted (truncated or failed its checksum); load an "
        "earlier version of the dataset or restore the file from a copy."
    )


class OutOfChunkCountError(DeepLakeCoreError):
    default_message = "The chunk count is exhausted; the data cannot be placed."


class OutOfSampleCountError(DeepLakeCoreError):
    default_message = "The sample count is exhausted; the data cannot be placed."


# ------------------------------------------------------------------------------ datasets


class DatasetHandlerError(DeepLakeCoreError):
    """Dataset exists / does not exist, or may not be overwritten or deleted."""

    def __init__(self, message: str):
        super().__init__(message)


class DatasetCorruptError(DeepLakeCoreError):
    """The dataset could not be loaded because its data is corrupted."""

    def __init__(
        self, message: str | None = None, action: str = "", cause: Exception | None = None
    ):
        self.message = message or "The dataset is corrupted."
        self.action = action or "Load it with reset=True to go back to the last valid state."
        self.__cause__ = cause
        super().__init__(f"{self.message} {self.action}")


DatasetCorruptedError = DatasetCorruptError


class DatasetFormatError(DeepLakeCoreError):
    """The dataset was written in an on-disk format newer than this release reads."""


class ChunkFormatVersionError(CorruptChunkError, DatasetFormatError):
    """A chunk was written in a chunk format version this release does not read."""

    default_message = (
        "A chunk was written in a format version this release does not read; open the "
        "dataset with a deeplake-core release that supports it."
    )


class IndexFormatVersionError(CorruptIndexError, DatasetFormatError):
    """A tensor index file was written in a format version this release does not read."""

    default_message = (
        "A tensor index file was written in a format version this release does not read; "
        "open the dataset with a deeplake-core release that supports it."
    )


class DatasetTooLargeToDelete(DeepLakeCoreError):
    """Deleting a dataset over 1 GB without ``large_ok=True``."""

    def __init__(self, ds_path: str):
        self.ds_path = ds_path
        super().__init__(
            f"The dataset at {ds_path!r} is larger than 1 GB; pass large_ok=True to delete it."
        )


class DatasetUnsupportedPytorch(DeepLakeCoreError):
    """The dataset cannot be used with ``pytorch()``."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"This dataset cannot be used with pytorch(): {reason}")


class LoaderWorkerError(DeepLakeCoreError, RuntimeError):
    """A dataloader worker process failed, died, or cannot be started."""

    default_message = "A dataloader worker process failed; see the message for the cause."


class DatasetViewSavingError(DeepLakeCoreError):
    default_message = (
        "Cannot save the view; commit the pending changes first or save it with optimize=True."
    )


class RenameError(DeepLakeCoreError):
    def __init__(
        self,
        msg: str = "Only the dataset name may change when renaming; keep the rest of the "
        "path the same.",
    ):
        super().__init__(msg)


class TagNotFoundError(DeepLakeCoreError, KeyError):
    """[v4] No tag of this name."""

    def __init__(self, name: str | None = None):
        self.name = name
        super().__init__(
            f"Tag {name!r} does not exist; see ds.tags.names for the existing tags."
            if name is not None
            else "Tag does not exist; see ds.tags.names for the existing tags."
        )


# ------------------------------------------------------------------------ version control


class VersionControlError(DeepLakeCoreError):
    default_message = "Version control operation failed."


class CheckoutError(VersionControlError):
    default_message = (
        "Checkout failed; pass an existing branch or commit id, or create=True for a new branch."
    )


class CommitError(VersionControlError):
    default_message = "Commit failed."


class EmptyCommitError(CommitError):
    default_message = "There are no changes to commit; make changes first or pass allow_empty=True."


class MergeError(DeepLakeCoreError):
    default_message = "Merge failed."


class MergeNotSupportedError(MergeError):
    default_message = (
        "Merging is not supported for this dataset; upgrade it to the current format first."
    )


class MergeMismatchError(MergeError):
    """Tensor meta differs between the branches in a way merge cannot reconcile."""

    def __init__(
        self, tensor_name: str, mismatch_type: str, original_value: Any, target_value: Any
    ):
        self.tensor_name = tensor_name
        self.mismatch_type = mismatch_type
        self.original_value = original_value
        self.target_value = target_value
        super().__init__(
            f"Cannot merge tensor {tensor_name!r}: its {mismatch_type} is "
            f"{original_value!r} here and {target_value!r} in the target; make them "
            "equal before merging."
        )


class MergeConflictError(MergeError):
    """Samples changed on both sides of a merge."""

    def __init__(self, conflict_tensors: Sequence[str] | None = None, message: str = ""):
        self.conflict_tensors = conflict_tensors
        if message:
            msg = message
        else:
            msg = (
                f"Merge conflicts in tensors {_names(sorted(conflict_tensors or []))}; pass "
                "conflict_resolution='ours' or 'theirs'."
            )
        super().__init__(msg)


# --------------------------------------------------------------------------- transforms


class TransformError(DeepLakeCoreError):
    """A transform failed."""

    index: int | None = None
    sample: Any = None
    samples_processed: int = 0
    suggest: bool = False

    def __init__(
        self,
        index: int | None = None,
        sample: Any = None,
        samples_processed: int = 0,
        suggest: bool = False,
    ):
        self.index = index
        self.sample = sample
        self.samples_processed = samples_processed
        self.suggest = suggest
        msg = "Transform failed"
        if index is not None:
            msg += f" at index {index} of the input"
        if samples_processed:
            msg += f" after {samples_processed} samples were processed"
        msg += "; see the error above for the cause."
        if suggest:
            msg += " Pass ignore_errors=True to skip samples that fail."
        super().__init__(msg)


class FilterError(DeepLakeCoreError):
    default_message = "Filtering failed; check the filter function or query."


class InvalidInputDataError(TransformError):
    """``data_in`` cannot be used as transform input."""

    def __init__(self, operation: str):
        self.operation = operation
        DeepLakeCoreError.__init__(
            self,
            f"The transform input must support len() and {operation}; pass a list, a "
            "dataset or another sequence (in-memory datasets need a threaded scheduler).",
        )


class UnsupportedSchedulerError(TransformError):
    def __init__(self, scheduler: str):
        self.scheduler = scheduler
        DeepLakeCoreError.__init__(
            self,
            f"Unknown scheduler {scheduler!r}; use 'serial', 'threaded' or 'processed', or "
            "install a plugin providing it.",
        )


class TensorMismatchError(TransformError):
    """Transform outputs do not match the output dataset's tensors."""

    def __init__(self, tensors: Sequence[str], output_keys: Sequence[str], skip_ok: bool = False):
        self.tensors = tensors
        self.output_keys = output_keys
        self.skip_ok = skip_ok
        if skip_ok:
            msg = (
                f"The transform wrote tensors {_names(sorted(set(output_keys) - set(tensors)))} "
                "that are not in the output dataset; create them first."
            )
        else:
            msg = (
                f"The output dataset has tensors {_names(sorted(tensors))} but the transform "
                f"wrote {_names(sorted(output_keys))}; write every tensor or pass "
                "skip_ok=True."
            )
        DeepLakeCoreError.__init__(self, msg)


class InvalidOutputDatasetError(TransformError):
    def __init__(
        self,
        message: str = "The output dataset of a transform must not be read-only; open it "
        "with read_only=False.",
    ):
        DeepLakeCoreError.__init__(self, message)


class InvalidTransformDataset(TransformError):
    def __init__(
        self,
        message: str = "All tensors written by one transform call must have the same "
        "number of samples.",
    ):
        DeepLakeCoreError.__init__(self, message)


class HubComposeEmptyListError(TransformError):
    def __init__(self, message: str = "Cannot compose an empty list of functions."):
        DeepLakeCoreError.__init__(self, message)


class HubComposeIncompatibleFunction(TransformError):
    def __init__(self, index: int):
        self.index = index
        DeepLakeCoreError.__init__(
            self,
            f"Item {index} of the pipeline is not a compute function; decorate it with "
            "@deeplake.compute and call it.",
        )


# -- storage -------------------------------------------------------------------------------
class InvalidKeyError(DeepLakeCoreError, ValueError):
    """A storage key that is malformed or could escape the storage root."""


class DirectoryAtPathException(DeepLakeCoreError):
    """A directory sits where a stored value (a file) was expected."""

    def __init__(self, path: str = ""):
        super().__init__(
            f"a directory exists at {path!r} where a value was expected; "
            "remove or rename that directory"
            if path
            else "a directory exists where a value was expected"
        )


class FileAtPathException(DeepLakeCoreError):
    """A file sits where a directory (a storage root or key prefix) was expected."""

    def __init__(self, path: str = ""):
        super().__init__(
            f"a file exists at {path!r} where a directory was expected; "
            "choose another path or move that file"
        )


class LockedException(DeepLakeCoreError):
    """The dataset (or branch) is held for writing by another writer."""

    def __init__(self, message: str = "The resource is currently locked."):
        super().__init__(message)


LockException = LockedException


class MemoryDatasetCanNotBePickledError(DeepLakeCoreError):
    """An in-memory (``mem://``) store cannot be moved to another process."""

    def __init__(self, custom_message: str | None = None):
        super().__init__(
            custom_message
            or "in-memory (mem://) data lives in one process and cannot be pickled into "
            "another; store the dataset on disk (a local path) to share it between processes"
        )


class CredentialsUnavailableError(DeepLakeCoreError, PermissionError):
    """A pickled storage provider was opened in a process that does not have its
    credentials (credentials are never written into pickles)."""


# --------------------------------------------------------------------- plugins
# Defined here (not in deeplake_core.plugins.errors, which re-exports them) so that
# importing this module never imports the plugin kernel.

_PLUGIN_KIND_LABELS = {
    "htypes": "htype",
    "codecs": "codec",
    "storage_providers": "storage provider",
    "query_functions": "query function",
    "schedulers": "scheduler",
    "vector_indexes": "vector index",
    "ingest_sources": "ingest source",
    "integrations": "integration",
}


def _plugin_kind_label(kind: str) -> str:
    if kind in _PLUGIN_KIND_LABELS:
        return _PLUGIN_KIND_LABELS[kind]
    return kind.replace("_", " ")


class PluginError(DeepLakeCoreError):
    """Base class of every error about plugins."""

    def __init__(self, message: str = "", *, plugin: str | None = None):
        super().__init__(message)
        #: Name of the plugin concerned, when one is known.
        self.plugin = plugin


class PluginLoadError(PluginError):
    """A plugin could not be loaded (its import or one of its hooks failed), or a name
    that only a plugin which failed to load provides was asked for."""


class PluginSpecError(PluginLoadError):
    """A plugin returned a spec that does not validate, or that refers to names no
    plugin provides (an htype's codec, for instance)."""


class IncompatiblePluginError(PluginLoadError):
    """A plugin targets another plugin API major version or another kernel version."""


class PluginConflictError(PluginError):
    """Two plugins provide the same name and nothing says which one to use."""

    def __init__(self, kind: str, name: str, providers: list[str] | tuple[str, ...]):
        self.kind = kind
        self.name = name
        self.providers = tuple(providers)
        label = _plugin_kind_label(kind)
        listed = "\n".join(f"  - {p}" for p in self.providers)
        super().__init__(
            f"{label} {name!r} is provided by more than one plugin:\n{listed}\n"
            f"Keep one: uninstall or block the others (DEEPLAKE_CORE_BLOCK_PLUGINS=<plugin>), "
            f"declare replaces={name!r} in the spec that should win, or choose one with "
            f"DEEPLAKE_CORE_PREFER='{kind}.{name}=<plugin>' "
            f"(or deeplake_core.plugins.prefer({kind!r}, {name!r}, '<plugin>'))."
        )


class MissingPluginError(PluginError):
    """No loaded plugin provides a needed htype, codec, storage provider, ...

    ``distribution`` and ``version_spec`` (e.g. ``">=0.3"``), when the caller knows
    them (from a dataset's recorded provenance), name the package to install.
    ``notes`` adds lines such as plugins that failed to load and may provide the name.
    """

    def __init__(
        self,
        kind: str,
        name: str,
        distribution: str | None = None,
        version_spec: str | None = None,
        *,
        notes: list[str] | tuple[str, ...] = (),
    ):
        self.kind = kind
        self.name = name
        self.distribution = distribution
        self.version_spec = version_spec
        self.notes = tuple(notes)
        label = _plugin_kind_label(kind)
        message = f"no installed plugin provides the {label} {name!r}"
        if distribution:
            requirement = f"{distribution}{version_spec or ''}"
            message += f"; it comes from {requirement}: pip install '{requirement}'"
        else:
            message += (
                "; install the plugin package that provides it "
                "(`deeplake-core plugins --load` lists what is installed)"
            )
        if self.notes:
            message += "\n" + "\n".join(f"  - {note}" for note in self.notes)
        super().__init__(message)


class PluginCallError(PluginError):
    """A plugin's event hook raised; the original exception is chained."""

    def __init__(self, hook: str, plugin: str, error: BaseException):
        self.hook = hook
        self.error = error
        super().__init__(
            f"plugin {plugin!r} failed in hook {hook!r}: {type(error).__name__}: {error}",
            plugin=plugin,
        )


# --------------------------------------------------------------------- query language (TQL)


class TQLError(DeepLakeCoreError, ValueError):
    """A query cannot run: unknown tensor or function, wrong arguments, a value of the
    wrong kind, missing ``?`` parameters. When the offending part of the query is known,
    ``line``/``column`` (1-based) point at it and the message shows it under a caret."""

    def __init__(self, message: str = "", *, query: str | None = None, offset: int | None = None):
        self.reason = message
        self.query = query
        self.offset = offset
        self.line: int | None = None
        self.column: int | None = None
        if query is not None and offset is not None:
            offset = max(0, min(offset, len(query)))
            before = query[:offset]
            self.line = before.count("\n") + 1
            self.column = offset - (before.rfind("\n") + 1) + 1
            text = query.splitlines()[self.line - 1] if query.strip() else ""
            start = max(0, self.column - 60)  # show at most ~60 characters each side
            text = ("..." if start else "") + text[start : self.column + 60]
            caret = " " * (self.column - 1 - start + (3 if start else 0)) + "^"
            message = f"{message} (line {self.line}, column {self.column})\n  {text}\n  {caret}"
        super().__init__(message)


class TQLSyntaxError(TQLError):
    """A query is not valid TQL. ``expected`` lists what the parser could accept at
    ``line``/``column``."""

    def __init__(
        self,
        message: str = "",
        *,
        query: str | None = None,
        offset: int | None = None,
        expected: Sequence[str] = (),
    ):
        self.expected = tuple(expected)
        if self.expected:
            message = f"{message}; expected {' or '.join(self.expected)}"
        super().__init__(message, query=query, offset=offset)


#: Every public exception name (classes and aliases). Keep this block last.
__all__ = sorted(
    name
    for name, obj in list(globals().items())
    if not name.startswith("_") and isinstance(obj, type) and issubclass(obj, DeepLakeCoreError)
)
