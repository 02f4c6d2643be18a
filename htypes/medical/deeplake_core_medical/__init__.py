"""Medical imaging htypes for deeplake-core: ``dicom`` (pydicom) and ``nifti`` (nibabel).

The entry module (:mod:`deeplake_core_medical._plugin`) only declares specs; pydicom and
nibabel are imported when a file is first read or written. Decode limits live in
:mod:`deeplake_core_medical.limits`.
"""
