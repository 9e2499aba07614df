"""``{% url %}`` for every template (``TEMPLATES … builtins``): Django's tag, except that an address
with no arguments comes from ``core.urlcache`` (made once per process, not on every render)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaulttags import URLNode, url
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from zongheng.core.urlcache import fixed_url, where

register = template.Library()
_WHERE = object()  # the render context's key for ``where()``


class FixedURLNode(URLNode):
    def render(self, context: Any) -> str:
        if self.args or self.kwargs:
            return str(super().render(context))
        name = self.view_name.resolve(context)
        try:  # as Django's tag finds it
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        at = context.render_context.get(_WHERE)
        if at is None:  # once per template rendered
            at = context.render_context[_WHERE] = where()
        address = ""
        try:
            address = fixed_url(name, current_app, at)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = address
            return ""
        return str(conditional_escape(address)) if context.autoescape else address


@register.tag("url")
def fixed_url_tag(parser: Any, token: Any) -> FixedURLNode:
    node = url(parser, token)
    return FixedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
