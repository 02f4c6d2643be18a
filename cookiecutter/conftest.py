"""Keep pytest out of the template itself.

``{{cookiecutter.dist_name}}/`` holds unrendered test files (Jinja placeholders in
imports); they only make sense once baked. The template's own tests are in ``tests/``.
"""

collect_ignore_glob = ["{{*"]
