"""What the repository's runners share to drive a real Odoo 18 (plain Python).

``odoo_cache``
    builds Odoo 18 once in a per-user cache and runs a private PostgreSQL
    cluster when no server answers.
``odoo_install``
    finds the Odoo to use (the user's own, else the cached build) and reaches
    its PostgreSQL.
"""
