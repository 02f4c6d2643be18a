"""Video and audio htypes with PyAV-backed codecs for deeplake-core.

The entry module (:mod:`deeplake_core_av._plugin`) only declares specs; PyAV is
imported when a file is first probed or decoded. Decode limits live in
:mod:`deeplake_core_av.limits`.
"""
