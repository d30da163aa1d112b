"""What the repository's runners share to drive a real Odoo 18.

``driver``
    the one way they drive it: :class:`~harness.driver.Odoo` (throw-away
    databases, ``odoo`` runs, ``odoo shell`` fed a script and read back, the
    log's error lines).
``fixtures``
    the data the fault suite and the benchmark start from, made inside
    ``odoo shell`` (the one module here that imports ``odoo``).
``odoo_install``
    finds the Odoo to use (the user's own, else the cached build) and reaches
    its PostgreSQL.
``odoo_cache``
    builds Odoo 18 once in a per-user cache and runs a private PostgreSQL
    cluster when no server answers.

The others are plain Python.
"""
