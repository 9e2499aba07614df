from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "zongheng.orgs"
    label = "orgs"
    verbose_name = "一纵：组织、人员与职务"

    def ready(self) -> None:
        from zongheng.core import access, audit

        from .hooks import register as register_hooks
        from .models import Org

        register_hooks()
        access.register_tree(steplen=Org.steplen)
        # Where each audited object of this module lies in the tree (the auditor's scope).
        # Post, ActivityTeam, ImportJob (``org``) and Person (``org_path``) follow the conventions.
        audit.register_org_path("orgs.org", lambda org: org.path)
        audit.register_org_path("orgs.linkedhousehold", lambda household: household.central.path)
