"""{{ cookiecutter.description }}

A deeplake-core plugin. deeplake-core finds it through the ``deeplake_core`` entry
point and imports ``{{ cookiecutter.module_name }}._plugin``, which Python can only do after
importing this package: keep this file free of imports so that stays cheap.
"""
