"""``{% url %}`` without arguments is made once per process and URL setting, and behaves as Django's tag."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from zongheng.core import urlcache


def render(text: str, **context) -> str:
    return engines["django"].from_string(text).render(context)


def test_an_address_without_arguments_is_reversed_once_and_then_kept(monkeypatch):
    urlcache._fixed.cache_clear()
    calls = []
    real = urlcache.reverse

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(urlcache, "reverse", counted)
    page = "{% url 'demands:track' %}|{% url 'demands:submit' %}|{% url 'demands:track' %}"
    expected = f"{reverse('demands:track')}|{reverse('demands:submit')}|{reverse('demands:track')}"
    assert render(page) == expected
    assert render(page) == expected
    assert sorted(calls) == ["demands:submit", "demands:track"]


def test_another_script_prefix_gets_its_own_address():
    urlcache._fixed.cache_clear()
    plain = render("{% url 'demands:track' %}")
    try:
        set_script_prefix("/zongheng/")
        assert render("{% url 'demands:track' %}") == "/zongheng" + plain
    finally:
        set_script_prefix("/")
    assert render("{% url 'demands:track' %}") == plain


def test_arguments_as_and_unknown_names_work_as_in_django():
    assert render("{% url 'demands:detail' 42 %}") == reverse("demands:detail", args=[42])
    assert render("{% url 'demands:track' as where %}[{{ where }}]") == f"[{reverse('demands:track')}]"
    assert render("{% url 'no-such-page' as where %}[{{ where }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    assert render("{% url name %}", name="demands:track") == reverse("demands:track")
